/**
 * A map from non-negative 31-bit integers to 31-bit integers in one typed array (open addressing,
 * linear probing). An entry takes 12 bytes here against ~37 in a JS Map, and it lives outside the
 * JS heap, so the garbage collector never copies it. A key may carry a second value (`side`: a map
 * of its own to its users), kept beside the key and its value: one look-up, one cache line.
 *
 * Keys that come at about even steps (a job's slots, in seconds) are placed in their order
 * (`spacing`): the key's place is the key divided by that step (one place per step), so
 * neighbouring slots share cache lines and memory pages, and a table filled in time order is
 * written nearly in sequence (scattered places cost a cache miss, often a TLB miss, per slot: on a
 * 1 GB log about half of the ledger's time). An ordered table never wraps its keys around: it grows
 * before their places would pass its end. Keys that do not come at that step (a burst, a denser
 * schedule) make long probes; past MAX_ORDERED_PROBES the table is rebuilt with scattered places
 * (Fibonacci hashing), as a table without a spacing has from the start.
 */
/**
 * Cells hold a key as key + 1 and a second value as value + 1 (as int32: 2^31 wraps to -2^31, still
 * not 0), so an empty cell is 0: a new table is the zeroed memory the OS hands out, and the pages
 * of a table that no key reaches (a thread's ledger of half of the log) are never touched.
 */
const EMPTY = 0;
const NO_KEY = -1;
const MIN_CAPACITY = 1024;
/** key, value, second value. */
const STRIDE = 3;
/** A probe this long in an ordered table: its keys are not at the step it was told: scatter them. */
const MAX_ORDERED_PROBES = 32;

export class IntMap {
  private cells: Int32Array;
  private capacity: number;
  private mask: number;
  /** Scattered places: the Fibonacci hash's shift. */
  private shift: number;
  /** Ordered places: `key * perKey` (1 / the step); 0: scattered. */
  private perKey: number;
  /** Ordered: the least and greatest place of a key held (a range never wider than the table). */
  private low = Infinity;
  private high = -Infinity;
  size = 0;
  private hasSides = false;
  // The last key found and where: a get and then a set of one key (the ledger's usual pair) probe
  // once. Still right after other inserts: entries are never removed, so a key absent then is
  // absent now unless it was inserted at that very place; a rebuild forgets it.
  private lastKey = NO_KEY;
  private lastAt = 0;
  private lastProbes = 0;

  /**
   * `expected`: how many entries to make room for up front. `spacing`: the usual step between
   * neighbouring keys (0: none; keys are then scattered).
   */
  constructor(expected = 0, spacing = 0) {
    this.perKey = spacing >= 1 ? 1 / spacing : 0;
    // ordered: `expected` keys at `spacing` span `expected` places; scattered: at most 3/4 full
    const places = this.perKey > 0 ? expected + 1 : Math.ceil((expected * 4) / 3) + 1;
    const cap = roomFor(places);
    this.capacity = cap;
    this.cells = newCells(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  get(key: number): number | undefined {
    const i = this.find(key) * STRIDE;
    return this.cells[i] === EMPTY ? undefined : this.cells[i + 1];
  }

  set(key: number, value: number): void {
    const at = this.place(key); // (first: placing may rebuild the table, a new cells array)
    this.cells[at * STRIDE + 1] = value;
  }

  /** The keys' second values, as a map: a key set there only is in this map too, with the value 0. */
  side(): IntMapSide {
    return new IntMapSide(this);
  }

  getSide(key: number): number | undefined {
    const i = this.find(key) * STRIDE;
    if (this.cells[i] === EMPTY) return undefined;
    const value = this.cells[i + 2];
    return value === EMPTY ? undefined : (value - 1) >>> 0;
  }

  /** `value`: a non-negative 31-bit integer. */
  setSide(key: number, value: number): void {
    if (value < 0 || value > 0x7fffffff || !Number.isInteger(value))
      throw new RangeError(`IntMap side value out of range: ${value}`);
    this.hasSides = true;
    const at = this.place(key);
    this.cells[at * STRIDE + 2] = (value + 1) | 0;
  }

  *sideEntries(): Generator<[number, number]> {
    if (!this.hasSides) return;
    const cells = this.cells;
    for (let i = 0; i < cells.length; i += STRIDE)
      if (cells[i] !== EMPTY && cells[i + 2] !== EMPTY) yield [(cells[i] - 1) >>> 0, (cells[i + 2] - 1) >>> 0];
  }

  /**
   * Every entry into `keys`, `values` and `sides` (its second value, -1 where it has none), in no
   * particular order; each array at least `size` long. One pass over the cells: a generator of
   * pairs and a look-up per key cost a worker ~10x more on a 1 GB log's ledger.
   */
  exportTo(keys: Int32Array, values: Int32Array, sides: Int32Array): void {
    const cells = this.cells;
    let n = 0;
    for (let i = 0; i < cells.length; i += STRIDE) {
      const stored = cells[i];
      if (stored === EMPTY) continue;
      keys[n] = stored - 1;
      values[n] = cells[i + 1];
      sides[n++] = cells[i + 2] === EMPTY ? -1 : cells[i + 2] - 1;
    }
  }

  /** Entries in no particular order. */
  *entries(): Generator<[number, number]> {
    const cells = this.cells;
    for (let i = 0; i < cells.length; i += STRIDE) if (cells[i] !== EMPTY) yield [(cells[i] - 1) >>> 0, cells[i + 1]];
  }

  /** Whether keys are placed in their order (false once they did not come at the step told). */
  get ordered(): boolean {
    return this.perKey > 0;
  }

  /** Where `key` is, inserted (with the value 0, no second value) when it was not there. */
  private place(key: number): number {
    if (key < 0 || key > 0x7fffffff || !Number.isInteger(key)) throw new RangeError(`IntMap key out of range: ${key}`);
    let at = this.find(key);
    if (this.cells[at * STRIDE] !== EMPTY) return at;
    if (this.perKey > 0) {
      // at most 15/16 full (keys at the step have a place each), and the places of all keys held,
      // with this one, within one turn of the table (a wrap would stack keys on others)
      const home = this.homeOf(key);
      const needed = Math.max(Math.max(this.high, home) - Math.min(this.low, home) + 1, ((this.size + 1) * 16) / 15);
      if (needed > this.capacity) {
        const cap = roomFor(needed);
        // keys far sparser than the step told would take far more room than scattered ones
        if (cap > 4 * roomFor(((this.size + 1) * 4) / 3)) this.scatter();
        else this.rebuild(cap);
        at = this.find(key);
      }
      if (this.perKey > 0 && this.lastProbes > MAX_ORDERED_PROBES) {
        this.scatter(); // keys far denser than the step told
        at = this.find(key);
      }
    } else if ((this.size + 1) * 4 > this.capacity * 3) {
      this.rebuild(this.capacity * 2);
      at = this.find(key);
    }
    const i = at * STRIDE;
    this.cells[i] = (key + 1) | 0;
    this.cells[i + 1] = 0;
    this.size++;
    if (this.perKey > 0) this.noteHome(key);
    return at;
  }

  /** Its keys did not come at the step it was told: place them scattered from now on. */
  private scatter(): void {
    this.perKey = 0;
    this.rebuild(Math.max(this.capacity, roomFor(((this.size + 1) * 4) / 3)));
  }

  /** An ordered key's place before the table's turn is taken (`& mask`). */
  private homeOf(key: number): number {
    return Math.floor(key * this.perKey);
  }

  private noteHome(key: number): void {
    const home = this.homeOf(key);
    if (home < this.low) this.low = home;
    if (home > this.high) this.high = home;
  }

  private find(key: number): number {
    if (key === this.lastKey) {
      const there = this.cells[this.lastAt * STRIDE];
      if (there === ((key + 1) | 0) || there === EMPTY) return this.lastAt;
    }
    const cells = this.cells;
    // Fibonacci hashing spreads keys that are multiples of 60 or 300 (slot seconds) evenly.
    let at = this.perKey > 0 ? this.homeOf(key) & this.mask : Math.imul(key, 0x9e3779b1) >>> this.shift;
    let probes = 0;
    const stored = (key + 1) | 0;
    for (let there = cells[at * STRIDE]; there !== EMPTY && there !== stored; there = cells[at * STRIDE]) {
      at = (at + 1) & this.mask;
      probes++;
    }
    this.lastKey = key;
    this.lastAt = at;
    this.lastProbes = probes;
    return at;
  }

  /** The same entries in a table of `cap` places (placed as `perKey` now says). */
  private rebuild(cap: number): void {
    const old = this.cells;
    this.capacity = cap;
    this.cells = newCells(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.lastKey = NO_KEY;
    this.low = Infinity;
    this.high = -Infinity;
    const cells = this.cells;
    for (let j = 0; j < old.length; j += STRIDE) {
      const stored = old[j];
      if (stored === EMPTY) continue;
      const key = (stored - 1) >>> 0;
      const i = this.find(key) * STRIDE;
      cells[i] = stored;
      cells[i + 1] = old[j + 1];
      cells[i + 2] = old[j + 2];
      if (this.perKey > 0) this.noteHome(key);
    }
    this.lastKey = NO_KEY;
  }
}

/** The table size (a power of two, at least MIN_CAPACITY) with room for `places`. */
function roomFor(places: number): number {
  return 1 << Math.ceil(Math.log2(Math.max(MIN_CAPACITY, Math.ceil(places))));
}

function newCells(cap: number): Int32Array {
  return new Int32Array(cap * STRIDE); // zeroed: every cell EMPTY
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
