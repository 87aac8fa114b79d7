/**
 * The slot ledger's shapes: the jobs and window it is read for, and what it keeps per job (ledger.ts
 * fills them; slot-counters.ts packs a slot's counters; slot-serves.ts reads who served a slot).
 */
import type { CauseTally } from './cause.js';
import type { Earliest } from './earliest.js';
import type { IntMap, IntMapSide } from './int-map.js';
import type { CronSemantics } from '../schedule/slots.js';

/** A job as the analysis sees it. */
export interface JobSchedule {
  name: string;
  /** The schedule in the config: judges slots no `run.start` record names a schedule for. */
  schedule: string;
  tz: string;
  /** Whose rules name the slots (default: the cron daemon's). */
  cron?: CronSemantics;
  /** Unserved slots this close to now may still be running: not judged yet. Default 0. */
  graceMs?: number;
  /**
   * The job's deadline in the config: bounds a run still going whose run.start records no
   * `deadlineMs` of its own (judging.ts stillRunning). Default 0.
   */
  deadlineMs?: number;
  /**
   * When the config file was last written. With no records at all in the logs read, judging begins
   * here: nothing can have run before the config existed, and a fresh install is not an outage.
   */
  configWrittenMs?: number;
}

/** From `fromMs` on, the job ran on this schedule (as its `run.start` records say). */
export interface ScheduleMark {
  fromMs: number;
  schedule: string;
  tz: string;
}

export interface Window {
  since: Date;
  until: Date;
}

export interface LateRun {
  lateMs: number;
  trigger: string;
}

export interface JobLedger {
  /** Slot key (whole seconds since the window's start) → packed counters. */
  slots: IntMap;
  /** Failure tallies of slots not (yet) served; dropped once a slot is served. */
  causes: Map<number, CauseTally>;
  /** Served slots whose serving run started at least `lateAfterMs` after the slot. */
  late: Map<number, LateRun>;
  /**
   * Slots served only by a fallback (`degraded: true`): the provider that served. A run served by
   * the chain's first provider removes the slot (the service was whole after all).
   */
  degraded: Map<number, string>;
  /**
   * Slots a record says another host served: a run here skipped it as served there (a skipped
   * run.end with reason `served` naming `servedRunId`), or the shared ledger names a host while
   * this log has no ok run of its own. Such a slot is served, once, by the run the skip names
   * (servesOf). Slot key → the host (`servedBy`; '' when the record names none).
   */
  elsewhere: Map<number, string>;
  /** Slot key → the hash of the run the first skip of `elsewhere` names (serve-ids.ts). */
  elsewhereRuns: Map<number, number>;
  /** Slots whose skip names the run the shared ledger (Redis) says served them: the claim checked. */
  vouched: Set<number>;
  /**
   * Slot key → the XOR of the hashes of the slot's distinct ok runs' ids (serve-ids.ts): kept beside the
   * slot's counters in `slots`' table (a slot with ok runs is always there).
   */
  okRuns: IntMapSide;
  /**
   * Slot key → when its latest run started (epoch ms), while no run.end has come after it: only
   * slots with a run going (or killed), so it stays small. A run still going is judged from it
   * (ledger-books.ts openStartOf, which also reads `openKey`).
   */
  started: Map<number, number>;
  /** Slot key → the `deadlineMs` that latest run.start recorded (none: the config's). */
  startBounds: Map<number, number>;
  /** The job's latest run.start not yet closed nor moved into `started` (key -1: none; bound NaN: none). */
  openKey: number;
  openMs: number;
  openBound: number;
  /** Slot key → the first ok run's id hash, for slots with two distinct ok runs or more. */
  okPairs: Map<number, number>;
  /** Slot key → every distinct ok run's id hash, for slots with three or more (rare). */
  okMore: Map<number, number[]>;
  /** When lucy-ops first wrote about this job, in any log read (see Earliest). */
  first: Earliest;
  /** Schedule changes as `run.start` records show them, in reading order. */
  marks: ScheduleMark[];
  lastMarkKey: string;
}

export interface LedgerOptions {
  /** A serving run that starts this long after its slot is reported as late. Default 60 s. */
  lateAfterMs?: number;
  /** Size the tables for every slot of the window up front (default true; a range's ledger: false). */
  presize?: boolean;
  /** Job name → the usual step between its slots, in seconds (a range's ledger: the whole file's `spacings`). */
  spacings?: ReadonlyMap<string, number>;
  /** The clock: slots younger than a job's grace are measured from here. Default: the window's end. */
  now?: Date;
}
