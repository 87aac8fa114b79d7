/** Exponential backoff with full jitter (AWS architecture blog's "full jitter"), capped. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `retry` (1 = the first retry). `random` is injectable for tests. */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait before retrying the same provider, or undefined to fail over now instead.
 * A Retry-After is honoured when it fits both the backoff cap and the time left; a longer one
 * means "not this provider for a while", so the next provider in the chain is the better bet.
 */
export function retryWait(opts: {
  retry: number;
  policy: BackoffPolicy;
  remainingMs: number;
  retryAfterMs?: number;
  random?: () => number;
}): number | undefined {
  const { retryAfterMs, policy, remainingMs } = opts;
  let wait: number;
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxDelayMs) return undefined;
    wait = retryAfterMs;
  } else {
    wait = backoffDelay(opts.retry, policy, opts.random);
  }
  // leave the attempt itself some room; never sleep into the deadline
  return wait < remainingMs ? wait : undefined;
}
