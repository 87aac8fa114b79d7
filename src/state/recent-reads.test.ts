import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileStore, type FileStore } from './file-store.js';
import { RecentReads } from './recent-reads.js';
import { runStoreContract, storeFixture } from './store-contract.js';
import type { StateStore } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** Two stores on one state dir (as two processes), the first behind RecentReads with a hand-moved clock. */
async function twoStores() {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-recent-'));
  const mine: FileStore = await openFileStore(dir);
  const other: FileStore = await openFileStore(dir);
  let now = 1000;
  let reads = 0;
  const counted = Object.assign(Object.create(mine) as FileStore, {
    get: <T>(key: string) => {
      reads++;
      return mine.get<T>(key);
    },
  });
  const cached = new RecentReads(counted, { maxAgeMs: 50, now: () => now });
  cleanups.push(async () => {
    await Promise.all([mine.close(), other.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  return { cached, other, reads: () => reads, advance: (ms: number) => (now += ms) };
}

// With every read already as old as maxAgeMs the wrapper caches nothing across calls, so it must
// keep the whole contract; what it adds (reads reused for maxAgeMs) is tested below.
runStoreContract('recent reads, every read expired', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-recent-contract-'));
  let now = 0;
  const open = async (opts: { readOnly?: boolean } = {}) =>
    new RecentReads(await openFileStore(dir, opts), { maxAgeMs: 50, now: () => (now += 50) });
  return storeFixture(open, () => rm(dir, { recursive: true, force: true }));
});

describe('RecentReads', () => {
  it('reuses a read for maxAgeMs, then sees what another process wrote', async () => {
    const { cached, other, reads, advance } = await twoStores();
    expect(await cached.get('breaker:a')).toBeUndefined();
    await other.update('breaker:a', () => ({ state: 'open' }));
    advance(49);
    expect(await cached.get('breaker:a')).toBeUndefined(); // still the read of 49 ms ago
    expect(reads()).toBe(1);
    advance(1);
    expect(await cached.get('breaker:a')).toEqual({ state: 'open' });
    expect(reads()).toBe(2);
  });

  it('sees its own updates at once, and update() reads the store itself, not the cache', async () => {
    const { cached, other, reads } = await twoStores();
    expect(await cached.get('breaker:a')).toBeUndefined();
    await other.update('breaker:a', () => ({ failures: 1 }));
    // the cache still says "absent"; the update must build on the stored value all the same
    const after = await cached.update<{ failures: number }>('breaker:a', (cur) => ({
      failures: (cur?.failures ?? 0) + 1,
    }));
    expect(after).toEqual({ failures: 2 });
    expect(await cached.get('breaker:a')).toEqual({ failures: 2 });
    expect(reads()).toBe(1);
    expect(await other.get('breaker:a')).toEqual({ failures: 2 });
  });

  it('shares one read among concurrent callers and keeps keys apart', async () => {
    const { cached, other, reads } = await twoStores();
    await other.update('breaker:a', () => 'A');
    await other.update('breaker:b', () => 'B');
    const answers = await Promise.all([cached.get('breaker:a'), cached.get('breaker:a'), cached.get('breaker:b')]);
    expect(answers).toEqual(['A', 'A', 'B']);
    expect(reads()).toBe(2);
  });

  it('does not remember a failed read', async () => {
    let calls = 0;
    const failingOnce: StateStore = {
      kind: 'file' as const,
      where: 'x',
      get: async <T>() => {
        calls++;
        if (calls === 1) throw new Error('EIO');
        return 'ok' as T;
      },
      update: async () => undefined,
      list: async () => ({}),
      tryLock: async () => null,
      close: async () => {},
    };
    const cached = new RecentReads(failingOnce, { maxAgeMs: 50, now: () => 0 });
    await expect(cached.get('k')).rejects.toThrow('EIO');
    expect(await cached.get('k')).toBe('ok');
    expect(calls).toBe(2);
  });
});
