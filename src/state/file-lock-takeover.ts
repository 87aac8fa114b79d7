/**
 * Removing a dead holder's lock file. It goes through a short "takeover" guard file and re-checks
 * the holder's token under it, so two processes that both saw the same dead holder cannot both win
 * (the race proper-lockfile has: see docs/breaker.md).
 */
import { randomBytes } from 'node:crypto';
import { inspectHolder, type Inspection } from './file-lock-holder.js';
import { createExclusive, unlinkIfPresent } from './file-lock-owner.js';

/**
 * Remove a dead holder's file, under a guard so that only one process removes it, and only if it
 * is still the same dead holder. True when the lock is now free to try again.
 */
export function removeDeadLock(path: string, dead: Extract<Inspection, { kind: 'dead' }>, staleMs: number): boolean {
  const guardPath = `${path}.takeover`;
  if (!createExclusive(guardPath, randomBytes(9).toString('base64url'))) {
    // Another process is taking over right now, or died in the middle of it (a microsecond window).
    if (inspectHolder(guardPath, staleMs).kind === 'dead') unlinkIfPresent(guardPath);
    return false;
  }
  try {
    const now = inspectHolder(path, staleMs);
    if (now.kind === 'gone') return true;
    const same = now.kind === 'dead' && now.token === dead.token && now.ino === dead.ino;
    if (!same) return false;
    unlinkIfPresent(path);
    return true;
  } finally {
    unlinkIfPresent(guardPath);
  }
}
