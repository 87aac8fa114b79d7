import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { scanFileRange } from '../log/file-range.js';
import { newReadStats, READ_BYTES, scanLines } from '../log/reader.js';
import { analyzeLogs, type JobSchedule } from './gaps.js';
import { runLines, seededRandom } from '../../test/helpers/log-lines.js';

const JOBS: JobSchedule[] = [
  { name: 'blog', schedule: '0 * * * *', tz: 'UTC' },
  { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' },
  { name: 'stories', schedule: '*/5 * * * *', tz: 'Europe/Berlin' },
];
const SINCE = Date.parse('2026-03-28T00:00:00Z'); // across Berlin's spring-forward night
const WINDOW = { since: new Date(SINCE), until: new Date(SINCE + 3 * 86_400_000) };

/**
 * Runs of every kind (ok, failed with causes, late, doubled, served after failing, started and
 * never ended), breaker and probe lines, and lines a reader must survive: garbage, blank, CRLF,
 * a record glued to a cut-short one, unparsable slots, escapes, a last line without a newline.
 */
function messyLog(): string {
  const random = seededRandom(7);
  const lines: string[] = [];
  const served: Array<Record<string, unknown>> = [];
  const elsewhere: Array<Record<string, unknown>> = [];
  const rec = (r: Record<string, unknown>) => JSON.stringify(r);
  for (let t = SINCE; t < SINCE + 3 * 86_400_000; t += 5 * 60_000) {
    for (const job of ['blog', 'threads', 'stories']) {
      const every = job === 'blog' ? 60 : job === 'threads' ? 15 : 5;
      if ((t / 60_000) % every !== 0 || random() < 0.05) continue; // 5% silent
      const slot = new Date(t).toISOString();
      const runId = `r${lines.length}`;
      const lateMs = random() < 0.1 ? 90_000 + Math.floor(random() * 60_000) : 1000;
      const at = (ms: number) => new Date(t + lateMs + ms).toISOString();
      const base = { job, runId, scheduledFor: slot, trigger: random() < 0.1 ? 'backfill' : 'cron' };
      const run = runLines(base, at);
      lines.push(run.start({ lateMs, pid: 1 }));
      const fate = random();
      if (fate < 0.15) {
        lines.push(run.failedAttempt(500, { errorType: 'http', error: 'HTTP 503 "overloaded"\nretry' }));
        lines.push(run.failedEnd(600, { errorType: 'unavailable', error: 'no provider could serve' }));
        if (random() < 0.5)
          lines.push(
            rec({ ts: at(700), level: 'warn', event: 'breaker.open', ...base, provider: 'a', from: 'closed' }),
          );
      } else if (fate < 0.2) {
        // started, never ended (killed); or found served by another host (the shared ledger) and skipped
        if (fate >= 0.18) {
          const skip = { outcome: 'skipped', reason: 'served', servedBy: `host-${lines.length % 3}`, servedRunId: 'o' };
          lines.push(run.end(300, { ...skip, durationMs: 3 }));
          elsewhere.push(base);
        }
      } else {
        lines.push(run.okAttempt(800, 'b', 700));
        lines.push(run.end(900, { outcome: 'ok', provider: 'b', degraded: true, durationMs: 900 }));
        served.push(base);
        if (fate > 0.97) lines.push(run.end(1000, { outcome: 'ok', durationMs: 5 }));
      }
      const noise = random();
      if (noise < 0.02) lines.push('garbage \u00ff not json');
      else if (noise < 0.03) lines.push('');
      else if (noise < 0.04)
        lines.push(rec({ ts: at(1), level: 'info', event: 'run.start', ...base, lateMs: 1 }) + '\r');
      else if (noise < 0.05)
        lines.push(
          lines.pop()!.slice(0, 40) +
            rec({
              ts: at(2),
              level: 'info',
              event: 'probe',
              job: '',
              runId: 'p',
              scheduledFor: '',
              trigger: 'manual',
              ok: true,
            }),
        );
      else if (noise < 0.06)
        lines.push(
          rec({ ts: at(3), level: 'info', event: 'run.end', ...base, scheduledFor: 'not a time', outcome: 'ok' }),
        );
      else if (noise < 0.07)
        lines.push(rec({ ts: 'garbled', level: 'info', event: 'run.end', ...base, outcome: 'ok', durationMs: 1 }));
      else if (noise < 0.08)
        lines.push(
          `{"ts":"${at(4)}","level":"info","event":"run.end","job":"th\\u0072eads","runId":"x","scheduledFor":"${slot}","trigger":"cron","outcome":"ok","durationMs":3}`,
        );
    }
  }
  // records far from their slot's other lines (a backfill hours later, a merged host's log), so
  // a slot's lines fall in different ranges: on-time and less-late serves of late-served slots,
  // late serves of on-time slots, failures after a serve
  served.forEach((base, i) => {
    const t = Date.parse(base.scheduledFor as string);
    const lateMs = [2000, 70_000, 3_600_000, 2000][i % 4];
    const outcome = i % 7 === 0 ? 'failed' : 'ok';
    lines.push(
      rec({
        ts: new Date(t + lateMs + 10).toISOString(),
        level: 'info',
        event: 'run.end',
        ...base,
        runId: `b${i}`,
        trigger: 'backfill',
        outcome,
        durationMs: 10,
      }),
    );
  });
  // the watchdog's notes of job names: the seed first; `fresh` named on day 2, and (another
  // watchdog sharing the log, its line written late) on day 1 at the end: the earlier one counts
  const seen = (t: number, jobs: string[], seed?: true) => {
    const ts = new Date(t).toISOString();
    const watchdog = { job: 'watchdog', runId: `w${t}`, scheduledFor: ts, trigger: 'cron' };
    return rec({ ts, level: 'info', event: 'jobs.seen', ...watchdog, jobs, ...(seed ? { seed } : {}) });
  };
  lines.unshift(seen(SINCE, ['blog', 'threads', 'stories'], true));
  lines.splice(lines.length >> 1, 0, seen(SINCE + 2 * 86_400_000, ['fresh']));
  lines.push(seen(SINCE + 86_400_000 + 1800_000, ['fresh']));
  // a second host's skip of the same slots, far away: the host the first one named stays
  for (const base of elsewhere) {
    const skip = { outcome: 'skipped', reason: 'served', servedBy: 'host-late', servedRunId: 'o2', durationMs: 1 };
    lines.push(
      rec({
        ts: new Date(Date.parse(base.scheduledFor as string) + 7_200_000).toISOString(),
        level: 'info',
        event: 'run.end',
        ...base,
        runId: 'c',
        ...skip,
      }),
    );
  }
  return lines.join('\n'); // no newline after the last line
}

it('reading a file in ranges sees every line once, wherever the cut falls (inside a line, on a newline)', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-range-')), 'jobs.jsonl');
  fs.writeFileSync(file, messyLog().slice(0, 6000) + '\r\n\n{"ts":"x","event":"last"}');
  const size = fs.statSync(file).size;
  const whole: string[] = [];
  const wholeStats = await scanLines([file], (text, s, e) => (whole.push(text.slice(s, e)), true), { rotated: false });
  for (let cut = 0; cut <= size + 1; cut++) {
    const seen: string[] = [];
    const stats = newReadStats();
    const visit = (text: string, s: number, e: number) => (seen.push(text.slice(s, e)), true);
    await scanFileRange(file, { start: 0, end: cut }, visit, stats);
    await scanFileRange(file, { start: cut, end: Infinity }, visit, stats);
    expect(seen, `cut at ${cut}`).toEqual(whole);
    expect(stats.bytes, `cut at ${cut}`).toBe(size);
    expect(stats.lines).toBe(wholeStats.lines);
  }
});

it('reading a file in ranges sees every line once when cuts and lines cross the reads (READ_BYTES)', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-range-')), 'jobs.jsonl');
  // short lines, then one line longer than a read (a range's first line may end a read or more
  // after the cut), then short lines again
  const short = (n: number) => Array.from({ length: n }, (_, i) => `{"n":${i}}`);
  const lines = [...short(150_000), `{"long":"${'x'.repeat(READ_BYTES + 10)}"}`, ...short(100_000)];
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const size = fs.statSync(file).size;
  const longAt = lines.slice(0, 150_000).join('\n').length + 1;
  const cuts = [READ_BYTES - 1, READ_BYTES, READ_BYTES + 1, longAt, longAt + 5, longAt + READ_BYTES, size - 3];
  for (const cut of cuts) {
    for (const second of [cut + 1, cut + READ_BYTES, cut + 2 * READ_BYTES + 7]) {
      const seen: string[] = [];
      const stats = newReadStats();
      const visit = (text: string, s: number, e: number) => (seen.push(text.slice(s, e)), true);
      for (const range of [
        { start: 0, end: cut },
        { start: cut, end: second },
        { start: second, end: Infinity },
      ])
        await scanFileRange(file, range, visit, stats);
      expect(seen.length, `cuts at ${cut}, ${second}`).toBe(lines.length);
      expect(seen, `cuts at ${cut}, ${second}`).toEqual(lines);
    }
  }
});

it('the parallel gap analysis gives the one-thread report exactly, for any number of ranges', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-parallel-')), 'jobs.jsonl');
  fs.writeFileSync(file, messyLog());
  const ran: boolean[] = [];
  const jobs = [...JOBS, { name: 'fresh', schedule: '*/30 * * * *', tz: 'UTC' }];
  const run = (threads: number) =>
    analyzeLogs(jobs, WINDOW, [file], {
      rotated: false,
      lateAfterMs: 60_000,
      parallel: { threads, minBytes: 0, onWorker: (ok) => ran.push(ok) },
    });
  const one = await run(1);
  // the log exercises what it should
  expect(one.skippedLines).toBeGreaterThan(10);
  expect(one.gaps.some((g) => g.failed > 0 && g.causes.length > 0)).toBe(true);
  expect(one.gaps.some((g) => g.missing > 0)).toBe(true);
  expect(one.late.length).toBeGreaterThan(5);
  expect(one.jobs.some((j) => j.doubled > 0)).toBe(true);
  expect(one.jobs.reduce((n, j) => n + j.servedElsewhere, 0)).toBeGreaterThan(10);
  expect(one.jobs.find((j) => j.job === 'fresh')).toMatchObject({
    judgedBy: 'added',
    judgedFrom: new Date(SINCE + 86_400_000 + 1800_000).toISOString(),
  });
  for (const threads of [2, 3, 7]) expect(await run(threads), `${threads} threads`).toEqual(one);
  expect(ran).toEqual(Array(1 + 2 + 6).fill(true)); // every range but the first was read by a worker
});
