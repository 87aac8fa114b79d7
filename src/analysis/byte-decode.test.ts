import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../log/reader.js';
import { decodeGapBytes, type GapByteSink } from './byte-decode.js';
import { runIdHash } from './serve-ids.js';
import { causeKey } from './cause.js';
import { analyzeLogs, buildLedger, findGaps, type JobSchedule } from './gaps.js';
import { runLines, seededRandom } from '../../test/helpers/log-lines.js';

const JOBS: JobSchedule[] = [
  { name: 'blog', schedule: '0 * * * *', tz: 'UTC' },
  { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' },
  { name: 'stories', schedule: '*/10 * * * *', tz: 'Europe/Berlin' },
];
// across a leap day, month ends and Berlin's spring-forward night
const SINCE = Date.parse('2028-02-27T00:00:00Z');
const DAYS = 36;
const WINDOW = { since: new Date(SINCE), until: new Date(SINCE + DAYS * 86_400_000) };

/**
 * A log as JobLog writes it, mostly ok runs: run.start with schedule and tz, ok attempts, ok and
 * degraded ends; some failed attempts and runs, late runs, backfills and manual runs, a job not in
 * the config, breaker and probe lines, a schedule change; and rare lines the byte reader must hand
 * on: garbage, a cut-short line, CRLF, a time without milliseconds, an escaped job name.
 */
function realisticLog(): string {
  const random = seededRandom(11);
  const lines: string[] = [];
  const rec = (r: Record<string, unknown>) => JSON.stringify(r);
  // the watchdog's notes of job names: the seed, and `fresh` added on day 10 (judged from then)
  const seen = (t: number, jobs: string[], seed?: true) => {
    const ts = new Date(t).toISOString();
    const watchdog = { job: 'watchdog', runId: `w${t}`, scheduledFor: ts, trigger: 'cron' };
    lines.push(rec({ ts, level: 'info', event: 'jobs.seen', ...watchdog, jobs, ...(seed ? { seed } : {}) }));
  };
  seen(SINCE + 60_000, ['blog', 'threads', 'stories'], true);
  seen(SINCE + 10 * 86_400_000 + 60_000, ['fresh']);
  for (let t = SINCE; t < SINCE + DAYS * 86_400_000; t += 5 * 60_000) {
    for (const job of ['blog', 'threads', 'stories', 'other']) {
      const every = job === 'blog' ? 60 : job === 'threads' ? 15 : job === 'stories' ? 10 : 30;
      if ((t / 60_000) % every !== 0 || random() < 0.02) continue; // 2% silent
      const slot = new Date(t).toISOString();
      const trigger = random() < 0.05 ? 'backfill' : random() < 0.03 ? 'manual' : 'cron';
      const lateMs = random() < 0.05 ? 90_000 + Math.floor(random() * 60_000) : 800 + Math.floor(random() * 900);
      const at = (ms: number) => new Date(t + lateMs + ms).toISOString();
      const base = { job, runId: `r${lines.length}`, scheduledFor: slot, trigger };
      // the schedule changes half way through for one job
      const config = JOBS.find((j) => j.name === job) ?? { schedule: '*/30 * * * *', tz: 'UTC' };
      const schedule = job === 'threads' && t > SINCE + 20 * 86_400_000 ? '*/15 * * * 1-5' : config.schedule;
      const run = runLines(base, at);
      lines.push(run.start({ schedule, tz: config.tz, lateMs, pid: 7 }));
      if (random() < 0.01) {
        // another host served it (the shared ledger): this host's run skipped it, naming that run
        const skip = { outcome: 'skipped', reason: 'served', servedBy: 'host-b', servedRunId: `b${lines.length}` };
        lines.push(run.end(300, { ...skip, durationMs: 3 }));
        continue;
      }
      const failing = random() < 0.08;
      if (failing) lines.push(run.failedAttempt(400, { error: 'HTTP 503' }));
      if (failing && random() < 0.4) {
        lines.push(rec({ ts: at(500), level: 'warn', event: 'breaker.open', provider: 'a', from: 'closed' }));
        lines.push(run.failedEnd(600, { error: 'x' }));
        continue;
      }
      const provider = failing ? 'b' : 'a';
      lines.push(run.okAttempt(2000, provider, 2000));
      const durationMs = random() < 0.1 ? 2001.5 : 2001;
      lines.push(run.end(2001, { outcome: 'ok', provider, model: 'm', degraded: failing, durationMs }));
      const noise = random();
      if (noise < 0.005) lines.push('garbage, not json');
      else if (noise < 0.01) lines.push(lines.pop()!.slice(0, 60));
      else if (noise < 0.015) lines.push(lines.pop()! + '\r');
      else if (noise < 0.02)
        lines.push(rec({ ts: at(5).replace('.', ',').slice(0, 19) + 'Z', level: 'info', event: 'run.start', ...base }));
      else if (noise < 0.025)
        lines.push(
          `{"ts":"${at(6)}","level":"info","event":"run.end","job":"th\\u0072eads","runId":"x","scheduledFor":"${slot}","trigger":"cron","outcome":"ok","durationMs":3}`,
        );
    }
    if ((t / 60_000) % 60 === 0)
      lines.push(rec({ ts: new Date(t + 5000).toISOString(), level: 'info', event: 'probe', provider: 'a', ok: true }));
  }
  return lines.join('\n') + '\n';
}

describe('decodeGapBytes', () => {
  it('gives the report the plain JSON.parse path gives, on a realistic log', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-bytes-')), 'jobs.jsonl');
    fs.writeFileSync(file, realisticLog());
    const jobs = [...JOBS, { name: 'fresh', schedule: '0 9 * * *', tz: 'UTC' }];
    const fast = await analyzeLogs(jobs, WINDOW, [file], { rotated: false, parallel: { threads: 1 } });
    const plain = findGaps(jobs, await buildLedger(jobs, WINDOW, readRecords([file], { rotated: false })));
    // the log exercises what it should
    expect(fast.gaps.some((g) => g.failed > 0 && g.causes.length > 0)).toBe(true);
    expect(fast.gaps.some((g) => g.missing > 0)).toBe(true);
    expect(fast.late.length).toBeGreaterThan(10);
    expect(fast.degraded.length).toBeGreaterThan(10);
    expect(fast.jobs.find((j) => j.job === 'threads')!.schedules).toHaveLength(2);
    expect(fast.skippedLines).toBeGreaterThan(10);
    expect(fast.jobs.reduce((n, j) => n + j.servedElsewhere, 0)).toBeGreaterThan(10);
    expect(fast.jobs.find((j) => j.job === 'fresh')).toMatchObject({ judgedBy: 'added', missing: 26 });
    expect(fast.gaps).toEqual(plain.gaps);
    expect(fast.late).toEqual(plain.late);
    expect(fast.jobs).toEqual(plain.jobs);
    expect(fast.degraded).toEqual(plain.degraded);
  });

  it('a line that repeats a key goes to the full parse, so both paths tell one story', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-bytes-')), 'jobs.jsonl');
    const slot = (h: number) => `2028-02-27T${String(h).padStart(2, '0')}:00:00.000Z`;
    const head = (h: number) =>
      `{"ts":"${slot(h).replace(':00.000Z', ':05.000Z')}","level":"info","event":"run.end","job":"blog","runId":"r${h}","scheduledFor":"${slot(h)}","trigger":"cron"`;
    const lines = [
      `${head(1)},"outcome":"ok","durationMs":5}`,
      // JobLog's shape, then the same keys again: JSON.parse keeps the last ones
      `${head(2)},"outcome":"ok","outcome":"failed","durationMs":5}`,
      `${head(3)},"outcome":"ok","job":"other","durationMs":5}`,
      `${head(4)},"outcome":"ok","scheduledFor":"${slot(9)}","durationMs":5}`,
      `${head(5)},"outcome":"ok","durationMs":5}`,
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const window = { since: new Date(slot(1)), until: new Date(slot(5)) };
    const fast = await analyzeLogs(JOBS.slice(0, 1), window, [file], { rotated: false, parallel: { threads: 1 } });
    const plain = findGaps(
      JOBS.slice(0, 1),
      await buildLedger(JOBS.slice(0, 1), window, readRecords([file], { rotated: false })),
    );
    expect(fast.gaps).toEqual(plain.gaps);
    expect(fast.jobs).toEqual(plain.jobs);
    expect(fast.gaps.map((g) => [g.start, g.slots])).toEqual([[slot(2), 3]]);
  });

  it('reads the common lines from bytes and hands every other line on', () => {
    const seen: unknown[][] = [];
    const sink: GapByteSink = {
      runStartedAt: (...args) => seen.push(['start', ...noBound(args)]),
      runServedAt: (...args) => seen.push(['served', ...args]),
      attemptFailedAt: (...args) => seen.push(['failed', ...args]),
    };
    const decode = (line: string) => {
      const text = 'x\n' + line + '\n';
      seen.length = 0;
      return [decodeGapBytes(Buffer.from(text, 'latin1'), text, 2, 2 + line.length, sink), ...seen];
    };
    const head = (event: string, ts = '2028-02-29T23:59:59.999Z', slot = '2028-02-29T23:00:00.000Z') =>
      `{"ts":"${ts}","level":"info","event":"${event}","job":"blog","runId":"r1","scheduledFor":"${slot}","trigger":"cron"`;
    const ts = Date.parse('2028-02-29T23:59:59.999Z');
    const slot = Date.parse('2028-02-29T23:00:00.000Z');
    expect(decode(head('run.start') + ',"schedule":"0 * * * *","tz":"UTC","lateMs":1}')).toEqual([
      true,
      ['start', 'blog', slot, ts, 'cron', '0 * * * *', 'UTC'],
    ]);
    expect(decode(head('run.start') + '}')).toEqual([true, ['start', 'blog', slot, ts, 'cron', undefined, undefined]]);
    // the run's own bound, written last (run-slot.ts): a run still going is judged from it
    expect(
      decode(head('run.start') + ',"schedule":"0 * * * *","tz":"UTC","lateMs":1,"pid":7,"deadlineMs":600000}'),
    ).toEqual([true, ['start', 'blog', slot, ts, 'cron', '0 * * * *', 'UTC', 600000]]);
    expect(decode(head('run.end') + ',"outcome":"ok","degraded":false,"durationMs":1234}')).toEqual([
      true,
      ['served', 'blog', slot, ts, 1234, 'cron', runIdHash('r1'), undefined],
    ]);
    expect(decode(head('run.end') + ',"outcome":"ok","durationMs":1.5e3}')).toEqual([
      true,
      ['served', 'blog', slot, ts, 1500, 'cron', runIdHash('r1'), undefined],
    ]);
    expect(decode(head('attempt.end') + ',"outcome":"ok","ms":5}')).toEqual([true]);
    // failed attempts in JobLog's exact shape: their cause, as attemptCauseKey reads it
    const attempt = (rest: string) =>
      decode(head('attempt.end') + ',"provider":"p","model":"m","outcome":"failed"' + rest);
    const failed = (reason: string) => [true, ['failed', 'blog', slot, ts, 'cron', causeKey('p', reason)]];
    expect(attempt(',"httpStatus":503,"errorType":"http","ms":5,"error":"HTTP 503 Service Unavailable"}')).toEqual(
      failed('503'),
    );
    expect(attempt(',"errorType":"timeout","ms":5}')).toEqual(failed('timeout'));
    expect(attempt(',"httpStatus":0,"errorType":"network","ms":5}')).toEqual(failed('network'));
    expect(attempt(',"ms":5}')).toEqual(failed('error'));
    for (const rest of [
      ',"httpStatus":503,"ms":5,"error":"HTTP 503 \\"busy\\""}', // an escape: JSON.parse reads it
      ',"httpStatus":503,"httpStatus":200,"ms":5}',
      ',"httpStatus":0503,"ms":5}',
      ',"httpStatus":503.0,"ms":5}',
      ',"httpStatus":503,"ms":5,"outcome":"ok"}',
      ',"ms":5,"error":"x","detail":{"outcome":"ok"}}',
      ',"ms":5,"error":"x"',
      ',"ms":-5}',
      '}',
    ])
      expect(attempt(rest), rest).toEqual([undefined]);
    expect(decode(head('attempt.end') + ',"model":"m","provider":"p","outcome":"failed","ms":5}')).toEqual([undefined]);
    expect(decode(head('attempt.end') + ',"provider":"p","model":"m","outcome":"skipped-open","ms":0}')).toEqual([
      undefined,
    ]);
    // served by a fallback, in a flat line that says so once: the provider read from bytes too
    expect(
      decode(head('run.end') + ',"outcome":"ok","provider":"b","model":"m","degraded":true,"durationMs":7}'),
    ).toEqual([true, ['served', 'blog', slot, ts, 7, 'cron', runIdHash('r1'), 'b']]);
    expect(decode(head('run.end') + ',"outcome":"ok","degraded":true,"provider":"c","durationMs":7}')).toEqual([
      true,
      ['served', 'blog', slot, ts, 7, 'cron', runIdHash('r1'), 'c'],
    ]);
    for (const line of [
      head('attempt.end') + ',"outcome":"failed","ms":5}',
      // JSON.parse keeps the last of repeated keys, and an object value's outcome is not the line's
      head('attempt.end') + ',"provider":"p","outcome":"ok","outcome":"failed","httpStatus":503}',
      head('attempt.end') + ',"outcome":"failed","provider":"p","outcome":"ok","ms":5}',
      head('attempt.end') + ',"provider":"p","detail":{"outcome":"ok"},"httpStatus":503}',
      head('attempt.end') + ',"provider":"p","detail":{"a":1,"outcome":"ok"},"outcome":"failed"}',
      // degraded lines that read otherwise through JSON.parse (or need its reading): no provider,
      // a key written twice, an object that may hold its own keys, an escape, a provider not a string
      head('run.end') + ',"outcome":"ok","degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","degraded":true,"degraded":false,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","degraded":true,"degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","provider":"c","degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","degraded":true,"provider":"b","job":"other","durationMs":1}',
      head('run.end') + ',"outcome":"ok","meta":{"provider":"x"},"degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","meta":{"degraded":false},"degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b\\u0063","degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":7,"degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","x\\"degraded":true,"durationMs":1}',
      head('run.end') + ',"outcome":"ok","provider":"b","degraded":truer,"durationMs":1}',
      head('run.end') + ',"outcome":"failed","durationMs":1}',
      head('run.end') + ',"outcome":"skipped","reason":"served","servedBy":"h","servedRunId":"r0","durationMs":1}',
      head('run.end', '2026-02-30T00:00:00.000Z') + ',"outcome":"ok","durationMs":1}', // Date.parse's to judge
      head('run.end', '2026-01-01T24:00:00.000Z') + ',"outcome":"ok","durationMs":1}',
      head('run.end', '0099-01-01T00:00:00.000Z') + ',"outcome":"ok","durationMs":1}',
      head('run.start', '2026-01-01T00:00:00Z'),
      head('run.start', '2026-01-01T00:00:00.000Z', 'soon') + '}',
      head('breaker.open') + '}',
      head('jobs.seen') + ',"jobs":["blog"]}',
      head('run.end') + ',"outcome":"ok","dura',
      head('run.start').replace('"blog"', '"bl\\"og"') + '}',
      'garbage',
    ])
      expect(decode(line), line).toEqual([undefined]);
  });

  it('reads each line of a piece alone: searches that run on into later lines never decide an earlier one', () => {
    // lines read in order from one shared text, as the reader hands them over
    const head = (event: string, n: number, slot = '2028-02-29T23:00:00.000Z') =>
      `{"ts":"2028-02-29T23:59:59.999Z","level":"info","event":"${event}","job":"job-${n % 40}","runId":"r${n}","scheduledFor":"${slot}","trigger":"cron"`;
    const lines: string[] = [];
    const want: Array<unknown[]> = [];
    const slot = Date.parse('2028-02-29T23:00:00.000Z');
    const ts = Date.parse('2028-02-29T23:59:59.999Z');
    for (let n = 0; n < 400; n++) {
      const kind = n % 9;
      if (kind === 0 || kind === 1 || kind === 2) {
        // a run of failed attempts (one in JobLog's shape, one with an escape: the full parse's),
        // then an ok one; a look-alike key; a foreign shape
        const outcome = kind === 2 ? '"outcome":"ok"' : '"outcome":"failed","httpStatus":503';
        const error = kind === 1 ? ',"error":"HTTP 503 \\"busy\\""' : ',"error":"HTTP 503"';
        lines.push(head('attempt.end', n) + `,"provider":"a","model":"m",${outcome},"ms":5${error}}`);
        want.push(
          kind === 2
            ? [true]
            : kind === 1
              ? [undefined]
              : [true, ['failed', `job-${n % 40}`, slot, ts, 'cron', causeKey('a', '503')]],
        );
      } else if (kind === 3) {
        lines.push(head('attempt.end', n) + ',"provider":"a","myoutcome":"ok","outcome":"failed","ms":5}');
        want.push([undefined]);
      } else if (kind === 4) {
        // a common key written again: only this line goes to the full parse
        lines.push(head('run.end', n) + ',"outcome":"ok","durationMs":5,"job":"other"}');
        want.push([undefined]);
      } else if (kind === 5) {
        // served by a fallback; every other one with a second degraded key (the full parse's)
        const again = n % 2 ? ',"degraded":false' : '';
        lines.push(head('run.end', n) + `,"outcome":"ok","provider":"b","degraded":true${again},"durationMs":5}`);
        want.push(
          n % 2 ? [undefined] : [true, ['served', `job-${n % 40}`, slot, ts, 5, 'cron', runIdHash(`r${n}`), 'b']],
        );
      } else if (kind === 6) {
        lines.push(head('run.end', n) + ',"outcome":"ok","provider":"a","degraded":false,"durationMs":5}');
        want.push([true, ['served', `job-${n % 40}`, slot, ts, 5, 'cron', runIdHash(`r${n}`), undefined]]);
      } else {
        // run.starts naming many schedules (more than are remembered) and zones
        const schedule = `*/${(n % 37) + 1} * * * *`;
        const tz = n % 2 ? 'UTC' : 'Europe/Berlin';
        lines.push(head('run.start', n) + `,"schedule":"${schedule}","tz":"${tz}","lateMs":1}`);
        want.push([true, ['start', `job-${n % 40}`, slot, ts, 'cron', schedule, tz]]);
      }
    }
    const text = lines.join('\n') + '\n';
    const bytes = Buffer.from(text, 'latin1');
    const seen: unknown[][] = [];
    const sink: GapByteSink = {
      runStartedAt: (...args) => seen.push(['start', ...noBound(args)]),
      runServedAt: (...args) => seen.push(['served', ...args]),
      attemptFailedAt: (...args) => seen.push(['failed', ...args]),
    };
    let start = 0;
    lines.forEach((line, i) => {
      seen.length = 0;
      const got = [decodeGapBytes(bytes, text, start, start + line.length, sink), ...seen];
      expect(got, line).toEqual(want[i]);
      start += line.length + 1;
    });
  });

  it('names each job right among thousands of names, and reads every time as Date.parse does', () => {
    const seen: unknown[][] = [];
    const sink: GapByteSink = {
      runStartedAt: (...args) => seen.push(noBound(args)),
      runServedAt: (...args) => seen.push(args),
      attemptFailedAt: (...args) => seen.push(args),
    };
    const random = seededRandom(5);
    for (let n = 0; n < 6000; n++) {
      // names that share places in the name table (and more than it keeps), met again at random
      const job = `j${Math.floor(random() * 5000)}`;
      const t =
        Date.UTC(1999, 11, 31) + Math.floor(random() * 40 * 365) * 86_400_000 + Math.floor(random() * 86_400_000);
      const ts = new Date(t).toISOString();
      const slot = new Date(t - (t % 60_000)).toISOString();
      const line = `{"ts":"${ts}","level":"info","event":"run.start","job":"${job}","runId":"r","scheduledFor":"${slot}","trigger":"cron"}`;
      const text = 'x\n' + line + '\n';
      seen.length = 0;
      expect(decodeGapBytes(Buffer.from(text, 'latin1'), text, 2, 2 + line.length, sink), line).toBe(
        Date.parse(ts) >= Date.UTC(1000, 0, 1) ? true : undefined,
      );
      if (seen.length > 0) expect(seen[0].slice(0, 3)).toEqual([job, Date.parse(slot), Date.parse(ts)]);
    }
  });
});

/** A run.start's args without the bound it records when it records none (most lines here). */
function noBound(args: unknown[]): unknown[] {
  return args.length === 7 && args[6] === undefined ? args.slice(0, 6) : args;
}
