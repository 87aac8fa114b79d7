/**
 * What `postmortem gaps` lists, as its JSON gives it: gaps, stretches a fallback served, late and
 * doubled slots, slots served on another host, and each job's counts.
 */
import type { CauseCount } from './cause.js';
import type { JudgingBasis } from './judging.js';

/** A run of consecutive slots of one job served only by a fallback: service kept up, but degraded. */
export interface DegradedStretch {
  job: string;
  /** First slot served by a fallback (ISO). */
  start: string;
  /** The next slot of the job after the stretch (ISO); null while it lasts to the end of what is judged. */
  end: string | null;
  /** Last slot served by a fallback (ISO). */
  lastSlot: string;
  /** end − start; while open, until − start. */
  durationMs: number;
  slots: number;
  /** The providers that served, in the order they first did. */
  providers: string[];
  /** Of those, the ones the config does not have (a line from an old config, or hand-written). */
  notInConfig?: string[];
  open: boolean;
}

export interface Gap {
  job: string;
  /** First unserved slot (ISO). */
  start: string;
  /** The next served slot (ISO), even when a slot between is still pending; null while none is. */
  end: string | null;
  /** end − start; for an open gap, until − start. */
  durationMs: number;
  slots: number;
  failed: number;
  missing: number;
  cause?: string;
  open: boolean;
  /** Last unserved slot (ISO). */
  lastSlot: string;
  causes: CauseCount[];
}

export interface LateSlot {
  job: string;
  slot: string;
  lateMs: number;
  trigger: string;
  /**
   * A fallback that filled the slot later (trigger not `cron`, served by a fallback only): that
   * provider. Such a slot was not served at its time, so it is in no degraded stretch.
   */
  fallback?: string;
}

export interface JobSummary {
  job: string;
  slots: number;
  served: number;
  failed: number;
  missing: number;
  pending: number;
  /** Slots served by more than one successful run. */
  doubled: number;
  /**
   * Served slots that only a fallback served, by their own cron run (counted in `served` too); a
   * fallback's later fill (backfill, hand run) is not: it is in `late` with its `fallback`.
   */
  degraded: number;
  /**
   * Served slots whose serving run is in none of the logs read: a skip here names another host's
   * run that no log read shows, or the shared ledger says another host served it (counted in
   * `served` too).
   */
  servedElsewhere: number;
  /**
   * Of those, the slots only a skip here vouches for: the run it names is in no log read and the
   * shared ledger does not name it (a stale or forged line reads the same). Served, not paged.
   */
  unverified: number;
  /** When judging began for this job (ISO): slots before it are not judged (may be before `since`). */
  judgedFrom: string;
  /** Why then: `job` its first record, `log` the first record of any job (it has none), `window` no records at all. */
  judgedBy: JudgingBasis;
  /** Periods out of the config in the window: slots between that no record names are not judged (null: open). */
  outOfConfig: Array<{ after: string; until: string | null }>;
  /** Slots in those periods that no record names: not judged (neither served nor a gap). */
  notJudgedOutOfConfig: number;
  /** The schedules it ran on, as its run.start records say (`from` null: since before any record). */
  schedules: Array<{ from: string | null; schedule: string; tz: string }>;
}

/** A slot served by more than one successful run (two hosts, or a re-run that did not see the first). */
export interface DoubledSlot {
  job: string;
  slot: string;
  /** Successful runs of it (saturates at 127). */
  runs: number;
}

/** A slot served on another host by a run that is in none of the logs read. */
export interface ElsewhereSlot {
  job: string;
  slot: string;
  /** The host the records name ('' when they name none). */
  host: string;
  /** Only a skip here says so: the shared ledger does not name the run either (see JobSummary.unverified). */
  unverified: boolean;
}

/** What the walks of all jobs found, appended to job by job. */
export interface GapFindings {
  gaps: Gap[];
  late: LateSlot[];
  degraded: DegradedStretch[];
  doubles: DoubledSlot[];
  elsewhere: ElsewhereSlot[];
}
