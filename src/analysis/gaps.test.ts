import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { slotsBetween } from '../schedule/slots.js';
import type { LogRecord } from '../log/types.js';
import { analyzeLogs, buildLedger, findGaps, readLedger, unservedSlots, type JobSchedule } from './gaps.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const APRIL19 = path.join(fixtures, 'april19.jsonl');
const JOBS: JobSchedule[] = [
  { name: 'blog', schedule: '0 * * * *', tz: 'UTC' },
  { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' },
  { name: 'stories', schedule: '*/30 * * * *', tz: 'UTC' },
];
const WINDOW = { since: new Date('2026-04-19T12:00:00Z'), until: new Date('2026-04-19T16:50:00Z') };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-gaps-'));

describe('April 19', () => {
  it('finds exactly the unserved slots, failed apart from missing', async () => {
    const report = await analyzeLogs(JOBS, WINDOW, [APRIL19]);
    expect(report.skippedLines).toBe(0);
    expect(report.gaps).toEqual([
      {
        job: 'threads',
        start: '2026-04-19T14:15:00.000Z',
        end: '2026-04-19T15:00:00.000Z',
        durationMs: 45 * 60_000,
        slots: 3,
        failed: 3,
        missing: 0,
        cause: 'deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3',
        open: false,
        lastSlot: '2026-04-19T14:45:00.000Z',
        causes: [
          { source: 'deepseek-v3', reason: '503', count: 9 },
          { source: 'llama-3.3-70b', reason: 'timeout', count: 3 },
        ],
      },
      {
        job: 'stories',
        start: '2026-04-19T14:30:00.000Z',
        end: '2026-04-19T15:00:00.000Z',
        durationMs: 30 * 60_000,
        slots: 1,
        failed: 0,
        missing: 1,
        open: false,
        lastSlot: '2026-04-19T14:30:00.000Z',
        causes: [],
      },
    ]);
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]).toMatchObject({
      start: '2026-04-19T14:15:00.000Z',
      end: '2026-04-19T15:00:00.000Z',
      jobs: ['stories', 'threads'],
      slots: 4,
      failed: 3,
      missing: 1,
      cause: 'deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3; stories: no records at all — the job did not run',
    });
    expect(report.late).toEqual([{ job: 'blog', slot: '2026-04-19T16:00:00.000Z', lateMs: 191_800, trigger: 'cron' }]);
    expect(report.jobs.find((j) => j.job === 'threads')).toMatchObject({
      slots: 20,
      served: 17,
      failed: 3,
      missing: 0,
    });
  });

  it('plans exactly those slots for a backfill, and nothing once they are served', async () => {
    const { ledger } = await readLedger(JOBS, WINDOW, [APRIL19]);
    const plan = unservedSlots(JOBS, ledger);
    expect(plan).toEqual([
      { job: 'threads', slot: '2026-04-19T14:15:00.000Z', status: 'failed' },
      { job: 'threads', slot: '2026-04-19T14:30:00.000Z', status: 'failed' },
      { job: 'threads', slot: '2026-04-19T14:45:00.000Z', status: 'failed' },
      { job: 'stories', slot: '2026-04-19T14:30:00.000Z', status: 'missing' },
    ]);
    // a backfill appends ok run.end records for those slots, hours later
    const dir = tmp();
    const backfill = path.join(dir, 'backfill.jsonl');
    fs.writeFileSync(
      backfill,
      plan
        .map((p, i) =>
          JSON.stringify({
            ts: '2026-04-19T18:00:0' + i + '.000Z',
            level: 'info',
            event: 'run.end',
            job: p.job,
            runId: 'b' + i,
            scheduledFor: p.slot,
            trigger: 'backfill',
            outcome: 'ok',
            durationMs: 9000,
          }),
        )
        .join('\n') + '\n',
    );
    const after = await analyzeLogs(JOBS, WINDOW, [APRIL19, backfill]);
    expect(after.gaps).toEqual([]);
    expect(after.incidents).toEqual([]);
    expect(after.late.filter((l) => l.trigger === 'backfill')).toHaveLength(4);
    const again = await readLedger(JOBS, WINDOW, [APRIL19, backfill]);
    expect(unservedSlots(JOBS, again.ledger)).toEqual([]);
  });

  it('reads the same story from gzipped rotations and stdin', async () => {
    const dir = tmp();
    const text = fs.readFileSync(APRIL19, 'utf8');
    const lines = text.trimEnd().split('\n');
    const live = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(live + '.2.gz', gzipSync(lines.slice(0, 40).join('\n') + '\n'));
    fs.writeFileSync(live + '.1', lines.slice(40, 80).join('\n') + '\ngarbage line\n');
    fs.writeFileSync(live, lines.slice(80).join('\n') + '\n');
    const rotated = await analyzeLogs(JOBS, WINDOW, [live]);
    const plain = await analyzeLogs(JOBS, WINDOW, [APRIL19]);
    expect(rotated.gaps).toEqual(plain.gaps);
    expect(rotated.skippedLines).toBe(1);
    expect(rotated.sources).toHaveLength(3);
    const fromStdin = await analyzeLogs(JOBS, WINDOW, ['-'], { stdin: fs.createReadStream(APRIL19) });
    expect(fromStdin.gaps).toEqual(plain.gaps);
  });
});

describe('gaps', () => {
  const since = new Date('2026-04-19T00:00:00Z');
  const until = new Date('2026-04-19T06:00:00Z');
  const hourly: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
  const end = (slot: string, outcome = 'ok', extra: Record<string, unknown> = {}) => ({
    ts: new Date(Date.parse(slot) + 10_000).toISOString(),
    level: 'info' as const,
    event: 'run.end',
    job: 'blog',
    runId: slot,
    scheduledFor: slot,
    trigger: 'cron' as const,
    outcome,
    durationMs: 8000,
    ...extra,
  });
  const start = (slot: string) => ({
    ts: slot,
    level: 'info' as const,
    event: 'run.start',
    job: 'blog',
    runId: slot,
    scheduledFor: slot,
    trigger: 'cron' as const,
  });

  it('reports a job with no records at all as one open gap covering the window', async () => {
    const ledger = await buildLedger([hourly], { since, until }, []);
    const { gaps } = findGaps([hourly], ledger);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      start: '2026-04-19T00:00:00.000Z',
      end: null,
      open: true,
      slots: 7,
      missing: 7,
      durationMs: 6 * 3_600_000,
    });
  });

  it('leaves slots inside the grace period unjudged, counts a started run that never ended as failed', async () => {
    const records = [
      end('2026-04-19T00:00:00.000Z'),
      start('2026-04-19T01:00:00.000Z'),
      end('2026-04-19T02:00:00.000Z'),
      end('2026-04-19T03:00:00.000Z'),
      end('2026-04-19T04:00:00.000Z'),
      end('2026-04-19T05:00:00.000Z'),
      start('2026-04-19T06:00:00.000Z'),
    ];
    const job = { ...hourly, graceMs: 5 * 60_000 };
    const ledger = await buildLedger([job], { since, until }, records);
    const { gaps, jobs } = findGaps([job], ledger);
    expect(gaps).toEqual([
      expect.objectContaining({
        start: '2026-04-19T01:00:00.000Z',
        end: '2026-04-19T02:00:00.000Z',
        failed: 1,
        missing: 0,
        cause: 'run: no run.end (killed or crashed) ×1',
      }),
    ]);
    expect(jobs[0]).toMatchObject({ served: 5, failed: 1, pending: 1 });
    // without grace, the 06:00 run still going is judged (as crashed): an open gap
    const strict = findGaps([hourly], await buildLedger([hourly], { since, until }, records));
    expect(strict.gaps.at(-1)).toMatchObject({ start: '2026-04-19T06:00:00.000Z', end: null, open: true });
  });

  it('uses what a command job reports when no attempt failed, and counts doubled slots', async () => {
    const records = [
      end('2026-04-19T00:00:00.000Z'),
      end('2026-04-19T00:00:00.000Z', 'ok', { runId: 'a second run' }), // (the same run read twice is no double)
      end('2026-04-19T01:00:00.000Z', 'failed', { exitCode: 2 }),
      end('2026-04-19T02:00:00.000Z', 'failed', { exitCode: 2 }),
      end('2026-04-19T02:00:00.000Z', 'skipped'),
      end('2026-04-19T03:00:00.000Z', 'skipped'),
      end('2026-04-19T04:00:00.000Z'),
      end('2026-04-19T05:00:00.000Z'),
      end('2026-04-19T06:00:00.000Z'),
    ];
    const ledger = await buildLedger([hourly], { since, until }, records);
    const { gaps, jobs } = findGaps([hourly], ledger);
    expect(gaps).toEqual([
      expect.objectContaining({
        start: '2026-04-19T01:00:00.000Z',
        end: '2026-04-19T04:00:00.000Z',
        slots: 3,
        failed: 2,
        missing: 1,
        cause: 'run: exit 2 ×2',
      }),
    ]);
    expect(jobs[0].doubled).toBe(1);
  });

  it('serves a slot only with an ok run.end: a skipped one, whatever its reason, proves nothing', async () => {
    const records = [end('2026-04-19T00:00:00.000Z'), end('2026-04-19T01:00:00.000Z', 'skipped', { reason: 'served' })];
    const window = { since, until: new Date('2026-04-19T01:00:00Z') };
    const { gaps } = findGaps([hourly], await buildLedger([hourly], window, records));
    expect(gaps).toEqual([expect.objectContaining({ start: '2026-04-19T01:00:00.000Z', slots: 1 })]);
  });

  it('ignores records of other jobs, other windows and unparsable slots', async () => {
    const records = [
      end('2026-04-18T23:00:00.000Z'),
      { ...end('2026-04-19T00:00:00.000Z'), job: 'other' },
      { ...end('2026-04-19T00:00:00.000Z'), scheduledFor: 'yesterday' },
    ];
    const ledger = await buildLedger([hourly], { since, until: new Date('2026-04-19T00:30:00Z') }, records);
    expect(findGaps([hourly], ledger).gaps[0]).toMatchObject({ slots: 1, missing: 1 });
    expect(ledger.invalidRecords).toBe(1);
  });
});

describe('DST (Europe/Berlin, 2026)', () => {
  const jobs: JobSchedule[] = [
    { name: 'nightly', schedule: '30 2 * * *', tz: 'Europe/Berlin' },
    { name: 'hourly', schedule: '0 * * * *', tz: 'Europe/Berlin' },
  ];
  // Every slot a Berlin crontab really ran, written by hand in UTC (not computed by croner).
  const nightlyRuns = [
    '2026-03-28T01:30:00Z',
    '2026-03-29T01:00:00Z',
    '2026-03-30T00:30:00Z',
    '2026-10-24T00:30:00Z',
    '2026-10-25T00:30:00Z',
    '2026-10-26T01:30:00Z',
  ];
  const hourlyRuns = (fromUtc: string, hours: number) =>
    Array.from({ length: hours }, (_, h) => new Date(Date.parse(fromUtc) + h * 3_600_000).toISOString());
  const windows = [
    {
      since: new Date('2026-03-28T00:00:00Z'),
      until: new Date('2026-03-30T23:00:00Z'),
      hourly: hourlyRuns('2026-03-28T00:00:00Z', 24 * 3),
    },
    {
      since: new Date('2026-10-24T00:00:00Z'),
      until: new Date('2026-10-26T23:00:00Z'),
      hourly: hourlyRuns('2026-10-24T00:00:00Z', 24 * 3),
    },
  ];

  for (const w of windows) {
    it(`finds no false gaps and invents no slots around ${w.since.toISOString().slice(0, 7)}`, async () => {
      const served = [...nightlyRuns.map((s) => ['nightly', s]), ...w.hourly.map((s) => ['hourly', s])];
      const records = served.map(
        ([job, s]) =>
          ({
            ts: s,
            level: 'info',
            event: 'run.end',
            job,
            runId: job + s,
            scheduledFor: new Date(s).toISOString(),
            trigger: 'cron',
            outcome: 'ok',
            durationMs: 1000,
          }) as LogRecord,
      );
      const ledger = await buildLedger(jobs, w, records);
      const report = findGaps(jobs, ledger);
      expect(report.gaps).toEqual([]);
      const nightly = report.jobs.find((j) => j.job === 'nightly')!;
      expect(nightly.slots).toBe(3);
      expect(nightly.served).toBe(3);
      // the hourly job: 72 real hours in the window (both ends included), however the wall clock jumped
      expect(report.jobs.find((j) => j.job === 'hourly')).toMatchObject({
        slots: w.hourly.length,
        served: w.hourly.length,
      });
    });
  }

  it('still sees a real miss on the short night', async () => {
    const w = windows[0];
    const records = nightlyRuns
      .filter((s) => s !== '2026-03-29T01:00:00Z')
      .map(
        (s) =>
          ({
            ts: s,
            level: 'info',
            event: 'run.end',
            job: 'nightly',
            runId: s,
            scheduledFor: s,
            trigger: 'cron',
            outcome: 'ok',
            durationMs: 1000,
          }) as LogRecord,
      );
    const ledger = await buildLedger([jobs[0]], w, records);
    expect(findGaps([jobs[0]], ledger).gaps).toEqual([
      expect.objectContaining({ start: '2026-03-29T01:00:00.000Z', end: '2026-03-30T00:30:00.000Z', missing: 1 }),
    ]);
  });

  it('keeps slot iteration lazy over a year of every minute', () => {
    let n = 0;
    for (const slot of slotsBetween(
      '* * * * *',
      'Europe/Berlin',
      new Date('2026-01-01T00:00:00Z'),
      new Date('2027-01-01T00:00:00Z'),
    )) {
      if (slot.getTime() > Date.parse('2026-01-01T01:00:00Z')) break;
      n++;
    }
    expect(n).toBe(61);
  });
});

describe('degraded: service a fallback kept up', () => {
  const run = (slot: string, fields: string, trigger = 'cron') =>
    `{"ts":"${new Date(Date.parse(slot) + 5_000).toISOString()}","level":"info","event":"run.end","job":"threads","runId":"r${slot}${trigger}","scheduledFor":"${slot}","trigger":"${trigger}"${fields}}`;
  const ok = (provider: string, degraded: boolean) =>
    `,"outcome":"ok","provider":"${provider}","degraded":${degraded},"durationMs":5000`;
  const lines = [
    run('2026-04-19T14:00:00.000Z', ok('deepseek-v3', false)),
    run('2026-04-19T14:15:00.000Z', ok('llama-3.3-70b', true)),
    run('2026-04-19T14:30:00.000Z', ok('llama-3.3-70b', true)),
    run('2026-04-19T14:45:00.000Z', ok('qwen-72b', true)),
    run('2026-04-19T15:00:00.000Z', ',"outcome":"failed","durationMs":9000'),
    run('2026-04-19T15:15:00.000Z', ok('qwen-72b', true)),
    // served by a fallback, then again by the primary (a backfill --force): whole after all
    run('2026-04-19T15:30:00.000Z', ok('qwen-72b', true)),
    run('2026-04-19T15:30:00.000Z', ok('deepseek-v3', false), 'backfill'),
    run('2026-04-19T15:45:00.000Z', ok('llama-3.3-70b', true)),
  ];
  const jobs: JobSchedule[] = [{ name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' }];
  const window = { since: new Date('2026-04-19T14:00:00Z'), until: new Date('2026-04-19T15:59:00Z') };

  it.each([
    ['the fast line reader', (file: string) => analyzeLogs(jobs, window, [file])],
    [
      'parsed records',
      async (file: string) => {
        const records = fs
          .readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as LogRecord);
        return findGaps(jobs, await buildLedger(jobs, window, records));
      },
    ],
  ])('lists each stretch of slots served by a fallback, with its providers (%s)', async (_how, analyze) => {
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = await analyze(file);
    expect(report.degraded).toEqual([
      {
        job: 'threads',
        start: '2026-04-19T14:15:00.000Z',
        end: '2026-04-19T15:00:00.000Z',
        lastSlot: '2026-04-19T14:45:00.000Z',
        durationMs: 45 * 60_000,
        slots: 3,
        providers: ['llama-3.3-70b', 'qwen-72b'],
        open: false,
      },
      {
        job: 'threads',
        start: '2026-04-19T15:15:00.000Z',
        end: '2026-04-19T15:30:00.000Z',
        lastSlot: '2026-04-19T15:15:00.000Z',
        durationMs: 15 * 60_000,
        slots: 1,
        providers: ['qwen-72b'],
        open: false,
      },
      {
        job: 'threads',
        start: '2026-04-19T15:45:00.000Z',
        end: null,
        lastSlot: '2026-04-19T15:45:00.000Z',
        durationMs: 14 * 60_000 /* to the window's end */,
        slots: 1,
        providers: ['llama-3.3-70b'],
        open: true,
      },
    ]);
    expect(report.jobs[0]).toMatchObject({ served: 7, failed: 1, degraded: 5 });
  });

  it('marks the providers the config lacks per stretch; the lists, shared between stretches, cannot be changed', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = await analyzeLogs(jobs, window, [file], { providers: ['deepseek-v3', 'qwen-72b'] });
    expect(report.degraded.map((d) => [d.providers, d.notInConfig])).toEqual([
      [['llama-3.3-70b', 'qwen-72b'], ['llama-3.3-70b']],
      [['qwen-72b'], undefined],
      [['llama-3.3-70b'], ['llama-3.3-70b']],
    ]);
    for (const d of report.degraded) {
      expect(Object.isFrozen(d.providers)).toBe(true);
      expect(() => d.providers.push('x')).toThrow(TypeError);
    }
  });
});

describe('a slot a fallback filled later', () => {
  const end = (slot: string, ts: string, trigger: string, fields: string) =>
    `{"ts":"2026-04-19T${ts}.000Z","level":"info","event":"run.end","job":"threads","runId":"r${slot}${trigger}","scheduledFor":"2026-04-19T${slot}:00.000Z","trigger":"${trigger}"${fields}}`;
  const llama = ',"outcome":"ok","provider":"llama","degraded":true,"durationMs":5000';
  const lines = [
    end('14:00', '14:00:05', 'cron', llama),
    // failed at its time, filled 1h 5m later by a backfill that only the fallback served
    end('14:15', '14:15:05', 'cron', ',"outcome":"failed","durationMs":9000'),
    end('14:15', '15:20:05', 'backfill', llama),
    end('14:30', '14:30:05', 'cron', llama),
    end('14:45', '14:45:05', 'cron', ',"outcome":"ok","provider":"deepseek-v3","degraded":false,"durationMs":5000'),
  ];
  const jobs: JobSchedule[] = [{ name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' }];
  const window = { since: new Date('2026-04-19T14:00:00Z'), until: new Date('2026-04-19T15:30:00Z') };

  it.each([
    ['the fast line reader', (file: string) => analyzeLogs(jobs, window, [file])],
    [
      'parsed records',
      async (file: string) => {
        const records = fs
          .readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as LogRecord);
        return findGaps(jobs, await buildLedger(jobs, window, records));
      },
    ],
  ])('is no slot a fallback kept at its time: late, naming the fallback, in no stretch (%s)', async (_how, analyze) => {
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = await analyze(file);
    expect(report.degraded.map((d) => [d.start, d.slots, d.end])).toEqual([
      ['2026-04-19T14:00:00.000Z', 1, '2026-04-19T14:15:00.000Z'],
      ['2026-04-19T14:30:00.000Z', 1, '2026-04-19T14:45:00.000Z'],
    ]);
    expect(report.late).toEqual([
      { job: 'threads', slot: '2026-04-19T14:15:00.000Z', lateMs: 65 * 60_000, trigger: 'backfill', fallback: 'llama' },
    ]);
    expect(report.jobs[0]).toMatchObject({ served: 4, degraded: 2 });
  });
});

describe('causes of a gap that mixes an outage and a missing key', () => {
  it('keeps the runs that made no attempt: a rotated secret is not hidden behind the 503s', async () => {
    const hourly: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
    const rec = (slot: string, event: string, extra: object): LogRecord => ({
      ts: slot.replace(':00:00.000Z', ':00:03.000Z'),
      level: 'info',
      event,
      job: 'blog',
      runId: `r${slot}`,
      scheduledFor: slot,
      trigger: 'cron',
      ...extra,
    });
    const T = (h: number) => `2026-04-19T${String(h).padStart(2, '0')}:00:00.000Z`;
    const records: LogRecord[] = [
      rec(T(12), 'run.end', { outcome: 'ok', durationMs: 1 }),
      // 13:00 an outage: the primary answers 503, the run fails over and fails
      rec(T(13), 'attempt.end', { provider: 'deepseek-v3', outcome: 'failed', httpStatus: 503, errorType: 'server' }),
      rec(T(13), 'run.end', { outcome: 'failed', errorType: 'all-providers-failed' }),
      // 14:00 and 15:00: the key variable is gone, no request is made
      rec(T(14), 'run.end', { outcome: 'failed', errorType: 'missing-key' }),
      rec(T(15), 'run.end', { outcome: 'failed', errorType: 'missing-key' }),
    ];
    const window = { since: new Date(T(12)), until: new Date(T(15)) };
    const report = findGaps([hourly], await buildLedger([hourly], window, records, { now: new Date(T(16)) }));
    expect(report.gaps).toHaveLength(1);
    expect(report.gaps[0].cause).toBe('run: missing-key ×2; deepseek-v3: 503 ×1');
  });
});

describe('doubles', () => {
  it('a second ok run of a slot is a double, unless it was a deliberate re-run (forced)', async () => {
    const hourly: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
    const slot = '2026-04-19T13:00:00.000Z';
    const end = (runId: string, extra: object = {}): LogRecord => ({
      ts: '2026-04-19T13:00:09.000Z',
      level: 'info',
      event: 'run.end',
      job: 'blog',
      runId,
      scheduledFor: slot,
      trigger: 'cron',
      outcome: 'ok',
      durationMs: 1,
      ...extra,
    });
    const window = { since: new Date(slot), until: new Date('2026-04-19T13:30:00Z') };
    const twice = findGaps([hourly], await buildLedger([hourly], window, [end('a'), end('b')]));
    expect(twice.doubles).toEqual([{ job: 'blog', slot, runs: 2 }]);
    const forced = findGaps([hourly], await buildLedger([hourly], window, [end('a'), end('b', { forced: true })]));
    expect(forced.doubles).toEqual([]);
  });
});

describe('a run.start naming a schedule or zone no slot can be named by', () => {
  it('is read past (a skipped line): the config schedule judges the slots, nothing throws', async () => {
    const hourly: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
    const T = (h: number) => `2026-04-19T${String(h).padStart(2, '0')}:00:00.000Z`;
    const run = (h: number, schedule: string, tz: string) => [
      {
        ts: T(h),
        level: 'info',
        event: 'run.start',
        job: 'blog',
        runId: `r${h}`,
        scheduledFor: T(h),
        trigger: 'cron',
        schedule,
        tz,
      },
      {
        ts: T(h),
        level: 'info',
        event: 'run.end',
        job: 'blog',
        runId: `r${h}`,
        scheduledFor: T(h),
        trigger: 'cron',
        outcome: 'ok',
        durationMs: 1,
      },
    ];
    // a corrupt or forged log: a prototype key, a name croner rejects, a zone Intl rejects
    const records = [
      ...run(12, '0 * * * *', 'UTC'),
      ...run(13, '__proto__', 'UTC'),
      ...run(14, 'not a cron', 'UTC'),
      ...run(15, '0 * * * *', 'Mars/Olympus'),
    ];
    const dir = tmp();
    const file = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const window = { since: new Date(T(12)), until: new Date(T(16)) };
    const now = new Date('2026-04-19T16:30:00Z');
    // the byte reader and the record path alike
    const report = await analyzeLogs([hourly], window, [file], { now });
    expect(report.gaps).toEqual([expect.objectContaining({ start: T(16), slots: 1, missing: 1 })]);
    expect(report.skippedLines).toBe(3);
    const ledger = await buildLedger([hourly], window, records as LogRecord[], { now });
    expect(findGaps([hourly], ledger).gaps).toEqual([expect.objectContaining({ start: T(16), slots: 1 })]);
    expect(ledger.invalidRecords).toBe(3);
  });
});
