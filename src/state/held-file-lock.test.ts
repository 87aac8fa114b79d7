import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExclusive, readOwner, thisHost } from './file-lock-owner.js';
import { HeldFileLock } from './held-file-lock.js';

// a heartbeat every 20 s: the test that needs one fakes the interval, and a file touched by it is
// fresh by a margin no stall of a loaded machine between two lines reaches
const STALE_MS = 60_000;
function hold(onLost?: (path: string) => void) {
  const path = join(mkdtempSync(join(tmpdir(), 'lucy-held-')), 'a.lock');
  const created = createExclusive(path, 'mine');
  if (!created) throw new Error('not created');
  return new HeldFileLock(path, 'mine', { staleMs: STALE_MS, onLost }, created.ino, created.anonymous);
}
const takeOver = (path: string) =>
  writeFileSync(path, JSON.stringify({ pid: process.pid + 1, host: thisHost, token: 'theirs', at: 'x' }));

afterEach(() => {
  vi.useRealTimers();
});

describe('a lock file this process holds', () => {
  it('is removed on release, once (release is idempotent)', async () => {
    const lock = hold();
    expect(lock.stillHeld()).toBe(true);
    await lock.release();
    expect(readOwner(lock.path)).toBeUndefined();
    expect(lock.isReleased).toBe(true);
    expect(lock.stillHeld()).toBe(false);
    createExclusive(lock.path, 'next');
    await lock.release();
    expect(readOwner(lock.path)?.token).toBe('next');
  });

  it('notices a takeover, says so once, and never removes the new holder’s file', async () => {
    const onLost = vi.fn();
    const lock = hold(onLost);
    takeOver(lock.path);
    expect(lock.stillHeld()).toBe(false);
    expect(lock.stillHeld()).toBe(false);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(onLost).toHaveBeenCalledWith(lock.path);
    expect(lock.lost).toBe(true);
    await lock.release();
    expect(readOwner(lock.path)?.token).toBe('theirs');
  });

  it('keeps its file fresh on each heartbeat, and finds a takeover there too', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const onLost = vi.fn();
    const lock = hold(onLost);
    const old = new Date(Date.now() - 10 * STALE_MS);
    utimesSync(lock.path, old, old);
    vi.advanceTimersByTime(STALE_MS / 3);
    expect(Date.now() - statSync(lock.path).mtimeMs).toBeLessThan(STALE_MS);
    takeOver(lock.path);
    vi.advanceTimersByTime(STALE_MS / 3);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(lock.isReleased).toBe(true);
  });

  it('writes a process group into its record, which keeps it its own', async () => {
    const lock = hold();
    lock.holdForGroup(4321);
    expect(readOwner(lock.path)).toMatchObject({ pid: process.pid, token: 'mine', group: 4321 });
    expect(lock.stillHeld()).toBe(true);
    await lock.release();
    expect(readOwner(lock.path)).toBeUndefined();
  });

  it('an anonymous lock (no record: a full disk) is its own while it is the same empty file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lucy-held-')), 'a.lock');
    writeFileSync(path, '');
    const lock = new HeldFileLock(path, 'mine', { staleMs: STALE_MS }, statSync(path).ino, true);
    expect(lock.stillHeld()).toBe(true);
    lock.holdForGroup(4321); // nowhere to write it: nothing changes
    expect(statSync(path).size).toBe(0);
    writeFileSync(path, 'x');
    expect(lock.stillHeld()).toBe(false);
    await lock.release();
    expect(statSync(path).size).toBe(1);
  });
});
