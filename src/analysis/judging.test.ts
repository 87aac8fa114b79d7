import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { buildLedger, findGaps, unservedSlots, type JobSchedule } from './gaps.js';
import { mergeIncidents } from './incidents.js';

const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds = 0) => new Date(Date.parse(T(hhmm)) + seconds * 1000).toISOString();

/** A cron run of `job` for slot `hhmm`: run.start (with its schedule) a few seconds late, then run.end. */
function run(job: string, hhmm: string, outcome: 'ok' | 'failed' = 'ok', schedule?: string): LogRecord[] {
  const common = { level: 'info' as const, job, runId: job + hhmm, scheduledFor: T(hhmm), trigger: 'cron' as const };
  return [
    {
      ...common,
      ts: at(hhmm, 2),
      event: 'run.start',
      ...(schedule ? { schedule, tz: 'UTC' } : {}),
      lateMs: 2000,
      pid: 1,
    },
    { ...common, ts: at(hhmm, 9), event: 'run.end', outcome, durationMs: 7000 },
  ];
}

const quarter: JobSchedule = { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' };
const hourly: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
const window = (since: string, until: string) => ({ since: new Date(T(since)), until: new Date(T(until)) });

describe('judging begins when lucy-ops began', () => {
  it('fresh install: after a first run, nothing before it is a gap, for any job', async () => {
    const jobs = [quarter, hourly, { name: 'sitemap', schedule: '5 * * * *', tz: 'UTC' }];
    const ledger = await buildLedger(jobs, window('12:00', '14:20'), run('threads', '14:15'), {
      now: new Date(T('14:20')),
    });
    const report = findGaps(jobs, ledger);
    expect(report.gaps).toEqual([]);
    expect(unservedSlots(jobs, ledger)).toEqual([]);
    expect(report.jobs.map((j) => [j.job, j.judgedFrom, j.judgedBy])).toEqual([
      ['threads', T('14:15'), 'job'],
      ['blog', T('14:15'), 'log'],
      ['sitemap', T('14:15'), 'log'],
    ]);
  });

  it('a new job is judged from its own first record; one never installed from the log’s first record', async () => {
    const jobs = [quarter, hourly];
    const records = [
      ...['12:00', '12:15', '12:30', '12:45', '13:00', '13:15', '13:30', '13:45', '14:00'].flatMap((s) =>
        run('threads', s),
      ),
      ...run('blog', '13:00'),
      ...run('blog', '14:00'),
    ];
    const ledger = await buildLedger(jobs, window('11:00', '14:00'), records);
    expect(findGaps(jobs, ledger).gaps).toEqual([]);
    // a third job in the config that never ran: missing from the log's first record on
    const never: JobSchedule = { name: 'stories', schedule: '*/30 * * * *', tz: 'UTC' };
    const withNever = await buildLedger([...jobs, never], window('11:00', '14:00'), records);
    const report = findGaps([...jobs, never], withNever);
    expect(report.gaps).toEqual([
      expect.objectContaining({ job: 'stories', start: T('12:00'), end: null, open: true, missing: 5 }),
    ]);
    expect(report.jobs.find((j) => j.job === 'stories')).toMatchObject({ judgedFrom: T('12:00'), judgedBy: 'log' });
  });

  it('with no records at all, judges the whole window (an empty log plans every slot)', async () => {
    const ledger = await buildLedger([hourly], window('12:00', '14:00'), []);
    expect(unservedSlots([hourly], ledger).map((s) => s.slot)).toEqual([T('12:00'), T('13:00'), T('14:00')]);
    expect(findGaps([hourly], ledger).jobs[0]).toMatchObject({ judgedFrom: T('12:00'), judgedBy: 'window' });
  });

  it('with no records at all, judges from when the config was written: a fresh install is not an outage', async () => {
    const installed: JobSchedule = { ...hourly, configWrittenMs: Date.parse(at('12:30')) };
    const ledger = await buildLedger([installed], window('10:00', '14:00'), []);
    // 10:00 to 12:00 came before the config existed; 13:00 and 14:00 should have run
    expect(unservedSlots([installed], ledger).map((s) => s.slot)).toEqual([T('13:00'), T('14:00')]);
    expect(findGaps([installed], ledger).jobs[0]).toMatchObject({ judgedFrom: T('12:30'), judgedBy: 'config' });
    // written after the window (and before now): nothing in it is judged
    const justNow: JobSchedule = { ...hourly, configWrittenMs: Date.parse(at('14:10')) };
    const fresh = await buildLedger([justNow], window('10:00', '14:00'), [], { now: new Date(at('14:30')) });
    expect(unservedSlots([justNow], fresh)).toEqual([]);
    expect(findGaps([justNow], fresh).gaps).toEqual([]);
    // any record at all outranks the config's time
    const ran = await buildLedger([justNow], window('10:00', '14:00'), run('blog', '11:00'), {
      now: new Date(at('14:30')),
    });
    expect(findGaps([justNow], ran).jobs[0]).toMatchObject({ judgedFrom: T('11:00'), judgedBy: 'job' });
  });

  it('a job with no record of its own is judged from the first record of any job, whatever the config file’s time', async () => {
    const blog: JobSchedule = { ...hourly, name: 'blog' };
    // its crontab line was never installed; the config was touched (a deploy) at 12:10
    const never: JobSchedule = {
      name: 'digest',
      schedule: '0 * * * *',
      tz: 'UTC',
      configWrittenMs: Date.parse(at('12:10')),
    };
    const records = [
      ...run('blog', '10:00'),
      ...run('blog', '11:00'),
      ...run('blog', '12:00'),
      ...run('blog', '13:00'),
    ];
    const ledger = await buildLedger([blog, never], window('10:00', '13:30'), records, { now: new Date(at('13:30')) });
    expect(unservedSlots([blog, never], ledger).map((s) => s.slot)).toEqual([
      T('10:00'),
      T('11:00'),
      T('12:00'),
      T('13:00'),
    ]);
    expect(findGaps([blog, never], ledger).jobs[1]).toMatchObject({ judgedFrom: T('10:00'), judgedBy: 'log' });
  });

  it('with no records at all, a config dated ahead of the clock counts from now, never from the future', async () => {
    const ahead: JobSchedule = { ...hourly, configWrittenMs: Date.parse('2026-04-20T09:00:00Z') };
    const ledger = await buildLedger([ahead], window('10:00', '13:30'), [], { now: new Date(at('13:30')) });
    expect(findGaps([ahead], ledger).jobs[0]).toMatchObject({ judgedFrom: T('13:30'), judgedBy: 'config' });
  });

  it('records that cannot speak for the cron jobs do not move judging: serve and probe records, absurd times', async () => {
    const installed: JobSchedule = { ...hourly, configWrittenMs: Date.parse(at('12:30')) };
    const serve = run('serve', '10:00').map((r) => ({ ...r, trigger: 'manual' as const }));
    const probe = run('probe', '10:30').map((r) => ({ ...r, trigger: 'manual' as const }));
    // the watchdog's own alert record (trigger cron) is no evidence that a job ran either
    const watchdog = run('watchdog', '11:00');
    const ledger = await buildLedger([installed], window('10:00', '14:00'), [...serve, ...probe, ...watchdog]);
    // no cron job has run: judged from the config's write, not from serve's first request
    expect(findGaps([installed], ledger).jobs[0]).toMatchObject({ judgedFrom: T('12:30'), judgedBy: 'config' });
    // a record from "year 1", or a cron record naming a slot days before its own time, is no evidence
    const ancient = run('other', '13:00').map((r) => ({ ...r, ts: '0001-01-01T00:00:00.000Z' }));
    const stale = run('other', '13:00').map((r) => ({ ...r, scheduledFor: '2026-04-10T13:00:00.000Z' }));
    for (const records of [ancient, stale]) {
      const l = await buildLedger([installed], window('10:00', '14:00'), [...records, ...run('other', '13:00')]);
      expect(findGaps([installed], l).jobs[0]).toMatchObject({ judgedFrom: T('13:00'), judgedBy: 'log' });
    }
  });

  it('a manual run of an old slot does not move the start back, but that slot is judged', async () => {
    const records: LogRecord[] = [
      ...run('blog', '14:00'),
      ...run('blog', '11:00').map((r) => ({ ...r, trigger: 'manual' as const, ts: at('14:30') })),
    ];
    const ledger = await buildLedger([hourly], window('09:00', '14:40'), records);
    const report = findGaps([hourly], ledger);
    expect(report.gaps).toEqual([]);
    // 09:00, 10:00, 12:00, 13:00 are not judged; 11:00 is (lucy-ops ran it), and served
    expect(report.jobs[0]).toMatchObject({ judgedFrom: T('14:00'), slots: 2, served: 2 });
    // had that run failed, it would be a gap of its own
    const failed = records.map((r) =>
      r.event === 'run.end' && r.scheduledFor === T('11:00') ? { ...r, outcome: 'failed' } : r,
    );
    const again = findGaps([hourly], await buildLedger([hourly], window('09:00', '14:40'), failed));
    expect(again.gaps).toEqual([expect.objectContaining({ start: T('11:00'), end: T('14:00'), slots: 1, failed: 1 })]);
  });
});

describe('each slot is judged by the schedule in force then', () => {
  it('*/30 until 14:00, */15 from then: no false slots before the change', async () => {
    const records = [
      ...['12:00', '12:30', '13:00', '13:30'].flatMap((s) => run('threads', s, 'ok', '*/30 * * * *')),
      ...['14:00', '14:15', '14:30', '14:45', '15:00'].flatMap((s) => run('threads', s, 'ok', '*/15 * * * *')),
    ];
    const ledger = await buildLedger([quarter], window('12:00', '15:00'), records);
    const report = findGaps([quarter], ledger);
    expect(report.gaps).toEqual([]);
    expect(report.jobs[0]).toMatchObject({
      slots: 9,
      served: 9,
      schedules: [
        { from: null, schedule: '*/30 * * * *', tz: 'UTC' },
        { from: T('14:00'), schedule: '*/15 * * * *', tz: 'UTC' },
      ],
    });
  });

  it('a miss under the old schedule is still a miss', async () => {
    const records = [
      ...['12:00', '13:00'].flatMap((s) => run('threads', s, 'ok', '*/30 * * * *')),
      ...['14:00', '14:15'].flatMap((s) => run('threads', s, 'ok', '*/15 * * * *')),
    ];
    const ledger = await buildLedger([quarter], window('12:00', '14:15'), records);
    expect(findGaps([quarter], ledger).gaps).toEqual([
      expect.objectContaining({ start: T('12:30'), end: T('13:00'), missing: 1 }),
      expect.objectContaining({ start: T('13:30'), end: T('14:00'), missing: 1 }),
    ]);
  });
});

describe('gaps close and pending is measured from now', () => {
  const minutely: JobSchedule = { name: 'tick', schedule: '* * * * *', tz: 'UTC', graceMs: 120_000 };

  it('a gap ends at the next served slot even when a slot before it is still pending', async () => {
    // failed 10:05–10:07, nothing yet for 10:08 (still within grace), served 10:09; now is 10:09:30
    const records = [
      ...run('tick', '10:04'),
      ...['10:05', '10:06', '10:07'].flatMap((s) => run('tick', s, 'failed')),
      ...run('tick', '10:09'),
    ];
    const ledger = await buildLedger([minutely], window('10:04', '10:09'), records, { now: new Date(at('10:09', 30)) });
    const report = findGaps([minutely], ledger);
    expect(report.gaps).toEqual([
      expect.objectContaining({ start: T('10:05'), end: T('10:09'), open: false, slots: 3, failed: 3 }),
    ]);
    expect(report.jobs[0]).toMatchObject({ pending: 1, served: 2, failed: 3 });
    expect(mergeIncidents(report.gaps, new Date(T('10:09')))[0]).toMatchObject({ end: T('10:09'), open: false });
  });

  it('pending slots are those younger than the grace at now, not at the end of the window', async () => {
    const records = run('blog', '14:00');
    const grace = { ...hourly, graceMs: 3 * 60_000 };
    // the window ended months ago: the 15:00 slot is long past its grace, so it is missing
    const late = await buildLedger([grace], window('14:00', '15:00'), records, { now: new Date('2026-08-01') });
    expect(unservedSlots([grace], late)).toEqual([{ job: 'blog', slot: T('15:00'), status: 'missing' }]);
    // right after 15:00, it may still be running
    const fresh = await buildLedger([grace], window('14:00', '15:00'), records, { now: new Date(at('15:01')) });
    expect(unservedSlots([grace], fresh)).toEqual([]);
    expect(findGaps([grace], fresh).jobs[0].pending).toBe(1);
  });
});

describe('a job out of the config is back once it runs again', () => {
  const seen = (hhmm: string, fields: Record<string, unknown>): LogRecord => ({
    ts: T(hhmm),
    level: 'info',
    event: 'jobs.seen',
    job: 'watchdog',
    runId: `w${hhmm}`,
    scheduledFor: T(hhmm),
    trigger: 'cron',
    jobs: [],
    ...fields,
  });
  const slots = ['00:00', '01:00', '02:00'];
  // seeded at 01:30, seen taken out at 03:30 (last run 02:00), runs again at 09:00 and 10:00
  const records0 = [
    seen('01:30', { jobs: ['blog'], seed: true }),
    seen('03:30', { removed: ['blog'], lastSeen: { blog: at('02:00', 9) } }),
  ];
  const records = [
    ...slots.flatMap((s) => run('blog', s)),
    seen('01:30', { jobs: ['blog'], seed: true }),
    seen('03:30', { removed: ['blog'], lastSeen: { blog: at('02:00', 9) } }),
    ...run('blog', '09:00'),
    ...run('blog', '10:00'),
  ];

  it('slots it misses after its first run back are judged before the watchdog sees it back', async () => {
    const ledger = await buildLedger([hourly], window('00:00', '12:30'), records, { now: new Date(T('12:30')) });
    // 03:00–08:00 were while it was out; 11:00 and 12:00 it missed once back
    expect(unservedSlots([hourly], ledger).map((s) => s.slot)).toEqual([T('11:00'), T('12:00')]);
    const report = findGaps([hourly], ledger);
    expect(report.gaps.map((g) => [g.start, g.slots])).toEqual([[T('11:00'), 2]]);
    expect(report.jobs[0].outOfConfig).toEqual([{ after: at('02:00', 9), until: T('09:00') }]);
    // 03:00–08:00: neither served nor a gap, and counted as not judged
    expect(report.jobs[0]).toMatchObject({ notJudgedOutOfConfig: 6, served: 5, missing: 2, slots: 7 });
  });

  it('put back on another schedule: judged by the config’s schedule from when the watchdog saw it back', async () => {
    // back at 10:30 on :30 past the hour; its last run.start (02:00) names the hourly :00 schedule
    const back = seen('10:30', {
      jobs: ['blog'],
      back: { blog: at('02:00', 9) },
      backSchedule: { blog: { schedule: '30 * * * *', tz: 'UTC' } },
    });
    const records = [...slots.flatMap((s) => run('blog', s, 'ok', '0 * * * *')), records0[0], records0[1], back];
    const ledger = await buildLedger([hourly], window('00:00', '11:45'), records, { now: new Date(T('11:45')) });
    // no 11:00 slot of the old schedule; the new schedule's 10:30 and 11:30 are missing
    expect(unservedSlots([hourly], ledger).map((s) => s.slot)).toEqual([T('10:30'), T('11:30')]);
    // without the schedule it came back with, the old one's 11:00 would page instead
    const blind = await buildLedger(
      [hourly],
      window('00:00', '11:45'),
      [...records.slice(0, -1), { ...back, backSchedule: undefined }],
      {
        now: new Date(T('11:45')),
      },
    );
    expect(unservedSlots([hourly], blind).map((s) => s.slot)).toEqual([T('11:00')]);
  });

  it('and after the watchdog names it back later: the period still ends at its first run', async () => {
    const later = [...records, seen('12:30', { jobs: ['blog'], back: { blog: at('02:00', 9) } })];
    const ledger = await buildLedger([hourly], window('00:00', '13:00'), later, { now: new Date(T('13:30')) });
    expect(unservedSlots([hourly], ledger).map((s) => s.slot)).toEqual([T('11:00'), T('12:00'), T('13:00')]);
    expect(findGaps([hourly], ledger).jobs[0].outOfConfig).toEqual([{ after: at('02:00', 9), until: T('09:00') }]);
  });
});

describe('a run still going', () => {
  const sitemap: JobSchedule = {
    name: 'sitemap',
    schedule: '*/15 * * * *',
    tz: 'UTC',
    graceMs: 180_000,
    deadlineMs: 120_000,
  };
  const head = (event: string, ts: string, slot: string, runId: string) =>
    ({ ts, level: 'info', event, job: 'sitemap', runId, scheduledFor: slot, trigger: 'cron' }) as LogRecord;
  // served at 11:45, then the 12:00 run started 5 minutes late with --timeout 10m and has not ended
  const records: LogRecord[] = [
    head('run.start', at('11:45', 1), T('11:45'), 'a'),
    { ...head('run.end', at('11:45', 2), T('11:45'), 'a'), outcome: 'ok', durationMs: 1000 },
    { ...head('run.start', T('12:05'), T('12:00'), 'b'), lateMs: 300_000, deadlineMs: 600_000 },
  ];
  const judge = async (now: string, rs = records) => {
    const ledger = await buildLedger([sitemap], window('11:30', '12:00'), rs, { now: new Date(now) });
    return { report: findGaps([sitemap], ledger), backfill: unservedSlots([sitemap], ledger) };
  };

  it('is pending (no gap, nothing to backfill) until its run.start + its own bound + 1 minute', async () => {
    const going = await judge(at('12:07'));
    expect(going.report.gaps).toEqual([]);
    expect(going.report.jobs[0]).toMatchObject({ failed: 0, pending: 1 });
    expect(going.backfill).toEqual([]);
    const last = await judge(at('12:16'));
    expect(last.report.jobs[0]).toMatchObject({ failed: 0, pending: 1 });
  });

  it('is failed, killed or crashed, after that', async () => {
    const { report, backfill } = await judge(at('12:16', 1));
    expect(report.jobs[0]).toMatchObject({ failed: 1, pending: 0 });
    expect(report.gaps[0]).toMatchObject({ cause: 'run: no run.end (killed or crashed) ×1' });
    expect(backfill.map((s) => s.slot)).toEqual([T('12:00')]);
  });

  it('without a bound of its own is bounded by the config deadline', async () => {
    const old = records.map((r) => (r.runId === 'b' ? { ...r, deadlineMs: undefined } : r));
    expect((await judge(at('12:08'), old)).report.jobs[0]).toMatchObject({ pending: 1 });
    expect((await judge(at('12:08', 1), old)).report.jobs[0]).toMatchObject({ failed: 1 });
  });
});
