/**
 * Whether a lock file's holder is alive. A holder is dead when
 *   - it is on this host and its pid no longer exists (kill -9 is noticed at once), or
 *   - the file's mtime is older than `staleMs` (other hosts on a shared folder, pid reuse, zombies):
 *     live holders touch their file every staleMs/3, so only a dead (or frozen) holder goes stale.
 * A recorded process group of this host (a `run` command's) keeps the lock alive after its holder
 * died, however long ago the holder last touched the file.
 * Staleness uses the real wall clock (file mtimes are real), never the LUCY_OPS_NOW clock.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { errorCode } from '../files/error-code.js';
import { pidAlive } from '../files/pid-alive.js';
import { parseOwner, readOwner, thisHost, type LockOwner } from './file-lock-owner.js';

export type Inspection =
  | { kind: 'gone' }
  | { kind: 'live'; owner?: LockOwner }
  | { kind: 'dead'; token?: string; ino: number; mtimeMs: number };

/** The holder of the lock file at `path` as it is now: gone, live, or dead (with what identifies the file). */
export function inspectHolder(path: string, staleMs: number): Inspection {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  try {
    const raw = readFileSync(fd, 'utf8');
    const stat = fstatSync(fd);
    // An empty file is a holder between create and write: alive unless it stayed that way.
    const owner = parseOwner(raw);
    if (owner && groupOutlivesHolder(owner)) return { kind: 'live', owner };
    const stale = Date.now() - stat.mtimeMs > staleMs;
    const deadHere = owner !== undefined && owner.host === thisHost && !pidAlive(owner.pid);
    if (stale || deadHere) return { kind: 'dead', token: owner?.token, ino: stat.ino, mtimeMs: stat.mtimeMs };
    return { kind: 'live', owner };
  } finally {
    closeSync(fd);
  }
}

/** Whether any process of this process group still exists. */
export function groupAlive(group: number): boolean {
  if (!Number.isInteger(group) || group <= 1) return false;
  try {
    process.kill(-group, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Who holds the lock file, in words, for a refusal message ("pid 123 on web1"; with a process
 * group still running after its holder died, says that); undefined when free or unreadable.
 */
export function describeHolder(path: string): string | undefined {
  let owner: LockOwner | undefined;
  try {
    owner = readOwner(path);
  } catch {
    return undefined;
  }
  if (!owner) return undefined;
  if (groupOutlivesHolder(owner))
    return `its command (process group ${owner.group}) is still running, though the lucy-ops process (pid ${owner.pid}) that started it is gone`;
  return `held by pid ${owner.pid} on ${owner.host}${owner.group !== undefined ? `, command process group ${owner.group}` : ''}`;
}

/** This host's holder is gone but the process group it recorded still runs. */
function groupOutlivesHolder(owner: LockOwner): boolean {
  return owner.host === thisHost && owner.group !== undefined && !pidAlive(owner.pid) && groupAlive(owner.group);
}
