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

  it('exports every entry with its second value (-1 where none), the largest key and value too', () => {
    const map = new IntMap(0, 300);
    const side = map.side();
    const want = new Map<number, [number, number]>();
    for (let i = 0; i < 5_000; i++) {
      const key = i * 300 + (i % 3 === 0 ? 7 : 0);
      map.set(key, i);
      if (i % 4 === 0) side.set(key, (i * 2654435761) & 0x7fffffff);
      want.set(key, [i, i % 4 === 0 ? (i * 2654435761) & 0x7fffffff : -1]);
    }
    map.set(0x7fffffff, 0x7fffffff); // (scatters the table: far off the step)
    side.set(0x7fffffff, 0x7fffffff);
    want.set(0x7fffffff, [0x7fffffff, 0x7fffffff]);
    const keys = new Int32Array(map.size);
    const values = new Int32Array(map.size);
    const sides = new Int32Array(map.size);
    map.exportTo(keys, values, sides);
    const got = new Map<number, [number, number]>();
    keys.forEach((key, i) => got.set(key, [values[i], sides[i]]));
    expect(got).toEqual(want);
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
  it('places keys at a step in their order, and behaves like a Map whatever keys come', () => {
    // slot-like keys at the step told, keys off it (manual runs), a burst far denser than the step,
    // keys in reverse and far apart: each table must end as the Map does, ordered or not
    const cases: Array<{ name: string; spacing: number; expected: number; keys: number[] }> = [
      { name: 'at the step', spacing: 300, expected: 40_000, keys: range(40_000, (i) => i * 300) },
      {
        name: 'off the step too',
        spacing: 300,
        expected: 0,
        keys: range(30_000, (i) => (i % 11 === 0 ? i * 300 + 17 : i * 300)),
      },
      { name: 'a dense burst', spacing: 900, expected: 1000, keys: range(20_000, (i) => 5_000_000 + i) },
      { name: 'backwards', spacing: 60, expected: 0, keys: range(20_000, (i) => (20_000 - i) * 60) },
      { name: 'far apart', spacing: 60, expected: 0, keys: range(3_000, (i) => (i * 7_919_993) % 0x7fffffff) },
    ];
    for (const { name, spacing, expected, keys } of cases) {
      const map = new IntMap(expected, spacing);
      const side = map.side();
      const values = new Map<number, number>();
      const sides = new Map<number, number>();
      keys.forEach((key, i) => {
        map.set(key, (map.get(key) ?? 0) + i);
        values.set(key, (values.get(key) ?? 0) + i);
        if (i % 4 === 0) {
          side.set(key, i);
          sides.set(key, i);
        }
      });
      expect(new Map(map.entries()), name).toEqual(values);
      expect(new Map(side.entries()), name).toEqual(sides);
      expect(new Map([...values.keys()].map((key) => [key, map.get(key)])), name).toEqual(values);
      expect(map.get(1), name).toBeUndefined();
      expect(map.size, name).toBe(values.size);
    }
  });

  it('stays ordered for keys at its step, and scatters keys that are not', () => {
    const even = new IntMap(0, 300);
    for (let i = 0; i < 100_000; i++) even.set(1_000_000 + i * 300, i);
    expect(even.ordered).toBe(true);
    const dense = new IntMap(0, 3600);
    for (let i = 0; i < 10_000; i++) dense.set(i * 5, i);
    expect(dense.ordered).toBe(false);
    expect(Array.from({ length: 10_000 }, (_, i) => dense.get(i * 5))).toEqual(range(10_000, (i) => i));
    // far sparser than told: scattered rather than a table of millions of places for a few keys
    const sparse = new IntMap(0, 60);
    for (let i = 0; i < 3_000; i++) sparse.set((i * 7_919_993) % 0x7fffffff, i);
    expect(sparse.ordered).toBe(false);
  });
});

function range(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}
