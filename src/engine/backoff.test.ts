import { describe, expect, it } from 'vitest';
import { backoffDelay, retryWait } from './backoff.js';

const policy = { baseDelayMs: 500, maxDelayMs: 8000 };

describe('backoffDelay: exponential with full jitter, capped', () => {
  it('retry n waits random·min(max, base·2ⁿ⁻¹), rounded down', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, top))).toEqual([
      499, 999, 1999, 3999, 7999, 7999, 7999,
    ]);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1000);
  });

  it('full jitter reaches down to no wait at all and never up to the ceiling', () => {
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
    const draws = Array.from({ length: 2000 }, () => backoffDelay(2, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1000);
    // spread over the range, not piled at one end
    expect(draws.filter((d) => d < 500).length).toBeGreaterThan(800);
    expect(draws.filter((d) => d >= 500).length).toBeGreaterThan(800);
  });

  it('a retry number below 1 is treated as the first retry; a huge one stays at the cap', () => {
    expect(backoffDelay(0, policy, () => 0.999_999)).toBe(499);
    expect(backoffDelay(2000, policy, () => 0.999_999)).toBe(7999);
  });
});

describe('retryWait', () => {
  const wait = (over: Partial<Parameters<typeof retryWait>[0]>) =>
    retryWait({ retry: 1, policy, remainingMs: 60_000, random: () => 0.5, ...over });

  it('without Retry-After: the backoff delay', () => {
    expect(wait({ retry: 1 })).toBe(250);
    expect(wait({ retry: 3 })).toBe(1000);
  });

  it('a Retry-After up to maxDelayMs is waited exactly, even when longer than the backoff', () => {
    expect(wait({ retryAfterMs: 8000 })).toBe(8000);
    expect(wait({ retryAfterMs: 3 })).toBe(3);
    expect(wait({ retryAfterMs: 0 })).toBe(0);
  });

  it('a Retry-After over maxDelayMs means fail over now (undefined)', () => {
    expect(wait({ retryAfterMs: 8001 })).toBeUndefined();
  });

  it('a wait that would not leave time before the deadline means fail over now', () => {
    expect(wait({ retryAfterMs: 2000, remainingMs: 2000 })).toBeUndefined();
    expect(wait({ retryAfterMs: 2000, remainingMs: 2001 })).toBe(2000);
    expect(wait({ retry: 3, remainingMs: 1000 })).toBeUndefined();
    expect(wait({ retry: 3, remainingMs: 1001 })).toBe(1000);
    // nothing left at all: not even a zero wait
    expect(wait({ retryAfterMs: 0, remainingMs: 0 })).toBeUndefined();
  });
});
