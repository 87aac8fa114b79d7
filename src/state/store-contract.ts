/**
 * The behaviour every StateStore must have, as vitest tests. Each implementation's test file calls
 * runStoreContract(name, makeStore) (the file and Redis stores, and the wrappers around them: the
 * Redis-to-file fallback and recent reads), then adds its own tests (multi-process, crash recovery)
 * that the contract cannot express generically.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore } from './types.js';

export interface StoreFixture {
  /** A store over fresh, empty backing storage. */
  store: StateStore;
  /**
   * Another handle on the same backing storage, as a second process would open it; `readOnly`: as
   * the on-call views open it (reads only; every write refused).
   */
  openAnother(opts?: { readOnly?: boolean }): Promise<StateStore>;
  /** Close what the fixture opened and remove its storage. */
  cleanup(): Promise<void>;
}

/**
 * The usual fixture: `open` gives a handle on the shared backing storage (the first one is `store`);
 * cleanup closes every handle opened, then runs `removeStorage`.
 */
export async function storeFixture(
  open: (opts?: { readOnly?: boolean }) => Promise<StateStore>,
  removeStorage: () => Promise<void> = async () => undefined,
): Promise<StoreFixture> {
  const opened: StateStore[] = [await open()];
  return {
    store: opened[0],
    openAnother: async (opts) => opened[opened.push(await open(opts)) - 1],
    cleanup: async () => {
      await Promise.all(opened.map((store) => store.close()));
      await removeStorage();
    },
  };
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const fresh = async (): Promise<StoreFixture> => {
      const fixture = await makeStore();
      fixtures.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fixture) => fixture.cleanup()));
    });

    it('get of an absent key is undefined; update creates it and returns the new value', async () => {
      const { store } = await fresh();
      expect(await store.get('breaker:a')).toBeUndefined();
      const seen: unknown[] = [];
      const result = await store.update<{ n: number }>('breaker:a', (current) => {
        seen.push(current);
        return { n: 1 };
      });
      expect(seen.at(-1)).toBeUndefined();
      expect(result).toEqual({ n: 1 });
      expect(await store.get('breaker:a')).toEqual({ n: 1 });
    });

    it('update passes the current value and round-trips nested JSON', async () => {
      const { store } = await fresh();
      const value = { state: 'open', list: [1, 'two', null], nested: { at: '2025-04-19T14:14:00.000Z' } };
      await store.update('k', () => value);
      const next = await store.update<typeof value & { extra: boolean }>('k', (current) => ({
        ...current!,
        extra: true,
      }));
      expect(next).toEqual({ ...value, extra: true });
      expect(await store.get('k')).toEqual({ ...value, extra: true });
    });

    it('update returning undefined deletes the key', async () => {
      const { store } = await fresh();
      await store.update('gone', () => 1);
      expect(await store.update('gone', () => undefined)).toBeUndefined();
      expect(await store.get('gone')).toBeUndefined();
      expect(await store.list('')).toEqual({});
    });

    it('list returns exactly the keys with the prefix', async () => {
      const { store } = await fresh();
      await store.update('breaker:a', () => 1);
      await store.update('breaker:b', () => 2);
      await store.update('alert:blog', () => 3);
      await store.update('breaker', () => 4);
      expect(await store.list('breaker:')).toEqual({ 'breaker:a': 1, 'breaker:b': 2 });
      expect(await store.list('nothing:')).toEqual({});
      expect(Object.keys(await store.list(''))).toHaveLength(4);
    });

    it('a second handle sees the first one’s writes', async () => {
      const fixture = await fresh();
      const other = await fixture.openAnother();
      await fixture.store.update('shared', () => 'from first');
      expect(await other.get('shared')).toBe('from first');
      await other.update('shared', (v) => `${v} and second`);
      expect(await fixture.store.get('shared')).toBe('from first and second');
    });

    it('loses no update when many run at once through two handles', async () => {
      const fixture = await fresh();
      const other = await fixture.openAnother();
      const increment = (s: StateStore) => s.update<number>('count', (n) => (n ?? 0) + 1);
      const calls = Array.from({ length: 60 }, (_, i) => increment(i % 2 ? other : fixture.store));
      await Promise.all(calls);
      expect(await fixture.store.get('count')).toBe(60);
    });

    it('a throwing update changes nothing and does not block later updates', async () => {
      const { store } = await fresh();
      await store.update('k', () => 'kept');
      await expect(
        store.update('k', () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.get('k')).toBe('kept');
      expect(await store.update('k', () => 'next')).toBe('next');
    });

    it('tryLock: one holder at a time, across handles; release frees it and is idempotent', async () => {
      const fixture = await fresh();
      const other = await fixture.openAnother();
      const first = await fixture.store.tryLock('generate:blog:2025-04-19T14:00:00.000Z');
      expect(first).not.toBeNull();
      expect(await fixture.store.tryLock('generate:blog:2025-04-19T14:00:00.000Z')).toBeNull();
      expect(await other.tryLock('generate:blog:2025-04-19T14:00:00.000Z')).toBeNull();
      await first!.release();
      await first!.release();
      const second = await other.tryLock('generate:blog:2025-04-19T14:00:00.000Z');
      expect(second).not.toBeNull();
      // The first handle's second release must not free the lock the second one now holds.
      await first!.release();
      expect(await fixture.store.tryLock('generate:blog:2025-04-19T14:00:00.000Z')).toBeNull();
      await second!.release();
    });

    it('tryLock: distinct names are independent, even ones that differ only in odd characters', async () => {
      const { store } = await fresh();
      const names = ['a/b', 'a_b', 'a:b', '../a', '..', '', 'ünïcödé', 'x'.repeat(300), 'x'.repeat(301)];
      const locks = await Promise.all(names.map((n) => store.tryLock(n)));
      expect(locks.every((lock) => lock !== null)).toBe(true);
      await Promise.all(locks.map((lock) => lock!.release()));
    });

    it('tryLock: of many concurrent callers exactly one wins', async () => {
      const fixture = await fresh();
      const other = await fixture.openAnother();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? other : fixture.store).tryLock('race')),
      );
      expect(results.filter((lock) => lock !== null)).toHaveLength(1);
    });

    it('a read-only handle reads what others wrote and refuses every write, changing nothing', async () => {
      const fixture = await fresh();
      await fixture.store.update('breaker:a', () => ({ state: 'open', downSince: '2026-04-19T15:15:00.000Z' }));
      const reader = await fixture.openAnother({ readOnly: true });
      expect(await reader.get('breaker:a')).toEqual({ state: 'open', downSince: '2026-04-19T15:15:00.000Z' });
      expect(await reader.list('breaker:')).toEqual({
        'breaker:a': { state: 'open', downSince: '2026-04-19T15:15:00.000Z' },
      });
      await expect(reader.update('breaker:a', () => undefined)).rejects.toMatchObject({ code: 'read-only-store' });
      await expect(reader.tryLock('generate:blog')).rejects.toMatchObject({ code: 'read-only-store' });
      expect(await fixture.store.get('breaker:a')).toEqual({ state: 'open', downSince: '2026-04-19T15:15:00.000Z' });
      const lock = await fixture.store.tryLock('generate:blog'); // the refused lock was never taken
      expect(lock).not.toBeNull();
      await lock!.release();
      // what the writer changes later, the reader sees
      await fixture.store.update('breaker:a', () => undefined);
      expect(await reader.get('breaker:a')).toBeUndefined();
    });

    it('close releases the locks the handle holds', async () => {
      const fixture = await fresh();
      const other = await fixture.openAnother();
      expect(await other.tryLock('held')).not.toBeNull();
      await other.close();
      expect(await fixture.store.tryLock('held')).not.toBeNull();
    });
  });
}
