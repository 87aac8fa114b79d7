/**
 * The shapes a run passes between run-slot, its work (generate, command, the library's run log)
 * and the after-run hooks (alerts, metrics). They live apart from run-slot so the hooks can name
 * them without importing the code that calls the hooks.
 */
import type { CallVerdict } from '../alerts/requests.js';
import type { RunLogger, Trigger } from '../log/types.js';

export type RunStatus = 'ok' | 'failed' | 'skipped';

export interface RunHandle {
  runId: string;
  job: string;
  slot: string;
  trigger: Trigger;
  /** Append a record stamped with this run's job, runId, scheduledFor and trigger. */
  log: RunLogger;
  /** Keep the slot's lock held while this process group lives, even if this process is killed. */
  holdForGroup?(group: number): void;
  /** Whether this run still holds the slot's lock (false after a freeze past the lease). */
  stillHeld?(): Promise<boolean>;
}

/** What a run's work returns: the outcome the log and the after-run hooks see, and `value` for its caller. */
export interface WorkResult<R = unknown> {
  status: RunStatus;
  /** Fields for the run.end record (provider, degraded, error, exitCode...). */
  fields?: Record<string, unknown>;
  /** Why a run was skipped ('served', 'locked', 'dry-run'). */
  reason?: string;
  /** For the after-run hooks (alerts, metrics): the provider attempts and breaker changes of this run. */
  attempts?: Array<{ provider: string; outcome: string }>;
  transitions?: Array<{ provider: string; from: string; to: string }>;
  /** No provider could serve (exit 69). */
  unavailable?: boolean;
  /** The work's own result for the code that ran it (never logged, never seen by the hooks). */
  value?: R;
}

/** The outcome of one slot's run; `value` is the work's, absent when the work did not run (locked) or threw. */
export interface SlotRunResult<R = unknown> extends WorkResult<R> {
  runId: string;
  durationMs: number;
  /** True when another process holds this job+slot: nothing ran. */
  locked: boolean;
  /** With locked: who holds it, in words, when the store can tell. */
  holder?: string;
  /**
   * The run finished after losing its lock (frozen past the lease): another run may own the slot
   * now, so no alert was sent for it.
   */
  leaseLost?: boolean;
}

/** What an after-run hook is told about one finished run. */
export interface AfterRun {
  run: RunHandle;
  result: WorkResult;
  /** A proxied call (serve, a library chain): what the chain's request window said; absent for a cron run. */
  call?: CallVerdict;
}
