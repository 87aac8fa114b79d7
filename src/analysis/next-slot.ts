/**
 * The next slot of a job that still owes slots, as the log shows it: an incident is over while such
 * a job has had no slot since, and the report says what became of that next slot. Judged from the
 * whole log read (also after the window's end, where the slot ledger does not look) and the clock,
 * never from the window's end: in a past window the slot may have been served long since.
 */
import type { LogRecord } from '../log/types.js';
import { nextSlotAfter } from '../schedule/slots.js';
import type { JobSchedule } from './ledger-types.js';
import type { NextSlot } from './report-incidents.js';
import type { SlotHistory } from './slot-history.js';

/** What the log says of one slot: its first start, and its first ok or failed end. */
interface Seen {
  startedAt?: string;
  okAt?: string;
  failedAt?: string;
}

/**
 * Watches the log, as it is read, for each job's first slot after the window (the next slot of a
 * job that owes slots is that one, or a pending one inside the window, which SlotHistory holds).
 */
export class NextSlotWatch {
  private readonly after = new Map<string, { slotMs: number; seen: Seen }>();

  constructor(
    private readonly jobs: readonly JobSchedule[],
    private readonly untilMs: number,
  ) {
    for (const job of jobs) {
      const next = nextOf(job, untilMs);
      if (next !== undefined) this.after.set(job.name, { slotMs: next, seen: {} });
    }
  }

  add(record: LogRecord): void {
    const event = record.event;
    if (event !== 'run.start' && event !== 'run.end') return;
    const watched = this.after.get(record.job);
    if (!watched || Date.parse(record.scheduledFor) !== watched.slotMs) return;
    note(watched.seen, event, record.outcome, record.ts);
  }

  /**
   * What became of `job`'s first slot after `lastSlot` (ISO), by `nowMs`; undefined when its
   * schedule names none or the log read cannot say (a slot between the window's end and it).
   */
  nextAfter(job: string, lastSlot: string, history: SlotHistory, nowMs: number): NextSlot | undefined {
    const schedule = this.jobs.find((j) => j.name === job);
    if (!schedule) return undefined;
    const slotMs = nextOf(schedule, Date.parse(lastSlot));
    if (slotMs === undefined) return undefined;
    let seen: Seen;
    if (slotMs <= this.untilMs) {
      seen = {};
      for (const run of history.of(job, new Date(slotMs))) {
        seen.startedAt ??= run.at;
        if (run.outcome === 'ok') seen.okAt ??= run.endedAt ?? run.at;
        else if (run.outcome === 'failed') seen.failedAt ??= run.endedAt ?? run.at;
      }
    } else {
      const watched = this.after.get(job);
      if (!watched || watched.slotMs !== slotMs) return undefined;
      seen = watched.seen;
    }
    return judge(slotMs, seen, nowMs, schedule.graceMs ?? 0);
  }
}

function nextOf(job: JobSchedule, afterMs: number): number | undefined {
  return nextSlotAfter(job.schedule, job.tz, new Date(afterMs), job.cron)?.getTime();
}

function note(seen: Seen, event: string, outcome: unknown, ts: string): void {
  if (event === 'run.start') seen.startedAt ??= ts;
  else if (outcome === 'ok') seen.okAt ??= ts;
  else if (outcome === 'failed') seen.failedAt ??= ts;
}

/**
 * Served; else running (started, no end, within its grace of its start: its deadline and a minute,
 * so a run started late is not called failed while it may still be going); else failed
 * (a failed end, or a start with no end past its grace, as gaps counts it); else due (its time has
 * passed, nothing of it in the log) or not come yet.
 */
function judge(slotMs: number, seen: Seen, nowMs: number, graceMs: number): NextSlot {
  const slot = new Date(slotMs).toISOString();
  if (seen.okAt) return { slot, state: 'served', at: seen.okAt };
  if (seen.failedAt) return { slot, state: 'failed', at: seen.failedAt };
  if (seen.startedAt)
    return nowMs <= Math.max(slotMs, Date.parse(seen.startedAt)) + graceMs
      ? { slot, state: 'running', at: seen.startedAt }
      : { slot, state: 'failed', at: seen.startedAt };
  return { slot, state: slotMs <= nowMs ? 'due' : 'not-come' };
}
