/**
 * Cross-process locks as files, for the file store: the short lock around a read-modify-write of
 * state.json, and long job/slot locks. Taking one: create the file only if absent with our owner
 * record (file-lock-owner.ts); if a holder has it, check whether it lives (file-lock-holder.ts) and
 * remove a dead one's file under the takeover guard (file-lock-takeover.ts); the lock then held is
 * a HeldFileLock (held-file-lock.ts).
 * File operations are synchronous on purpose: each is a few microseconds on a tiny file, and the
 * time a lock is held (thread-pool round trips under load) bounds how many processes can share it.
 */
import type { AbortLike } from '../abort-like.js';
import { randomBytes } from 'node:crypto';
import { realSleep } from '../clock.js';
import { inspectHolder } from './file-lock-holder.js';
import { createExclusive, readOwner } from './file-lock-owner.js';
import { removeDeadLock } from './file-lock-takeover.js';
import { HeldFileLock, type FileLockOptions } from './held-file-lock.js';

/**
 * Take the lock if it is free or its holder is dead; null at once when a live holder has it.
 * `checkHolder: false` skips the liveness check (cheap polling while waiting).
 */
export async function tryAcquireFileLock(
  path: string,
  options: FileLockOptions,
  checkHolder = true,
): Promise<HeldFileLock | null> {
  // A few rounds: the file may vanish or be removed as dead between our create and inspect.
  for (let round = 0; round < 4; round++) {
    const token = randomBytes(9).toString('base64url');
    const created = createExclusive(path, token);
    if (created) return new HeldFileLock(path, token, options, created.ino, created.anonymous);
    if (!checkHolder) return null;
    const seen = inspectHolder(path, options.staleMs);
    if (seen.kind === 'live') return null;
    if (seen.kind === 'dead' && !removeDeadLock(path, seen, options.staleMs)) return null;
  }
  return null;
}

/**
 * Wait for the lock with jittered backoff, up to waitMs; throws when it cannot be had in time, or
 * with the signal's reason as soon as it aborts (a run's deadline, an interrupt).
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions & { waitMs: number; signal?: AbortLike },
): Promise<HeldFileLock> {
  const giveUpAt = Date.now() + options.waitMs;
  const { signal } = options;
  let checkedAt = 0;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    // Checking the holder's liveness costs a read and a syscall: do it at most every 50 ms.
    const checkHolder = Date.now() - checkedAt >= 50;
    if (checkHolder) checkedAt = Date.now();
    const lock = await tryAcquireFileLock(path, options, checkHolder);
    if (lock) return lock;
    if (Date.now() >= giveUpAt) {
      const owner = readOwner(path);
      const by = owner ? ` (held by pid ${owner.pid} on ${owner.host})` : '';
      throw new Error(`could not lock ${path} within ${options.waitMs} ms${by}`);
    }
    // Full jitter, growing to 20 ms: holders keep this lock for a millisecond or two.
    const cap = Math.min(20, 2 * 1.5 ** attempt);
    await realSleep(1 + Math.random() * cap, signal);
  }
}
