/**
 * A map from non-negative 31-bit integers to 31-bit integers in two typed arrays (open
 * addressing, linear probing, at most 3/4 full). An entry takes 8–16 bytes here against ~37
 * in a JS Map, and it lives outside the JS heap, so the garbage collector never copies it.
 * A key may carry a second value (`side`: a map of its own to its users), kept in a third array
 * of the same table: no keys of its own, no growing of its own, no second look-up.
 */
const EMPTY = -1;
const MIN_CAPACITY = 1024;

export class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  /** Second values (EMPTY: none), made when the first one is set. */
  private sides: Int32Array | undefined;
  private mask: number;
  private shift: number;
  size = 0;
  // The last key found and where: a get and then a set of one key (the ledger's usual pair) probe
  // once. Still right after other inserts: entries are never removed, so a key absent then is
  // absent now unless it was inserted at that very place; a grow forgets it.
  private lastKey = EMPTY;
  private lastAt = 0;

  /** `expected`: how many entries to make room for up front. */
  constructor(expected = 0) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(MIN_CAPACITY, Math.ceil((expected * 4) / 3) + 1)));
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  get(key: number): number | undefined {
    const at = this.find(key);
    return this.keys[at] === EMPTY ? undefined : this.values[at];
  }

  set(key: number, value: number): void {
    const at = this.place(key); // (first: placing may grow the table, a new values array)
    this.values[at] = value;
  }

  /** The keys' second values, as a map: a key set there only is in this map too, with the value 0. */
  side(): IntMapSide {
    return new IntMapSide(this);
  }

  getSide(key: number): number | undefined {
    const at = this.find(key);
    if (this.keys[at] === EMPTY || this.sides === undefined) return undefined;
    const value = this.sides[at];
    return value === EMPTY ? undefined : value;
  }

  /** `value`: a non-negative 31-bit integer. */
  setSide(key: number, value: number): void {
    if (value < 0 || value > 0x7fffffff || !Number.isInteger(value))
      throw new RangeError(`IntMap side value out of range: ${value}`);
    const at = this.place(key);
    (this.sides ??= new Int32Array(this.keys.length).fill(EMPTY))[at] = value;
  }

  *sideEntries(): Generator<[number, number]> {
    const sides = this.sides;
    if (sides === undefined) return;
    for (let i = 0; i < this.keys.length; i++)
      if (this.keys[i] !== EMPTY && sides[i] !== EMPTY) yield [this.keys[i], sides[i]];
  }

  /** Where `key` is, inserted (with the value 0) when it was not there. */
  private place(key: number): number {
    if (key < 0 || key > 0x7fffffff || !Number.isInteger(key)) throw new RangeError(`IntMap key out of range: ${key}`);
    let at = this.find(key);
    if (this.keys[at] === EMPTY) {
      if ((this.size + 1) * 4 > this.keys.length * 3) {
        this.grow();
        at = this.find(key);
      }
      this.keys[at] = key;
      this.values[at] = 0;
      this.size++;
    }
    return at;
  }

  /** Entries in no particular order. */
  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) yield [this.keys[i], this.values[i]];
  }

  private find(key: number): number {
    if (key === this.lastKey) {
      const there = this.keys[this.lastAt];
      if (there === key || there === EMPTY) return this.lastAt;
    }
    // Fibonacci hashing spreads keys that are multiples of 60 or 300 (slot seconds) evenly.
    let at = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.keys[at] !== EMPTY && this.keys[at] !== key) at = (at + 1) & this.mask;
    this.lastKey = key;
    this.lastAt = at;
    return at;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldSides = this.sides;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.sides = oldSides && new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.lastKey = EMPTY;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === EMPTY) continue;
      const at = this.find(oldKeys[i]);
      this.keys[at] = oldKeys[i];
      this.values[at] = oldValues[i];
      if (oldSides) this.sides![at] = oldSides[i];
    }
  }
}

/** An IntMap's second values, as a map of their own (IntMap.side). */
export class IntMapSide {
  constructor(private readonly map: IntMap) {}
  get(key: number): number | undefined {
    return this.map.getSide(key);
  }
  set(key: number, value: number): void {
    this.map.setSide(key, value);
  }
  entries(): Generator<[number, number]> {
    return this.map.sideEntries();
  }
}
