import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { buildLedger, findGaps, type JobSchedule } from './gaps.js';
import { jobStatuses } from './status.js';

const JOB: JobSchedule = { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC', graceMs: 11 * 60_000 };
const slot = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const at = (hhmm: string, s: number) => new Date(Date.parse(slot(hhmm)) + s * 1000).toISOString();

/** One run of `hhmm`'s slot: start, then (unless `running`) its end with `outcome`. */
function run(hhmm: string, runId: string, outcome: 'ok' | 'failed' | 'running', startAfter = 2): LogRecord[] {
  const common = { level: 'info', job: 'threads', runId, scheduledFor: slot(hhmm), trigger: 'cron' };
  const start = { ts: at(hhmm, startAfter), event: 'run.start', ...common } as LogRecord;
  if (outcome === 'running') return [start];
  const end = { ts: at(hhmm, startAfter + 3), event: 'run.end', ...common, outcome, provider: 'p1' } as LogRecord;
  return [start, end];
}

const window = (now: string) => ({ since: new Date(slot('14:00')), until: new Date(now) });

describe('status', () => {
  it('lists the slots served more than once as gaps does, with their serves', async () => {
    const records = [
      ...run('14:00', 'a', 'ok'),
      ...run('14:00', 'b', 'ok', 300), // a second run of a served slot: a double
      ...run('14:15', 'c', 'ok'),
      ...run('14:30', 'd', 'ok'),
      ...run('14:30', 'e', 'ok', 60),
      ...run('14:30', 'f', 'ok', 120),
    ];
    const now = '2026-04-19T15:00:00Z';
    const { jobs } = await jobStatuses([JOB], window(now), records);
    expect(jobs[0].doubles).toEqual([
      { slot: slot('14:00'), runs: 2 },
      { slot: slot('14:30'), runs: 3 },
    ]);
    const gaps = findGaps([JOB], await buildLedger([JOB], window(now), records));
    expect(gaps.doubles.map(({ slot, runs }) => ({ slot, runs }))).toEqual(jobs[0].doubles);
  });

  it('shows a slot whose time has come and that no run has settled as due, in no count, until its grace ends', async () => {
    const records = [...run('14:00', 'a', 'failed'), ...run('14:15', 'b', 'ok')];
    // 14:30 has come, no record names it: due, judged at 14:41, and in no count
    const due = (await jobStatuses([JOB], window('2026-04-19T14:31:00Z'), records)).jobs[0];
    expect(due.last).toEqual({
      slot: slot('14:30'),
      outcome: 'due',
      provider: null,
      degraded: false,
      servedOn: null,
      unverified: false,
      judgedAfter: slot('14:41'),
    });
    expect(due).toMatchObject({ failuresInARow: 0, lastServed: { slot: slot('14:15') }, doubles: [] });
    // its run started: running, judged at the same time
    const running = (
      await jobStatuses([JOB], window('2026-04-19T14:31:00Z'), [...records, ...run('14:30', 'c', 'running')])
    ).jobs[0];
    expect(running.last).toMatchObject({ slot: slot('14:30'), outcome: 'running', judgedAfter: slot('14:41') });
    // past its grace with no run: missing, judged, and counted
    const missing = (await jobStatuses([JOB], window('2026-04-19T14:41:00Z'), records)).jobs[0];
    expect(missing.last).toMatchObject({ slot: slot('14:30'), outcome: 'missing', judgedAfter: null });
    expect(missing.failuresInARow).toBe(1);
  });

  it('counts every unserved slot of the window, and gives the earliest, where lastGap has only the latest stretch', async () => {
    // 14:00 failed, 14:15 served, 14:30 failed, 14:45 no record: two stretches
    const records = [...run('14:00', 'a', 'failed'), ...run('14:15', 'b', 'ok'), ...run('14:30', 'c', 'failed')];
    const { jobs } = await jobStatuses([JOB], window('2026-04-19T14:57:00Z'), records);
    expect(jobs[0].lastGap).toEqual({ start: slot('14:30'), lastSlot: slot('14:45'), end: null, slots: 2 });
    expect(jobs[0].unserved).toEqual({ slots: 3, since: slot('14:00') });
    // all served: none
    const served = await jobStatuses([JOB], window('2026-04-19T14:20:00Z'), [...run('14:00', 'a', 'ok')]);
    expect(served.jobs[0].unserved).toBeNull();
  });
});
