/**
 * A store whose get() answers reuse a read for a short while. A long-lived process (`serve`, a chat
 * route using createChain) reads a breaker before and after every call; at thousands of calls a
 * second, a stat of state.json (file store) or a round trip (Redis) each time was the largest part
 * of serve's own overhead. The price is bounded staleness of OTHER processes' changes:
 *
 * - another process's trip, reset or failure reaches this one within `maxAgeMs`;
 * - this process's own updates are seen at once (update() refreshes the key);
 * - update() always goes to the store, under its lock, so a half-open trial is still won by
 *   exactly one caller, whatever the cache says;
 * - list() and locks are not cached (status and health read the store itself).
 *
 * Values are shared between callers: treat them as read-only (the breaker code never mutates).
 */
import type { LockHandle, ServedEntry, StateStore, UpdateOptions } from './types.js';

export interface RecentReadsOptions {
  /** How long a read is reused, in real milliseconds. */
  maxAgeMs: number;
  /** Monotonic milliseconds (tests inject one). Default performance.now. */
  now?: () => number;
}

export class RecentReads implements StateStore {
  private readonly reads = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: StateStore,
    opts: RecentReadsOptions,
  ) {
    this.maxAgeMs = opts.maxAgeMs;
    this.now = opts.now ?? (() => performance.now());
  }

  get kind(): StateStore['kind'] {
    return this.inner.kind;
  }

  get where(): string {
    return this.inner.where;
  }

  get<T>(key: string): Promise<T | undefined> {
    const now = this.now();
    const hit = this.reads.get(key);
    if (hit && now - hit.at < this.maxAgeMs) return hit.value as Promise<T | undefined>;
    const value = this.inner.get<T>(key);
    const entry = { at: now, value };
    this.reads.set(key, entry);
    // a failed read is not remembered: the next caller asks the store again
    value.catch(() => {
      if (this.reads.get(key) === entry) this.reads.delete(key);
    });
    return value;
  }

  async update<T>(
    key: string,
    fn: (current: T | undefined) => T | undefined,
    opts?: UpdateOptions,
  ): Promise<T | undefined> {
    this.reads.delete(key);
    const after = await this.inner.update(key, fn, opts);
    // what the store now holds (the update ran under its lock), as of now
    this.reads.set(key, { at: this.now(), value: Promise.resolve(after) });
    return after;
  }

  list<T>(prefix: string): Promise<Record<string, T>> {
    return this.inner.list<T>(prefix);
  }

  tryLock(name: string): Promise<LockHandle | null> {
    return this.inner.tryLock(name);
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return this.inner.lockHolder?.(name);
  }

  async markServed(entry: ServedEntry): Promise<void> {
    await this.inner.markServed?.(entry);
  }

  async servedEntry(job: string, slot: string): Promise<ServedEntry | undefined> {
    return this.inner.servedEntry?.(job, slot);
  }

  async servedBetween(job: string, since: Date, until: Date): Promise<ServedEntry[]> {
    return (await this.inner.servedBetween?.(job, since, until)) ?? [];
  }

  close(): Promise<void> {
    this.reads.clear();
    return this.inner.close();
  }
}
