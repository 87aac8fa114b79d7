/**
 * When to alert, as a pure function of what the store remembers about a job and how its latest run
 * ended. No storm: each incident sends at most one `chain-failed`, one `job-failing` and, when the
 * job next succeeds, one `job-recovered`; a run sends at most one job-level alert.
 *
 * The memory lives in the state store under `alert:<job>` and is changed with one atomic update per
 * run; `decided` names the run whose update made the decision, because an optimistic store may
 * call the update function more than once (it must be pure) and another process may update next.
 */
import type { AlertKind } from './types.js';

export interface JobAlertMemory {
  /** Failed runs in a row (reset by a success). */
  consecutiveFailures: number;
  /** What the current incident has already sent (cleared by the next success). */
  sent: { failing?: boolean; chainFailed?: boolean };
  /** ISO time of the first failure of the current incident. */
  failingSince?: string;
  /** The run whose update made the latest decision, and the job-level alert it decided. */
  decided?: {
    runId: string;
    alert: Extract<AlertKind, 'job-failing' | 'job-recovered' | 'chain-failed'> | null;
    failuresBefore: number;
  };
}

export interface RunOutcome {
  runId: string;
  status: 'ok' | 'failed';
  /** No provider could serve (exit 69). */
  unavailable: boolean;
  /** ISO time of the run's end. */
  at: string;
}

export const EMPTY_MEMORY: JobAlertMemory = { consecutiveFailures: 0, sent: {} };

export function nextMemory(current: JobAlertMemory | undefined, run: RunOutcome, threshold: number): JobAlertMemory {
  const prev = current ?? EMPTY_MEMORY;
  if (run.status === 'ok') {
    const wasAlerted = Boolean(prev.sent.failing || prev.sent.chainFailed);
    return {
      consecutiveFailures: 0,
      sent: {},
      decided: {
        runId: run.runId,
        alert: wasAlerted ? 'job-recovered' : null,
        failuresBefore: prev.consecutiveFailures,
      },
    };
  }
  const failures = prev.consecutiveFailures + 1;
  const sent = { ...prev.sent };
  let alert: 'job-failing' | 'chain-failed' | null = null;
  if (failures >= threshold && !sent.failing) {
    alert = 'job-failing';
    sent.failing = true;
    // a job-failing alert that says "no provider could serve" makes a separate chain alert redundant
    if (run.unavailable) sent.chainFailed = true;
  } else if (run.unavailable && !sent.chainFailed && !sent.failing) {
    alert = 'chain-failed';
    sent.chainFailed = true;
  }
  return {
    consecutiveFailures: failures,
    sent,
    failingSince: prev.failingSince ?? run.at,
    decided: { runId: run.runId, alert, failuresBefore: prev.consecutiveFailures },
  };
}

/** The job-level alert this run's own update decided, if any. */
export function decisionFor(memory: JobAlertMemory | undefined, runId: string): JobAlertMemory['decided'] | undefined {
  return memory?.decided?.runId === runId ? memory.decided : undefined;
}

export interface BreakerChange {
  provider: string;
  from: string;
  to: string;
}

/**
 * Breakers this run opened from closed. Re-opens after a failed half-open trial (every cooldown
 * while a provider stays down) are the same incident and stay quiet.
 */
export function newlyOpened(transitions: readonly BreakerChange[] | undefined): string[] {
  const out: string[] = [];
  for (const t of transitions ?? [])
    if (t.to === 'open' && t.from === 'closed' && !out.includes(t.provider)) out.push(t.provider);
  return out;
}
