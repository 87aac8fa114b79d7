/**
 * Which slots of a job are judged at all: those after lucy-ops began serving it, each by the
 * schedule the job ran on at that time.
 *  - Judging begins at the job's first record in the logs read; a job with no record at all
 *    begins at the first record of any job (so a job whose crontab line was never installed is
 *    still found; a touch of the config cannot hide it); with no records at all, when the config
 *    file was last written (a fresh install has nothing to answer for yet; never later than now),
 *    else at the window's start. A job the watchdog saw added to the config (a `jobs.seen` record
 *    that is not the seed: jobs-seen.ts) begins no earlier than then. A slot before that which
 *    records name (a manual or backfill run of it) is judged too.
 *  - A job the watchdog saw taken out of the config and later put back is not judged while it was
 *    out (from the last time the records show it in the config until a record names it again, or
 *    until its own first run after that, whichever is earlier: a run proves it back): only slots
 *    records name are judged then, as before judging began.
 *  - A slot is judged by the schedule its job ran on then (each `run.start` names it); slots
 *    before the first record that names one, or of a job none names, by the config's.
 */
import { SlotBatch } from '../schedule/slot-batch.js';
import { slotBatchesBetween, usableSchedule } from '../schedule/slots.js';
import { causeKey, CRASHED_REASON, RUN_SOURCE, type CauseTally } from './cause.js';
import type { OutOfConfig } from './jobs-seen.js';
import type { SlotLedger } from './ledger.js';
import { GRACE_SLACK_MS } from './jobs.js';
import { openStartOf } from './ledger-books.js';
import type { JobLedger, JobSchedule, ScheduleMark } from './ledger-types.js';
import { counter, ENDS, FAILS, STARTS } from './slot-counters.js';

/**
 * `job`: its own first record; `log`: the first record of any job; `config`: no records at all, so
 * from the config file's last write (never later than now); `window`: no records and no config file
 * time; `added`: no record of its own, and the watchdog first saw it in the config after those.
 */
export type JudgingBasis = 'job' | 'log' | 'config' | 'window' | 'added';

export interface JudgingStart {
  /** When judging began (may be before the window: then the whole window is judged). */
  fromMs: number;
  basis: JudgingBasis;
}

/** When judging of one job begins: the one rule gaps, the watchdog, backfill, status and the report use. */
export function judgingStart(job: JobSchedule, ledger: SlotLedger): JudgingStart {
  const own = ledger.jobs.get(job.name)?.first.ms ?? Infinity;
  if (Number.isFinite(own)) return { fromMs: own, basis: 'job' };
  const before = startWithoutOwnRecords(job, ledger);
  // a job added to the config later than that: nothing of it was owed before the watchdog saw it
  // (a record dated ahead of the clock counts from now)
  const added = ledger.jobsSeen.addedAt(job.name);
  if (added !== undefined && Math.min(added, ledger.nowMs) > before.fromMs)
    return { fromMs: Math.min(added, ledger.nowMs), basis: 'added' };
  return before;
}

/**
 * Which slots of one job are owed: the one rule `judgeSlots`, the gap walk and so backfill, status
 * and the report use. A slot some record names is judged whatever this says (lucy-ops wrote about
 * it); one no record names is owed only from judging's start on and outside the periods the job
 * was out of the config.
 */
export class JudgingRule {
  readonly start: JudgingStart;
  /** The periods the job was out of the config, in time order. */
  readonly out: readonly OutOfConfig[];
  private next = 0;
  private lastMs = -Infinity;

  constructor(job: JobSchedule, ledger: SlotLedger) {
    this.start = judgingStart(job, ledger);
    // the slots the job's records name, only for a job the watchdog saw out of the config: on a
    // long window, listing and sorting them took half of the judging (docs/performance.md)
    let recorded: number[] | undefined;
    const own = () => (recorded ??= recordedSlots(ledger.jobs.get(job.name), ledger));
    const periods = periodsOutOf(job.name, ledger, own);
    this.out = periods.length === 0 ? [] : endedByOwnRecords(periods, own());
  }

  /** The periods out of the config that reach into the window, as ISO times (`until` null: open). */
  outOfConfigIn(ledger: SlotLedger): Array<{ after: string; until: string | null }> {
    return this.out
      .filter((p) => p.untilMs > ledger.sinceMs && p.afterMs < ledger.untilMs)
      .map((p) => ({
        after: new Date(p.afterMs).toISOString(),
        until: Number.isFinite(p.untilMs) ? new Date(p.untilMs).toISOString() : null,
      }));
  }

  /** Whether a slot no record names is owed. Cheapest when asked in time order, as slots are walked. */
  owes(ms: number): boolean {
    if (ms < this.start.fromMs) return false;
    const out = this.out;
    if (out.length === 0) return true;
    if (ms < this.lastMs) this.next = 0;
    this.lastMs = ms;
    while (this.next < out.length && out[this.next].untilMs <= ms) this.next++;
    return !(this.next < out.length && ms > out[this.next].afterMs);
  }
}

/**
 * The periods `name` was out of the config by the jobs.seen records (JobsSeen.periodsOut), a removal
 * that names no `lastSeen` for it counting from its last own record before the removal instead
 * (`recorded`: the slots its run records name, in order (recordedSlots), or what lists them when
 * first needed).
 */
export function periodsOutOf(
  name: string,
  ledger: SlotLedger,
  recorded: readonly number[] | (() => readonly number[]),
): OutOfConfig[] {
  return ledger.jobsSeen.periodsOut(name, {
    ownBefore: (ms) => {
      let last: number | undefined;
      for (const slot of typeof recorded === 'function' ? recorded() : recorded) {
        if (slot > ms) break;
        last = slot;
      }
      return last;
    },
  });
}

/** The slots in the window that the job's own run records (run.start, run.end) name, in time order. */
export function recordedSlots(book: JobLedger | undefined, ledger: SlotLedger): number[] {
  const recorded: number[] = [];
  if (book === undefined) return recorded;
  for (const [key, packed] of book.slots.entries())
    if (counter(packed, STARTS) + counter(packed, ENDS) > 0) recorded.push(ledger.sinceMs + key * 1000);
  return recorded.sort((a, b) => a - b);
}

/**
 * The periods out, each ended no later than the job's first own record after its start: a run
 * writes only for a job in the config, so once it ran again it was back, whether or not the
 * watchdog has looked since (else the slots it missed after coming back would never be judged).
 * Own records are the run.start and run.end records of a slot in the window (`recorded`, in order:
 * recordedSlots; a run's slot is when cron started it; a manual or backfill run names a slot no
 * later than when it ran).
 */
export function endedByOwnRecords(periods: readonly OutOfConfig[], recorded: readonly number[]): OutOfConfig[] {
  if (periods.length === 0 || recorded.length === 0) return [...periods];
  let i = 0;
  return periods.map((p) => {
    while (i < recorded.length && recorded[i] <= p.afterMs) i++;
    return i < recorded.length && recorded[i] < p.untilMs ? { afterMs: p.afterMs, untilMs: recorded[i] } : p;
  });
}

function startWithoutOwnRecords(job: JobSchedule, ledger: SlotLedger): JudgingStart {
  // a config dated ahead of the clock (copied from a host with a wrong clock) speaks from now
  const written = job.configWrittenMs === undefined ? undefined : Math.min(job.configWrittenMs, ledger.nowMs);
  // The config file's time is no evidence of when a job was added (any edit, deploy or checkout
  // moves it): trusting it would let a touch hide a job whose crontab line never ran. So once
  // anything has run, a job with no record of its own is judged from the first record of any job.
  if (Number.isFinite(ledger.first.ms)) return { fromMs: ledger.first.ms, basis: 'log' };
  if (written !== undefined) return { fromMs: written, basis: 'config' };
  return { fromMs: ledger.sinceMs, basis: 'window' };
}

/** The schedules the job ran on, in time order, the first one reaching back without limit. */
export function scheduleTimeline(job: JobSchedule, ledger: SlotLedger): ScheduleMark[] {
  // a job put back in the config runs on the config's schedule of then (the watchdog's backSchedule)
  // from when it was seen back, though its last run.start names the schedule it had before
  // a record naming it back without its schedule (an older writer's): the config's, from then
  const back = ledger.jobsSeen.schedulesBack(job.name, { schedule: job.schedule, tz: job.tz });
  const marks = [...(ledger.jobs.get(job.name)?.marks ?? []), ...back].sort((a, b) => a.fromMs - b.fromMs);
  const out: ScheduleMark[] = [];
  for (const mark of marks) {
    // a watchdog record naming the schedule back is read from the log too: untrusted text
    if (!usableSchedule(mark.schedule, mark.tz)) continue;
    const last = out[out.length - 1];
    if (!last || last.schedule !== mark.schedule || last.tz !== mark.tz) out.push({ ...mark });
  }
  if (out.length === 0) out.push({ fromMs: -Infinity, schedule: job.schedule, tz: job.tz });
  out[0].fromMs = -Infinity;
  return out;
}

/**
 * Every slot of the job in the window, in order, by the schedule of its time, as epoch ms in
 * batches (each refilled once the next is asked for). Those before judging began (see
 * judgingStart) are judged only when records name them: lucy-ops ran them.
 */
export function* scheduledSlotBatches(job: JobSchedule, ledger: SlotLedger): Generator<SlotBatch> {
  const from = ledger.sinceMs;
  const timeline = scheduleTimeline(job, ledger);
  const batch = new SlotBatch();
  for (let i = 0; i < timeline.length; i++) {
    const start = Math.max(from, timeline[i].fromMs);
    const end = Math.min(ledger.untilMs, (timeline[i + 1]?.fromMs ?? Infinity) - 1);
    if (start > end) continue;
    // the last batch of a stretch may be part full: the next stretch starts a fresh one
    for (const slots of slotBatchesBetween(timeline[i].schedule, timeline[i].tz, start, end, job.cron, batch)) {
      yield slots;
      slots.clear();
    }
  }
}

/**
 * A slot no run served, from its packed counters: pending while too recent to judge (its run may
 * still be going, or not have started yet), else failed (a run failed, or started and never
 * ended) or missing.
 */
export function unservedStatus(packed: number, slotMs: number, pendingFrom: number): 'pending' | 'failed' | 'missing' {
  const running = counter(packed, STARTS) > counter(packed, ENDS);
  if (slotMs > pendingFrom && (running || counter(packed, FAILS) === 0)) return 'pending';
  return counter(packed, FAILS) > 0 || running ? 'failed' : 'missing';
}

/**
 * Whether a slot judged failed has a run still within its bound: its latest run.start has no
 * run.end and now is no later than that start + the run's bound (the `deadlineMs` its run.start
 * records, else the config's deadline) + the start-up slack of the grace (GRACE_SLACK_MS). Such a
 * slot is pending (running), as one within its grace is: no gap, no page, not planned by backfill.
 */
export function stillRunning(
  job: JobSchedule,
  book: JobLedger | undefined,
  key: number,
  packed: number,
  nowMs: number,
): boolean {
  return nowMs <= runningUntil(job, book, key, packed);
}

/** When a slot's run going now is judged killed or crashed (-Infinity: no run going). */
export function runningUntil(job: JobSchedule, book: JobLedger | undefined, key: number, packed: number): number {
  if (book === undefined || counter(packed, STARTS) <= counter(packed, ENDS)) return -Infinity;
  const open = openStartOf(book, key);
  if (open === undefined) return -Infinity;
  // a job with no deadline given (a caller that set only graceMs) and a run.start with none: the grace alone rules
  const bound = open.boundMs ?? job.deadlineMs;
  return bound === undefined ? -Infinity : open.startMs + bound + GRACE_SLACK_MS;
}

/** A failed slot's causes: the failures recorded, and each run that started and never ended. */
export function failedCauses(book: JobLedger | undefined, key: number, packed: number): CauseTally | undefined {
  const causes = book?.causes.get(key);
  const unended = counter(packed, STARTS) - counter(packed, ENDS);
  if (unended <= 0) return causes;
  const withCrash = new Map(causes ?? []);
  withCrash.set(causeKey(RUN_SOURCE, CRASHED_REASON), unended);
  return withCrash;
}
