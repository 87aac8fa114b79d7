/**
 * A job's book in the slot ledger (JobLedger): made empty around its slot table, and the writes the
 * ledger makes to it besides the slot counters: failure causes, lateness, schedule changes, ok runs.
 */
import type { CauseTally } from './cause.js';
import { Earliest } from './earliest.js';
import type { IntMap } from './int-map.js';
import type { JobLedger } from './ledger-types.js';
import { usableSchedule } from '../schedule/slots.js';
import { counter, OKS } from './slot-counters.js';

/** An empty book around the job's slot table. */
export function newJobLedger(slots: IntMap): JobLedger {
  return {
    slots,
    causes: new Map(),
    late: new Map(),
    degraded: new Map(),
    elsewhere: new Map(),
    elsewhereRuns: new Map(),
    vouched: new Set(),
    okRuns: slots.side(),
    okPairs: new Map(),
    okMore: new Map(),
    started: new Map(),
    startBounds: new Map(),
    openKey: -1,
    openMs: 0,
    openBound: NaN,
    first: new Earliest(),
    marks: [],
    lastMarkKey: '',
  };
}

const interned = new Map<string, string>();
/** One flat copy per distinct value (there are few: cron, backfill, manual). */
export function intern(text: string): string {
  let copy = interned.get(text);
  if (copy === undefined) {
    copy = Buffer.from(text, 'utf8').toString('utf8');
    interned.set(copy, copy);
  }
  return copy;
}

/**
 * An ok run's id hash joins its slot's (serve-ids.ts): false when the slot already has that run
 * (its records read twice: overlapping inputs), which then adds no serve. A slot's first run
 * costs one look-up; only a slot with a run already compares (its one hash, then its pair, and a
 * list only from a third distinct run, which is rare). Runs are told apart by their 31-bit id
 * hashes alone: two distinct runs of one slot collide 1 time in 2^31, so a real double is hidden
 * that rarely (the slot table's side value holds 31 bits; a 53-bit hash would need a wider table).
 */
export function noteOkRun(job: JobLedger, key: number, runHash: number): boolean {
  const xor = job.okRuns.get(key);
  if (xor === undefined) {
    job.okRuns.set(key, runHash);
    return true;
  }
  const pair = job.okPairs.size > 0 ? job.okPairs.get(key) : undefined;
  if (pair === undefined) {
    if (xor === runHash) return false;
    job.okPairs.set(key, xor);
  } else {
    const more = job.okMore.size > 0 ? job.okMore.get(key) : undefined;
    if (more !== undefined) {
      if (more.includes(runHash)) return false;
      more.push(runHash);
    } else {
      if (runHash === pair || runHash === (xor ^ pair)) return false;
      job.okMore.set(key, [pair, xor ^ pair, runHash]);
    }
  }
  job.okRuns.set(key, xor ^ runHash);
  return true;
}

export function addOne(causes: Map<number, CauseTally>, key: number, cause: string): void {
  let tally = causes.get(key);
  if (!tally) causes.set(key, (tally = new Map()));
  tally.set(cause, (tally.get(cause) ?? 0) + 1);
}

/**
 * A `run.start` names the schedule it ran under. A change is in force from the first run under
 * the new schedule: from its slot when cron started it, else from when it was written. False when
 * the schedule or zone named cannot name slots (a corrupt or forged line): no mark is made of it.
 */
export function noteSchedule(job: JobLedger, fromMs: number, schedule: string, tz: string): boolean {
  // (nearly every run.start names the schedule already in force: compared without a new string)
  const last = job.lastMarkKey;
  if (
    last.length === schedule.length + 1 + tz.length &&
    last.startsWith(schedule) &&
    last.charCodeAt(schedule.length) === 0 &&
    last.endsWith(tz)
  )
    return true;
  if (!usableSchedule(schedule, tz)) return false;
  if (!Number.isFinite(fromMs)) return true;
  job.lastMarkKey = `${schedule}\u0000${tz}`;
  job.marks.push({ fromMs, schedule, tz });
  return true;
}

/** A serving run of the slot ended at `endMs` after `durationMs`: late when it started `lateAfterMs` or more after the slot. */
export function noteLateness(
  job: JobLedger,
  key: number,
  slotMs: number,
  endMs: number,
  durationMs: number,
  trigger: string,
  lateAfterMs: number,
): void {
  const lateMs = endMs - durationMs - slotMs;
  const previous = job.late.size > 0 ? job.late.get(key) : undefined;
  // A serving run whose time cannot be read is not called late: it counts as on time, so a slot
  // is late only when every serving run was (which is what lets ledgers of file ranges merge).
  if (Number.isNaN(lateMs) || lateMs < lateAfterMs) {
    // An on-time serving run makes any later duplicate irrelevant.
    if (previous) job.late.delete(key);
    return;
  }
  if (counter(job.slots.get(key) ?? 0, OKS) > 0 && !previous) return; // already served on time
  // a fresh copy: `trigger` may be a slice of a large chunk of the log, which must not stay alive
  if (!previous || lateMs < previous.lateMs) job.late.set(key, { lateMs, trigger: intern(trigger) });
}

/**
 * A run.start of a slot: its time (and bound, if it records one) until a run.end closes it. The
 * latest start of the job waits in three fields (most runs end before the next one starts, so the
 * maps see only runs that overlap or never ended: the byte reader's hot path stays a few stores).
 */
export function noteStart(job: JobLedger, key: number, startMs: number, boundMs: number | undefined): void {
  if (job.openKey >= 0) flushOpen(job);
  job.openKey = key;
  job.openMs = startMs;
  job.openBound = boundMs ?? NaN;
}

/** A run.end of a slot closes its latest run.start. */
export function noteEnd(job: JobLedger, key: number): void {
  if (key === job.openKey) job.openKey = -1;
  else if (job.started.size > 0) {
    job.started.delete(key);
    if (job.startBounds.size > 0) job.startBounds.delete(key);
  }
}

/** Moves the job's latest open run.start into its maps (before a snapshot or a merge). */
export function flushOpen(job: JobLedger): void {
  if (job.openKey < 0) return;
  job.started.set(job.openKey, job.openMs);
  if (!Number.isNaN(job.openBound)) job.startBounds.set(job.openKey, job.openBound);
  else if (job.startBounds.size > 0) job.startBounds.delete(job.openKey);
  job.openKey = -1;
}

/** When the slot's latest run.start with no run.end after it was written, and the bound it records. */
export function openStartOf(job: JobLedger, key: number): { startMs: number; boundMs: number | undefined } | undefined {
  if (key === job.openKey)
    return { startMs: job.openMs, boundMs: Number.isNaN(job.openBound) ? undefined : job.openBound };
  const startMs = job.started.size > 0 ? job.started.get(key) : undefined;
  return startMs === undefined ? undefined : { startMs, boundMs: job.startBounds.get(key) };
}
