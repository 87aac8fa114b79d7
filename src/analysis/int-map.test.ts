import { describe, expect, it } from 'vitest';
import { IntMap } from './int-map.js';

describe('IntMap', () => {
  it('behaves like a Map through growth, for slot-like keys', () => {
    const map = new IntMap();
    const reference = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      const key = (i * 300 + (i % 7) * 60) % 9_000_000;
      const value = (i * 31) & 0x0fffffff;
      map.set(key, value);
      reference.set(key, value);
    }
    expect(map.size).toBe(reference.size);
    for (const [key, value] of reference) expect(map.get(key)).toBe(value);
    expect(map.get(1)).toBeUndefined();
    expect(new Map(map.entries())).toEqual(reference);
  });

  it('rejects keys it cannot hold', () => {
    const map = new IntMap();
    expect(() => map.set(-1, 1)).toThrow(RangeError);
    expect(() => map.set(2 ** 31, 1)).toThrow(RangeError);
    map.set(0, 0);
    map.set(0x7fffffff, 5);
    expect(map.get(0)).toBe(0);
    expect(map.get(0x7fffffff)).toBe(5);
  });
});
