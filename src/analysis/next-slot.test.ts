import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { NextSlotWatch } from './next-slot.js';
import { SlotHistory } from './slot-history.js';

const T = (hhmm: string, s = '00') => `2026-12-07T${hhmm}:${s}.000Z`;
const blog = { name: 'blog', schedule: '0 * * * *', tz: 'UTC', graceMs: 180_000 };

function rec(event: string, slot: string, ts: string, outcome?: string): LogRecord {
  return {
    ts,
    level: 'info',
    event,
    job: 'blog',
    runId: `blog-${slot}`,
    scheduledFor: T(slot),
    trigger: 'cron',
    ...(outcome ? { outcome } : {}),
  } as LogRecord;
}

/** What the watch says of blog's next slot after 05:00, its log read with the window ending at `until`. */
function next(records: LogRecord[], until: string, now: string) {
  const untilMs = Date.parse(until);
  const watch = new NextSlotWatch([blog], untilMs);
  const history = new SlotHistory(['blog'], Date.parse(T('01:00')), untilMs);
  for (const r of records) {
    watch.add(r);
    history.add(r);
  }
  return watch.nextAfter('blog', T('05:00'), history, Date.parse(now));
}

describe('the next slot of a job that owes slots, by the log and the clock', () => {
  it('after the window: served, running, failed, due or not come yet, by what the log holds and now', () => {
    const start = rec('run.start', '06:00', T('06:00', '02'));
    const until = T('05:50');
    expect(next([start, rec('run.end', '06:00', T('06:00', '05'), 'ok')], until, T('07:10'))).toEqual({
      slot: T('06:00'),
      state: 'served',
      at: T('06:00', '05'),
    });
    expect(next([start], until, T('06:01'))).toEqual({ slot: T('06:00'), state: 'running', at: T('06:00', '02') });
    // a run started late is running within its grace from its start, not from its slot
    const late = rec('run.start', '06:00', T('06:05'));
    expect(next([late], until, T('06:07', '30'))).toMatchObject({ state: 'running', at: T('06:05') });
    // a start with no end long past its grace: failed, as gaps counts it
    expect(next([start], until, T('07:00'))).toMatchObject({ state: 'failed', at: T('06:00', '02') });
    expect(next([start, rec('run.end', '06:00', T('06:00', '09'), 'failed')], until, T('07:00'))).toMatchObject({
      state: 'failed',
      at: T('06:00', '09'),
    });
    expect(next([], until, T('06:01'))).toEqual({ slot: T('06:00'), state: 'due' });
    expect(next([], until, T('05:55'))).toEqual({ slot: T('06:00'), state: 'not-come' });
  });

  it('inside the window (a pending slot): from the slot history', () => {
    const until = T('06:01');
    expect(next([rec('run.start', '06:00', T('06:00', '02'))], until, until)).toMatchObject({ state: 'running' });
    expect(next([], until, until)).toMatchObject({ state: 'due' });
  });
});
