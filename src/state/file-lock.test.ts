import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireFileLock, tryAcquireFileLock } from './file-lock.js';
import { readOwner, thisHost } from './file-lock-owner.js';

const options = { staleMs: 10_000 };
const lockPath = () => join(mkdtempSync(join(tmpdir(), 'lucy-file-lock-')), 'locks', 'a.lock');

describe('taking a file lock', () => {
  it('a free lock is taken; while it is held, no one else gets it; after release, the next one does', async () => {
    const path = lockPath();
    const first = await tryAcquireFileLock(path, options);
    expect(first).not.toBeNull();
    expect(await tryAcquireFileLock(path, options)).toBeNull();
    expect(await tryAcquireFileLock(path, options, false)).toBeNull();
    await first!.release();
    const second = await tryAcquireFileLock(path, options);
    expect(second).not.toBeNull();
    await second!.release();
  });

  it('a dead holder’s lock is taken at once, unless asked not to check the holder', async () => {
    const path = lockPath();
    const first = await tryAcquireFileLock(path, options);
    await first!.release();
    writeFileSync(path, JSON.stringify({ pid: spawnSync('true').pid, host: thisHost, token: 'dead', at: 'x' }));
    expect(await tryAcquireFileLock(path, options, false)).toBeNull();
    const taken = await tryAcquireFileLock(path, options);
    expect(taken).not.toBeNull();
    expect(readOwner(path)).toMatchObject({ pid: process.pid });
    await taken!.release();
  });

  it('acquire waits for the holder to let go', async () => {
    const path = lockPath();
    const held = await tryAcquireFileLock(path, options);
    const waiting = acquireFileLock(path, { ...options, waitMs: 20_000 });
    await held!.release();
    const next = await waiting;
    expect(readOwner(path)?.pid).toBe(process.pid);
    await next.release();
  });

  it('acquire gives up after waitMs naming the holder, and stops at once when its signal aborts', async () => {
    const path = lockPath();
    const held = await tryAcquireFileLock(path, options);
    await expect(acquireFileLock(path, { ...options, waitMs: 20 })).rejects.toThrow(
      new RegExp(`could not lock .*a\\.lock within 20 ms \\(held by pid ${process.pid} on `),
    );
    const aborted = AbortSignal.abort(new Error('deadline'));
    await expect(acquireFileLock(path, { ...options, waitMs: 20_000, signal: aborted })).rejects.toThrow('deadline');
    const later = new AbortController();
    const waiting = acquireFileLock(path, { ...options, waitMs: 20_000, signal: later.signal });
    later.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
    await held!.release();
  });
});
