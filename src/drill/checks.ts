/** A check is a named expectation with what actually happened, kept whether it passes or not. */
import { isDeepStrictEqual } from 'node:util';
import type { Check } from './types.js';

/** Passes when `actual` deep-equals `expected`. */
export function check(name: string, expected: unknown, actual: unknown): Check {
  return { name, ok: isDeepStrictEqual(expected, actual), expected, actual };
}

/** Passes when `ok`; `expected` says in words what was wanted. */
export function checkThat(name: string, ok: boolean, expected: unknown, actual: unknown): Check {
  return { name, ok, expected, actual };
}

/** A list of {job, slot, ...} in a stable order (slot, then job), so order never fails a check. */
export function bySlot<T extends { job: string; slot: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.slot.localeCompare(b.slot) || a.job.localeCompare(b.job));
}

/** An act that threw: one failed check that names the error. */
export function crashed(err: unknown): Check {
  return {
    name: 'the act ran to the end',
    ok: false,
    expected: 'no error',
    actual: (err as Error)?.message ?? String(err),
  };
}
