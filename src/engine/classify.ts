/**
 * What the engine does with each kind of failed attempt. The table below is the single source of
 * truth; docs/failure-classification.md explains each row (a test keeps the two in step).
 */
import { ProviderError, type ErrorType } from '../providers/types.js';

/** retry: try the same provider again (backoff), then fail over; failover: next provider now; stop: end the run. */
export type Disposition = 'retry' | 'failover' | 'stop';

export interface Classification {
  disposition: Disposition;
  /** Counts as a consecutive failure toward opening the provider's breaker. */
  breaker: boolean;
  /** The provider may send Retry-After / retry-after-ms with it (the engine honours it when it fits the deadline). */
  retryAfter: boolean;
}

export const CLASSIFICATION: Readonly<Record<ErrorType, Classification>> = {
  // Transient provider-health failures: retry, then fail over; they count toward the breaker.
  connect: { disposition: 'retry', breaker: true, retryAfter: false },
  reset: { disposition: 'retry', breaker: true, retryAfter: false },
  timeout: { disposition: 'retry', breaker: true, retryAfter: false },
  'idle-timeout': { disposition: 'retry', breaker: true, retryAfter: false },
  'rate-limit': { disposition: 'retry', breaker: true, retryAfter: true },
  server: { disposition: 'retry', breaker: true, retryAfter: true },
  'error-body': { disposition: 'retry', breaker: true, retryAfter: false },
  'invalid-json': { disposition: 'retry', breaker: true, retryAfter: false },
  empty: { disposition: 'retry', breaker: true, retryAfter: false },
  'stream-cut': { disposition: 'retry', breaker: true, retryAfter: false },
  // The same request would fail the same way here: fail over at once.
  auth: { disposition: 'failover', breaker: true, retryAfter: false },
  'not-found': { disposition: 'failover', breaker: true, retryAfter: false },
  'context-length': { disposition: 'failover', breaker: false, retryAfter: false },
  'bad-request': { disposition: 'failover', breaker: false, retryAfter: false },
  'missing-key': { disposition: 'failover', breaker: false, retryAfter: false },
  // A runaway answer (a model looping, a hostile upstream): another provider may answer sanely;
  // one request's answer says little about the provider's health, so no breaker count.
  'too-large': { disposition: 'failover', breaker: false, retryAfter: false },
  // The run itself is over.
  deadline: { disposition: 'stop', breaker: false, retryAfter: false },
  aborted: { disposition: 'stop', breaker: false, retryAfter: false },
};

export function disposition(err: ProviderError): Disposition {
  return (CLASSIFICATION[err.errorType] ?? CLASSIFICATION.server).disposition;
}

export function countsForBreaker(err: ProviderError): boolean {
  return (CLASSIFICATION[err.errorType] ?? CLASSIFICATION.server).breaker;
}
