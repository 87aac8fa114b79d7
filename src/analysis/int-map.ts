/**
 * A map from non-negative 31-bit integers to 31-bit integers in two typed arrays (open
 * addressing, linear probing, at most 3/4 full). An entry takes 8–16 bytes here against ~37
 * in a JS Map, and it lives outside the JS heap, so the garbage collector never copies it.
 */
const EMPTY = -1;
const MIN_CAPACITY = 1024;

export class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  private shift: number;
  size = 0;

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
    if (key < 0 || key > 0x7fffffff || !Number.isInteger(key)) throw new RangeError(`IntMap key out of range: ${key}`);
    let at = this.find(key);
    if (this.keys[at] === EMPTY) {
      if ((this.size + 1) * 4 > this.keys.length * 3) {
        this.grow();
        at = this.find(key);
      }
      this.keys[at] = key;
      this.size++;
    }
    this.values[at] = value;
  }

  /** Entries in no particular order. */
  *entries(): Generator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) yield [this.keys[i], this.values[i]];
  }

  private find(key: number): number {
    // Fibonacci hashing spreads keys that are multiples of 60 or 300 (slot seconds) evenly.
    let at = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.keys[at] !== EMPTY && this.keys[at] !== key) at = (at + 1) & this.mask;
    return at;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === EMPTY) continue;
      const at = this.find(oldKeys[i]);
      this.keys[at] = oldKeys[i];
      this.values[at] = oldValues[i];
    }
  }
}
