/**
 * A ledger as plain data, and the merge of a ledger of later log text into one of earlier text,
 * so threads can each read a range of a log. The merge gives exactly the ledger one thread would
 * have built reading both in order: counters add up (saturating as one ledger's do), but an ok run
 * read on both sides (inputs that overlap) serves once; a slot served anywhere keeps no failure
 * causes, else the tallies add up (earlier causes first); a slot is late only when every serving
 * run was late, and then by the least lateness (the earlier on a tie); it is degraded only when
 * every serving run was served by a fallback, and then by the last one; a slot served on another
 * host keeps the host the earlier text named.
 */
import type { CauseTally } from './cause.js';
import { flushOpen } from './ledger-books.js';
import type { JobsSeenSnapshot } from './jobs-seen.js';
import type { SlotLedger } from './ledger.js';
import type { JobLedger, LateRun, ScheduleMark } from './ledger-types.js';
import { noteOkRun } from './ledger-books.js';
import { addCounters, counter, drop, ENDS, OKS, STARTS } from './slot-counters.js';

export interface LedgerSnapshot {
  invalidRecords: number;
  /** The first record of any job in this text (ms; Infinity: none). */
  firstMs: number;
  jobsSeen: JobsSeenSnapshot;
  /** Names not among the ledger's jobs → their latest record (SlotLedger.lastOfOthers). */
  lastOfOthers: Array<[string, number]>;
  jobs: JobSnapshot[];
}

interface JobSnapshot {
  name: string;
  keys: Int32Array;
  values: Int32Array;
  causes: Array<[number, Array<[string, number]>]>;
  late: Array<[number, LateRun]>;
  degraded: Array<[number, string]>;
  elsewhere: Array<[number, string]>;
  elsewhereRuns: Array<[number, number]>;
  /** Beside `keys`: the XOR of the slot's ok runs' id hashes, -1 when none (a pair per slot, as JS arrays, took ~100 MB on a 1 GB log). */
  okRuns: Int32Array;
  okPairs: Array<[number, number]>;
  okMore: Array<[number, number[]]>;
  started: Array<[number, number]>;
  startBounds: Array<[number, number]>;
  firstMs: number;
  marks: ScheduleMark[];
  lastMarkKey: string;
}

export function snapshotLedger(ledger: SlotLedger): LedgerSnapshot {
  const jobs: JobSnapshot[] = [];
  for (const [name, job] of ledger.jobs) {
    const keys = new Int32Array(job.slots.size);
    const values = new Int32Array(job.slots.size);
    const okRuns = new Int32Array(job.slots.size);
    flushOpen(job);
    job.slots.exportTo(keys, values, okRuns); // okRuns are the slot table's second values
    jobs.push({
      name,
      keys,
      values,
      causes: [...job.causes].map(([key, tally]) => [key, [...tally]]),
      late: [...job.late],
      degraded: [...job.degraded],
      elsewhere: [...job.elsewhere],
      elsewhereRuns: [...job.elsewhereRuns],
      okRuns,
      okPairs: [...job.okPairs],
      okMore: [...job.okMore],
      started: [...job.started],
      startBounds: [...job.startBounds],
      firstMs: job.first.ms,
      marks: job.marks,
      lastMarkKey: job.lastMarkKey,
    });
  }
  return {
    invalidRecords: ledger.invalidRecords,
    firstMs: ledger.first.ms,
    jobsSeen: ledger.jobsSeen.snapshot(),
    lastOfOthers: [...ledger.lastOfOthers],
    jobs,
  };
}

/** The typed arrays of a snapshot, to hand them to another thread without a copy. */
export function snapshotBuffers(snapshot: LedgerSnapshot): ArrayBuffer[] {
  return snapshot.jobs.flatMap((j) => [
    j.keys.buffer as ArrayBuffer,
    j.values.buffer as ArrayBuffer,
    j.okRuns.buffer as ArrayBuffer,
  ]);
}

/** Adds what `later` (a ledger of the log text after `into`'s) says to `into`. */
export function mergeLedger(into: SlotLedger, later: LedgerSnapshot): void {
  into.invalidRecords += later.invalidRecords;
  into.first.noteMs(later.firstMs);
  into.jobsSeen.merge(later.jobsSeen);
  for (const [name, ms] of later.lastOfOthers)
    if (!(into.lastOfOthers.get(name)! >= ms)) into.lastOfOthers.set(name, ms);
  for (const snap of later.jobs) {
    const job = into.jobs.get(snap.name);
    if (!job) continue;
    // when lucy-ops began, and the schedules the later text names (in reading order, after ours)
    job.first.noteMs(snap.firstMs);
    for (const mark of snap.marks) {
      const key = `${mark.schedule}\u0000${mark.tz}`;
      if (key !== job.lastMarkKey) job.marks.push(mark);
      job.lastMarkKey = key;
    }
    // (maps only when the later text has such slots: most slots have none, and this loop runs once
    // per process, mostly before the JIT has compiled it, so each look-up saved counts)
    const later: LaterSlots = {
      late: snap.late.length > 0 ? new Map(snap.late) : undefined,
      degraded: snap.degraded.length > 0 ? new Map(snap.degraded) : undefined,
      pairs: snap.okPairs.length > 0 ? new Map(snap.okPairs) : undefined,
      more: snap.okMore.length > 0 ? new Map(snap.okMore) : undefined,
    };
    for (let i = 0; i < snap.keys.length; i++) mergeSlot(job, snap.keys[i], snap.values[i], snap.okRuns[i], later);
    mergeStarts(job, snap);
    // served on another host: the first record that says so names the host, as in one reading
    for (const [key, host] of snap.elsewhere) if (!job.elsewhere.has(key)) job.elsewhere.set(key, host);
    for (const [key, run] of snap.elsewhereRuns) if (!job.elsewhereRuns.has(key)) job.elsewhereRuns.set(key, run);
    for (const [key, tally] of snap.causes) {
      if (counter(job.slots.get(key) ?? 0, OKS) > 0) continue;
      let into: CauseTally | undefined = job.causes.get(key);
      if (!into) job.causes.set(key, (into = new Map()));
      for (const [cause, n] of tally) into.set(cause, (into.get(cause) ?? 0) + n);
    }
    // causes kept from before a slot that the later text served
    for (const key of job.causes.keys()) if (counter(job.slots.get(key) ?? 0, OKS) > 0) job.causes.delete(key);
  }
}

/** The later text's slots that are late, degraded or served twice (undefined: it has none). */
interface LaterSlots {
  late: Map<number, LateRun> | undefined;
  degraded: Map<number, string> | undefined;
  pairs: Map<number, number> | undefined;
  more: Map<number, number[]> | undefined;
}

/** One slot of the later text (its counters `theirs`, its ok runs' XOR `theirRuns`, -1: none) into `job`. */
function mergeSlot(job: JobLedger, key: number, theirs: number, theirRuns: number, later: LaterSlots): void {
  const mine = job.slots.get(key) ?? 0;
  job.slots.set(key, mine === 0 ? theirs : addCounters(mine, theirs));
  // lateness: an on-time serving run (served, not late) on either side clears it
  const myLate = job.late.size > 0 ? job.late.get(key) : undefined;
  const theirLate = later.late?.get(key);
  if (myLate !== undefined || theirLate !== undefined) {
    const myOnTime = counter(mine, OKS) > 0 && !myLate;
    const theirOnTime = counter(theirs, OKS) > 0 && !theirLate;
    if (myOnTime || theirOnTime) job.late.delete(key);
    else if (theirLate && (!myLate || theirLate.lateMs < myLate.lateMs)) job.late.set(key, theirLate);
  }
  // degraded: a serve by the first provider on either side clears it; else the later fallback
  const myDegraded = job.degraded.size > 0 && job.degraded.has(key);
  const theirDegraded = later.degraded?.get(key);
  if (myDegraded || theirDegraded !== undefined) {
    const myWhole = counter(mine, OKS) > 0 && !myDegraded;
    const theirWhole = counter(theirs, OKS) > 0 && theirDegraded === undefined;
    if (myWhole || theirWhole) job.degraded.delete(key);
    else if (theirDegraded !== undefined) job.degraded.set(key, theirDegraded);
  }
  // the ok runs' ids: a slot with ok runs on one side only takes theirs; else their runs join mine
  // one by one, and a run on both sides (inputs that overlap) is one serve, not two
  if (theirRuns === -1) return;
  const theirPair = later.pairs?.get(key);
  if (job.okRuns.get(key) === undefined && theirPair === undefined) {
    job.okRuns.set(key, theirRuns);
    return;
  }
  const theirIds = later.more?.get(key) ?? (theirPair === undefined ? [theirRuns] : [theirPair, theirRuns ^ theirPair]);
  let repeats = 0;
  for (const hash of theirIds) if (!noteOkRun(job, key, hash)) repeats++;
  if (repeats > 0) job.slots.set(key, drop(job.slots.get(key) ?? 0, OKS, repeats));
}

/**
 * The later text's open run.starts replace ours (they are later); ours the later text ended are
 * dropped: a slot whose run.ends now match its run.starts has no run going.
 */
function mergeStarts(job: JobLedger, snap: JobSnapshot): void {
  flushOpen(job);
  if (job.started.size === 0 && snap.started.length === 0) return;
  const bounds = new Map(snap.startBounds);
  for (const [key, ms] of snap.started) {
    job.started.set(key, ms);
    const bound = bounds.get(key);
    if (bound !== undefined) job.startBounds.set(key, bound);
    else job.startBounds.delete(key);
  }
  for (const key of job.started.keys()) {
    const packed = job.slots.get(key) ?? 0;
    if (counter(packed, STARTS) <= counter(packed, ENDS)) {
      job.started.delete(key);
      job.startBounds.delete(key);
    }
  }
}
