/** Runs a call that must fail with a ProviderError; returns the error and how long it took. */
import { expect } from 'vitest';
import { ProviderError } from '../../src/providers/types.js';

export async function failureOf(call: () => Promise<unknown>): Promise<{ err: ProviderError; ms: number }> {
  const t0 = performance.now();
  try {
    await call();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return { err: err as ProviderError, ms: performance.now() - t0 };
  }
  throw new Error('expected the call to fail');
}
