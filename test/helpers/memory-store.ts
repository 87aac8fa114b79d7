/**
 * A StateStore in one process's memory, for unit tests of code above the store (the engine, the
 * breakers): no locks across processes, no timers, so fake timers may drive the code under test.
 * The real stores run the same contract in src/state/store-contract.ts.
 *
 * `beforeUpdate` runs inside each update, where the lock would be held: another process's write
 * landing just before this one's.
 */
import type { StateStore } from '../../src/state/types.js';

export function memoryStore(
  beforeUpdate?: (data: Map<string, unknown>) => void,
): StateStore & { data: Map<string, unknown>; updates: number } {
  const data = new Map<string, unknown>();
  const locks = new Set<string>();
  const store = {
    kind: 'file' as const,
    where: 'memory',
    data,
    /** How many updates were made (a path that should only read makes none). */
    updates: 0,
    async update<T>(key: string, fn: (current: T | undefined) => T | undefined) {
      store.updates++;
      beforeUpdate?.(data);
      const next = fn(data.get(key) as T | undefined);
      if (next === undefined) data.delete(key);
      else data.set(key, next);
      return next;
    },
    async get<T>(key: string) {
      return data.get(key) as T | undefined;
    },
    async list<T>(prefix: string) {
      return Object.fromEntries([...data].filter(([k]) => k.startsWith(prefix))) as Record<string, T>;
    },
    async tryLock(name: string) {
      if (locks.has(name)) return null;
      locks.add(name);
      return { release: async () => void locks.delete(name) };
    },
    async close() {},
  };
  return store;
}
