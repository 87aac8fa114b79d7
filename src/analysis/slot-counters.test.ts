import { describe, expect, it } from 'vitest';
import { addCounters, bump, counter, ENDS, FAILS, OKS, STARTS } from './slot-counters.js';

/** Counters with each field bumped `n[field]` times. */
function packed(n: Partial<Record<number, number>>): number {
  let p = 0;
  for (const field of [STARTS, ENDS, OKS, FAILS]) for (let i = 0; i < (n[field] ?? 0); i++) p = bump(p, field);
  return p;
}

describe('a slot’s packed counters', () => {
  it('count each field apart, and stay a small integer', () => {
    const p = packed({ [STARTS]: 3, [ENDS]: 2, [OKS]: 1, [FAILS]: 5 });
    expect([counter(p, STARTS), counter(p, ENDS), counter(p, OKS), counter(p, FAILS)]).toEqual([3, 2, 1, 5]);
    expect(Number.isInteger(p) && p >= 0 && p < 2 ** 30).toBe(true);
  });

  it('saturate at 127 without spilling into the next field', () => {
    const p = packed({ [ENDS]: 200 });
    expect(counter(p, ENDS)).toBe(127);
    expect([counter(p, STARTS), counter(p, OKS), counter(p, FAILS)]).toEqual([0, 0, 0]);
  });

  it('add field by field, saturating as bump does (the merge of two ranges’ ledgers)', () => {
    const a = packed({ [STARTS]: 100, [OKS]: 1 });
    const b = packed({ [STARTS]: 100, [FAILS]: 2 });
    const sum = addCounters(a, b);
    expect([counter(sum, STARTS), counter(sum, ENDS), counter(sum, OKS), counter(sum, FAILS)]).toEqual([127, 0, 1, 2]);
    expect(addCounters(packed({ [ENDS]: 4 }), 0)).toBe(packed({ [ENDS]: 4 }));
  });
});
