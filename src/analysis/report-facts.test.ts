import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherReportFacts } from './report-facts.js';
import type { JobSchedule } from './ledger-types.js';

const APRIL19 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/april19.jsonl');
const JOBS: JobSchedule[] = [
  { name: 'blog', schedule: '0 * * * *', tz: 'UTC', graceMs: 180_000 },
  { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC', graceMs: 180_000 },
  { name: 'stories', schedule: '*/30 * * * *', tz: 'UTC', graceMs: 180_000 },
];
const CHAIN = ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'];
const at = (hhmm: string) => `2026-04-19T${hhmm}.000Z`;
const window = (from: string, to: string) => ({ since: new Date(at(from)), until: new Date(at(to)) });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-report-facts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('report facts: April 19', () => {
  it('the headline, incident and cause of the fixture', async () => {
    const facts = await gatherReportFacts(JOBS, window('12:00:00', '17:01:00'), [APRIL19], { chain: CHAIN });
    expect(facts.headline).toEqual({
      incident: 0,
      start: at('14:15:00'),
      end: at('15:00:00'),
      open: false,
      durationMs: 45 * 60_000,
      jobs: ['stories', 'threads'],
      cause: 'deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3; stories: no records at all — the job did not run',
      affected: 4,
      failed: 3,
      missing: 1,
      degraded: 0,
      filled: 0,
      unserved: 4,
      pending: 3, // the 17:00 slots, younger than the grace
      notJudgedOutOfConfig: 0,
      gapAlerts: 0,
    });
    expect(facts.incidents).toEqual([
      {
        start: at('14:15:00'),
        end: at('15:00:00'),
        open: false,
        durationMs: 45 * 60_000,
        jobs: ['stories', 'threads'],
        slots: 4,
        notOnTime: 4,
        stillUnserved: 4,
        failed: 3,
        missing: 1,
        degraded: 0,
        filled: 0,
        filledLater: { slots: 0, by: [], at: null },
        unserved: 4,
        cause: 'deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3; stories: no records at all — the job did not run',
        noRecords: ['stories'],
        owing: [],
      },
    ]);
    // over the whole window, the 13:15 retry after a 429 counts too
    expect(facts.cause).toBe('deepseek-v3: 503 ×9, 429 ×1; llama-3.3-70b: timeout ×3');
    expect(facts.skippedLines).toBe(0);
    expect(facts.linesRead).toBe(118);
  });

  it('one cell per slot, with the outcome of each', async () => {
    const facts = await gatherReportFacts(JOBS, window('12:00:00', '17:01:00'), [APRIL19], { chain: CHAIN });
    const row = (job: string) => facts.jobs.find((j) => j.job === job)!;
    expect(facts.jobs.map((j) => [j.job, j.cells.length])).toEqual([
      ['blog', 6],
      ['threads', 21],
      ['stories', 11],
    ]);
    expect(row('threads').counts).toEqual({ served: 17, degraded: 0, failed: 3, missing: 0, pending: 1, filled: 0 });
    expect(row('stories').counts).toEqual({ served: 9, degraded: 0, failed: 0, missing: 1, pending: 1, filled: 0 });
    expect(row('threads').cells.find((c) => c.slot === at('14:30:00'))).toEqual({
      slot: at('14:30:00'),
      outcome: 'failed',
      error: 'deadline of 120000 ms exceeded after 4 attempts',
      tries: 'deepseek-v3 503, 503, 503; llama-3.3-70b timeout',
    });
    expect(row('threads').cells.find((c) => c.slot === at('13:15:00'))).toEqual({
      slot: at('13:15:00'),
      outcome: 'served',
      provider: 'deepseek-v3',
    });
    expect(facts.affected.map((s) => `${s.job} ${s.slot.slice(11, 16)} ${s.outcome}`)).toEqual([
      'threads 14:15 failed',
      'stories 14:30 missing',
      'threads 14:30 failed',
      'threads 14:45 failed',
    ]);
  });

  it('what the providers, the breaker and the alerts did', async () => {
    const facts = await gatherReportFacts(JOBS, window('12:00:00', '17:01:00'), [APRIL19], { chain: CHAIN });
    expect(facts.providers).toEqual([
      {
        provider: 'deepseek-v3',
        requests: 41,
        ok: 31,
        failed: 10,
        cutShort: 0,
        skippedOpen: 0,
        errors: [
          { reason: '503', count: 9 },
          { reason: '429', count: 1 },
        ],
      },
      {
        provider: 'llama-3.3-70b',
        requests: 3,
        ok: 0,
        failed: 3,
        cutShort: 0,
        skippedOpen: 0,
        errors: [{ reason: 'timeout', count: 3 }],
      },
      { provider: 'qwen-72b', requests: 0, ok: 0, failed: 0, cutShort: 0, skippedOpen: 0, errors: [] },
    ]);
    // opened by the 14:15 run, re-opened by the next two, closed by the 15:00 success
    expect(facts.breakers).toEqual([
      { provider: 'deepseek-v3', from: at('14:15:08'), until: '2026-04-19T15:00:11.019Z', manual: false, trials: [] },
    ]);
    expect(facts.alerts).toEqual([{ at: at('14:48:20'), kind: 'alert', job: 'threads', providers: [] }]);
  });
});

describe('report facts: the chain at work, and backfill afterwards', () => {
  const base = { job: 'threads', trigger: 'cron', level: 'info' };
  const line = (r: Record<string, unknown>) => JSON.stringify({ ...base, ...r });
  const slot = at('14:15:00');
  const file = path.join(dir, 'after.jsonl');
  fs.writeFileSync(
    file,
    [
      // 14:00 served by the primary; 14:15 fails, then backfill fills it; 14:30 served by a fallback
      // after the open breaker skipped the primary
      line({ ts: at('14:00:01'), event: 'run.start', runId: 'a', scheduledFor: at('14:00:00') }),
      line({
        ts: at('14:00:02'),
        event: 'run.end',
        runId: 'a',
        scheduledFor: at('14:00:00'),
        outcome: 'ok',
        provider: 'deepseek-v3',
      }),
      line({ ts: at('14:15:01'), event: 'run.start', runId: 'b', scheduledFor: slot }),
      line({
        ts: at('14:15:02'),
        event: 'attempt.end',
        runId: 'b',
        scheduledFor: slot,
        provider: 'deepseek-v3',
        outcome: 'failed',
        httpStatus: 503,
      }),
      line({
        ts: at('14:15:02'),
        event: 'breaker.open',
        runId: 'b',
        scheduledFor: slot,
        provider: 'deepseek-v3',
        from: 'closed',
      }),
      line({
        ts: at('14:15:03'),
        event: 'run.end',
        runId: 'b',
        scheduledFor: slot,
        outcome: 'failed',
        error: 'no provider could serve',
      }),
      line({ ts: at('14:30:01'), event: 'run.start', runId: 'c', scheduledFor: at('14:30:00') }),
      line({
        ts: at('14:30:01'),
        event: 'attempt.end',
        runId: 'c',
        scheduledFor: at('14:30:00'),
        provider: 'deepseek-v3',
        outcome: 'skipped-open',
      }),
      line({
        ts: at('14:30:02'),
        event: 'attempt.end',
        runId: 'c',
        scheduledFor: at('14:30:00'),
        provider: 'llama-3.3-70b',
        outcome: 'ok',
      }),
      line({
        ts: at('14:30:02'),
        event: 'run.end',
        runId: 'c',
        scheduledFor: at('14:30:00'),
        outcome: 'ok',
        provider: 'llama-3.3-70b',
        degraded: true,
      }),
      line({
        ts: at('14:45:01'),
        event: 'breaker.half-open',
        runId: 'd',
        scheduledFor: at('14:45:00'),
        provider: 'deepseek-v3',
        from: 'open',
      }),
      line({
        ts: at('14:45:01'),
        event: 'breaker.close',
        runId: 'd',
        scheduledFor: at('14:45:00'),
        provider: 'deepseek-v3',
        from: 'half-open',
      }),
      line({
        ts: at('14:45:02'),
        event: 'run.end',
        runId: 'd',
        scheduledFor: at('14:45:00'),
        outcome: 'ok',
        provider: 'deepseek-v3',
      }),
      line({ ts: at('15:10:00'), event: 'run.start', runId: 'e', scheduledFor: slot, trigger: 'backfill' }),
      line({
        ts: at('15:10:01'),
        event: 'run.end',
        runId: 'e',
        scheduledFor: slot,
        trigger: 'backfill',
        outcome: 'ok',
        provider: 'deepseek-v3',
      }),
    ].join('\n') + '\n',
  );
  const threads = [JOBS[1]];

  it('a fallback-served slot is degraded, a backfilled one filled: the filled one was not served on time, so an incident (over, nothing owed now); both told as stretches', async () => {
    const facts = await gatherReportFacts(threads, window('14:00:00', '15:00:00'), [file], { chain: CHAIN });
    expect(facts.jobs[0].cells.map((c) => c.outcome)).toEqual(['served', 'filled', 'degraded', 'served', 'pending']);
    expect(facts.affected).toEqual([
      {
        job: 'threads',
        slot,
        outcome: 'filled',
        provider: 'deepseek-v3',
        was: 'failed',
        filledBy: 'backfill',
        filledAt: at('15:10:01'),
        error: 'no provider could serve',
        tries: 'deepseek-v3 503 → backfill: no attempts',
      },
      {
        job: 'threads',
        slot: at('14:30:00'),
        outcome: 'degraded',
        provider: 'llama-3.3-70b',
        degraded: true,
        tries: 'deepseek-v3 breaker open; llama-3.3-70b ok',
      },
    ]);
    // `postmortem gaps` saw 14:15 unserved until the backfill (it lists nothing now): the incident
    // is that, over when the fallback served 14:30 on time, its one slot filled since
    expect(facts.incidents).toEqual([
      {
        start: slot,
        end: at('14:30:00'),
        open: false,
        durationMs: 15 * 60_000,
        jobs: ['threads'],
        slots: 1,
        notOnTime: 1,
        stillUnserved: 0,
        unserved: 0,
        failed: 0,
        missing: 0,
        degraded: 0,
        filled: 1,
        filledLater: { slots: 1, by: ['backfill'], at: at('15:10:01') },
        cause: 'deepseek-v3: 503 ×1',
        noRecords: [],
        owing: [],
      },
    ]);
    expect(facts.stretches).toEqual([
      {
        job: 'threads',
        kind: 'filled',
        start: slot,
        lastSlot: slot,
        end: at('14:30:00'),
        slots: 1,
        open: false,
        providers: ['deepseek-v3'],
        filledBy: ['backfill'],
        filledAt: at('15:10:01'),
        incident: 0,
      },
      {
        job: 'threads',
        kind: 'degraded',
        start: at('14:30:00'),
        lastSlot: at('14:30:00'),
        end: at('14:45:00'),
        slots: 1,
        open: false,
        providers: ['llama-3.3-70b'],
        incident: 0, // it touches the incident's end
      },
    ]);
    expect(facts.headline).toMatchObject({
      incident: 0,
      start: slot,
      affected: 2,
      failed: 0,
      degraded: 1,
      filled: 1,
      unserved: 0,
    });
    expect(facts.providers[0]).toMatchObject({ provider: 'deepseek-v3', requests: 1, failed: 1, skippedOpen: 1 });
    expect(facts.breakers).toEqual([
      {
        provider: 'deepseek-v3',
        from: at('14:15:02'),
        until: at('14:45:01'),
        manual: false,
        trials: [{ at: at('14:45:01'), result: 'closed' }],
      },
    ]);
  });
});

describe('report facts: an empty window', () => {
  it('no slot, no attempt, no breaker, no alert: no incident', async () => {
    // between the slots of every job: 12:01 to 12:14
    const facts = await gatherReportFacts(JOBS, window('12:01:00', '12:14:00'), [APRIL19], { chain: CHAIN });
    expect(facts.headline).toEqual({
      incident: null,
      start: null,
      end: null,
      open: false,
      durationMs: 0,
      jobs: [],
      affected: 0,
      failed: 0,
      missing: 0,
      degraded: 0,
      filled: 0,
      unserved: 0,
      pending: 0,
      notJudgedOutOfConfig: 0,
      gapAlerts: 0,
    });
    expect(facts.jobs.map((j) => j.cells.length)).toEqual([0, 0, 0]);
    expect(facts.incidents).toEqual([]);
    expect(facts.affected).toEqual([]);
    expect(facts.cause).toBeUndefined();
    expect(facts.breakers).toEqual([]);
    expect(facts.alerts).toEqual([]);
    expect(facts.providers.every((p) => p.requests === 0 && p.skippedOpen === 0)).toBe(true);
  });
});
