import { printable } from './printable.js';

/**
 * `value` with every string in it (nested in arrays and plain objects, keys left as they are) made
 * printable with `mark` (see printable.ts); numbers, booleans and nulls stay.
 */
export function printableDeep<T>(value: T, mark: string): T {
  if (typeof value === 'string') return printable(value, mark) as T;
  if (Array.isArray(value)) return value.map((v) => printableDeep(v, mark)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = printableDeep(v, mark);
    return out as T;
  }
  return value;
}
