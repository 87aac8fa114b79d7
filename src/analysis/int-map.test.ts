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

  it('keeps second values beside the first through growth, as a map of their own', () => {
    const map = new IntMap();
    const side = map.side();
    const values = new Map<number, number>();
    const sides = new Map<number, number>();
    for (let i = 0; i < 30_000; i++) {
      const key = (i * 300) % 5_000_000;
      // gets and sets of one key in turns, as the ledger makes them, and keys set on one side only
      if (i % 5 !== 0) {
        map.set(key, (map.get(key) ?? 0) + 1);
        values.set(key, (values.get(key) ?? 0) + 1);
      }
      if (i % 3 === 0) {
        const next = ((side.get(key) ?? 0) ^ (i * 2654435761)) & 0x7fffffff;
        side.set(key, next);
        sides.set(key, next);
        if (!values.has(key)) values.set(key, 0); // a key set on the side only is in the map, at 0
      }
    }
    expect(new Map(map.entries())).toEqual(values);
    expect(new Map(side.entries())).toEqual(sides);
    for (const key of values.keys()) expect(side.get(key)).toBe(sides.get(key));
    expect(side.get(7)).toBeUndefined();
    expect(() => side.set(1, -1)).toThrow(RangeError);
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
