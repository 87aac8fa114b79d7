import type { CompletionResult } from '../providers/types.js';
import type { Transition } from './breaker.js';

export interface Attempt {
  provider: string;
  model: string;
  outcome: 'ok' | 'failed' | 'skipped-open';
  httpStatus?: number;
  errorType?: string;
  /** Short, key-free description of the failure. */
  error?: string;
  ms: number;
}

export interface ChainResult extends CompletionResult {
  provider: string;
  /** The configured model of the provider that served. */
  model: string;
  /** Served by a provider other than the first of the chain: disclose it. */
  degraded: boolean;
  attempts: Attempt[];
}

/** What the engine reports while it works; the caller writes it to the job log. */
export type EngineEvent = { type: 'attempt'; attempt: Attempt } | { type: 'breaker'; transition: Transition };

/**
 * Moments of a run that are not log records, for a person watching a terminal: an attempt going
 * out (it may hang for its whole timeout) and a backoff wait before the next try.
 */
export type EngineProgress =
  | { type: 'attempt-start'; provider: string; tryNo: number; maxTries: number; trial: boolean }
  | { type: 'retry-wait'; provider: string; tryNo: number; maxTries: number; waitMs: number };
