/**
 * A StateStore in one process's memory, for unit tests of code above the store (the engine, the
 * breakers): no locks across processes, no timers, so fake timers may drive the code under test.
 * It runs the same contract as the real stores (memory-store.test.ts), so a test that passes on it
 * would pass on them: values are copied in and out as JSON, as a real store's serialisation does
 * (code that mutates what it read must not change the stored value).
 *
 * `beforeUpdate` runs inside each update, where the lock would be held: another process's write
 * landing just before this one's.
 */
import { ReadOnlyStoreError } from '../../src/state/read-only.js';
import type { LockHandle, StateStore } from '../../src/state/types.js';

type MemoryStore = StateStore & {
  /** The backing storage, shared by every handle: tests may seed or inspect it directly. */
  data: Map<string, unknown>;
  /** How many updates this handle made (a path that should only read makes none). */
  updates: number;
  /** Another handle on the same storage, as a second process would open it. */
  openAnother(opts?: { readOnly?: boolean }): MemoryStore;
};

interface Backing {
  data: Map<string, unknown>;
  /** Lock name → the token of its holder. */
  locks: Map<string, symbol>;
}

const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export function memoryStore(beforeUpdate?: (data: Map<string, unknown>) => void): MemoryStore {
  return handle({ data: new Map(), locks: new Map() }, false, beforeUpdate);
}

function handle(backing: Backing, readOnly: boolean, beforeUpdate?: (data: Map<string, unknown>) => void): MemoryStore {
  const { data, locks } = backing;
  const held = new Set<symbol>();
  const refuse = (what: string) => {
    if (readOnly) throw new ReadOnlyStoreError(what, 'memory');
  };
  const release = (name: string, token: symbol) => {
    held.delete(token);
    // a stale handle's release never frees a lock someone else holds now
    if (locks.get(name) === token) locks.delete(name);
  };
  const store: MemoryStore = {
    kind: 'file',
    where: 'memory',
    data,
    updates: 0,
    async update<T>(key: string, fn: (current: T | undefined) => T | undefined) {
      refuse(`update ${key}`);
      store.updates++;
      beforeUpdate?.(data);
      const next = fn(copy(data.get(key) as T | undefined));
      if (next === undefined) data.delete(key);
      else data.set(key, copy(next));
      return copy(next);
    },
    async get<T>(key: string) {
      return copy(data.get(key) as T | undefined);
    },
    async list<T>(prefix: string) {
      return Object.fromEntries(
        [...data].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, copy(v)]),
      ) as Record<string, T>;
    },
    async tryLock(name: string): Promise<LockHandle | null> {
      refuse(`lock ${name}`);
      if (locks.has(name)) return null;
      const token = Symbol(name);
      locks.set(name, token);
      held.add(token);
      return {
        release: async () => release(name, token),
        stillHeld: async () => locks.get(name) === token,
      };
    },
    async close() {
      for (const [name, token] of [...locks]) if (held.has(token)) release(name, token);
    },
    openAnother: (opts) => handle(backing, opts?.readOnly ?? false, beforeUpdate),
  };
  return store;
}
