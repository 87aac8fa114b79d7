/**
 * A slot's counters (run.start, any run.end, ok run.end, failed run.end), packed in one small
 * integer (a V8 small integer): 7 bits each, saturating. The ledger keeps one per slot of the window,
 * so a year of logs fits in little memory.
 */
const FIELD_BITS = 7;
const FIELD_MAX = (1 << FIELD_BITS) - 1;
export const STARTS = 0;
export const ENDS = 1;
export const OKS = 2;
export const FAILS = 3;

export function counter(packed: number, field: number): number {
  return (packed >>> (field * FIELD_BITS)) & FIELD_MAX;
}

export function bump(packed: number, field: number): number {
  return counter(packed, field) === FIELD_MAX ? packed : packed + (1 << (field * FIELD_BITS));
}

/** Two packed counter sets added field by field, saturating as bump does. */
export function addCounters(a: number, b: number): number {
  let sum = 0;
  for (const field of [STARTS, ENDS, OKS, FAILS])
    sum += Math.min(FIELD_MAX, counter(a, field) + counter(b, field)) << (field * FIELD_BITS);
  return sum;
}

/** `packed` with `n` fewer in `field` (not below 0): runs counted on both sides of a merge. */
export function drop(packed: number, field: number, n: number): number {
  return packed - (Math.min(counter(packed, field), n) << (field * FIELD_BITS));
}
