import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { findGaps, type JobSchedule } from './gaps.js';
import { SlotLedger } from './ledger.js';
import { mergeLedger, snapshotLedger } from './ledger-merge.js';

const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const job: JobSchedule = {
  name: 'sitemap',
  schedule: '*/15 * * * *',
  tz: 'UTC',
  graceMs: 180_000,
  deadlineMs: 120_000,
};
const window = { since: new Date(T('12:00')), until: new Date(T('12:00')) };
const record = (event: string, ts: string, slot: string, fields: Record<string, unknown> = {}) =>
  ({
    ts,
    level: 'info',
    event,
    job: 'sitemap',
    runId: slot,
    scheduledFor: slot,
    trigger: 'cron',
    ...fields,
  }) as LogRecord;

/** The ledger of `first` with that of `later` merged in, as the parallel scan builds it. */
function merged(first: LogRecord[], later: LogRecord[], now: string): SlotLedger {
  const opts = { now: new Date(now) };
  const a = new SlotLedger([job], window, opts);
  for (const r of first) a.add(r);
  const b = new SlotLedger([job], window, opts);
  for (const r of later) b.add(r);
  mergeLedger(a, snapshotLedger(b));
  return a;
}

describe('open run.starts across a merge', () => {
  it('a run started in one range and still going in the merged ledger is running until its own bound', () => {
    const start = record('run.start', T('12:05'), T('12:00'), { deadlineMs: 600_000 });
    const ledger = merged([record('run.start', T('11:59'), T('11:45'))], [start], T('12:16'));
    expect(findGaps([job], ledger).jobs[0]).toMatchObject({ pending: 1, failed: 0 });
  });

  it('a run whose end is in the later range is closed: its slot is judged by what the end says', () => {
    const start = record('run.start', T('12:05'), T('12:00'), { deadlineMs: 600_000 });
    const end = record('run.end', T('12:06'), T('12:00'), { outcome: 'failed', error: 'x', durationMs: 1 });
    expect(findGaps([job], merged([start], [end], T('12:07'))).jobs[0]).toMatchObject({ pending: 0, failed: 1 });
  });
});
