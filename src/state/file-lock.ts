/**
 * Cross-process locks as files (O_EXCL create), for the file store: the short lock around a
 * read-modify-write of state.json, and long job/slot locks.
 *
 * A lock file holds {pid, host, token}. A holder is dead when
 *   - it is on this host and its pid no longer exists (kill -9 is noticed at once), or
 *   - the file's mtime is older than `staleMs` (other hosts on a shared folder, pid reuse, zombies):
 *     live holders touch their file every staleMs/3, so only a dead (or frozen) holder goes stale.
 * Removing a dead holder's file goes through a short "takeover" guard file and re-checks the
 * holder's token under it, so two processes that both saw the same dead holder cannot both win
 * (the race proper-lockfile has: see docs/breaker.md).
 * Staleness uses the real wall clock (file mtimes are real), never the LUCY_OPS_NOW clock.
 * File operations are synchronous on purpose: each is a few microseconds on a tiny file, and the
 * time a lock is held (thread-pool round trips under load) bounds how many processes can share it.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { errorCode } from '../files/error-code.js';
import { pidAlive } from '../files/pid-alive.js';
import { realSleep } from '../clock.js';

export interface FileLockOptions {
  /** Real milliseconds after which an untouched lock file is presumed dead. */
  staleMs: number;
  /** Told when a held lock was taken over by another process (we were frozen past staleMs). */
  onLost?: (path: string) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  at: string;
  /** A process group (a `run` command's) that keeps the lock held while it lives, even past its holder. */
  group?: number;
}

type Inspection =
  | { kind: 'gone' }
  | { kind: 'live'; owner?: LockOwner }
  | { kind: 'dead'; token?: string; ino: number; mtimeMs: number };

const thisHost = hostname();
/** Every lock this process holds, so they can be dropped on exit. */
const heldLocks = new Set<HeldFileLock>();
let exitHookInstalled = false;

export class HeldFileLock {
  private released = false;
  private lostIt = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly path: string,
    private readonly token: string,
    private readonly options: FileLockOptions,
    /** The lock file's inode: with `anonymous`, what says the file is still ours. */
    private readonly ino: number,
    /**
     * The owner record could not be written (a full disk: the create took an inode, the write found
     * no block). The empty file is still a lock: other processes count it live while its mtime is
     * fresh, and the heartbeat keeps it fresh; it is ours while it is the same, still empty, inode.
     */
    readonly anonymous = false,
  ) {
    // Keep the mtime fresh so other hosts can tell we are alive; unref: never keeps a process up.
    this.heartbeat = setInterval(() => this.touch(), Math.max(50, Math.floor(options.staleMs / 3)));
    this.heartbeat.unref();
    heldLocks.add(this);
    installExitHook();
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** True once another process took the lock over (this one was frozen past staleMs). */
  get lost(): boolean {
    return this.lostIt;
  }

  /** Whether the lock file is still this holder's, checked now (not at the last heartbeat). */
  stillHeld(): boolean {
    if (this.released) return false;
    try {
      if (this.owns()) return true;
    } catch {
      return true; // cannot tell (an I/O error): do not claim a loss
    }
    this.markLost();
    return false;
  }

  /**
   * Keep the lock held while this process group lives, even if this process dies (kill -9 of
   * `lucy-ops run` leaves its command running): the group is written into the lock file.
   */
  holdForGroup(group: number): void {
    if (this.released || this.anonymous) return;
    const owner: LockOwner = {
      pid: process.pid,
      host: thisHost,
      token: this.token,
      at: new Date().toISOString(),
      group,
    };
    try {
      const fd = openSync(this.path, 'r+');
      try {
        // the new record is longer than the old one: write it over, then cut any rest
        const body = Buffer.from(JSON.stringify(owner));
        writeSync(fd, body, 0, body.length, 0);
        ftruncateSync(fd, body.length);
      } finally {
        closeSync(fd);
      }
    } catch {
      // a full disk: the lock still holds while this process lives
    }
  }

  /** Idempotent; never removes a lock file that another process has since taken over. */
  async release(): Promise<void> {
    this.releaseSync();
  }

  /** The same, synchronously (also used on process 'exit'). */
  releaseSync(): void {
    if (this.released) return;
    this.stop();
    try {
      if (this.owns()) unlinkIfPresent(this.path);
    } catch {
      // unreadable now: leave it; its mtime goes stale and the pid check frees it
    }
  }

  private owns(): boolean {
    if (this.anonymous) {
      const st = statSync(this.path, { throwIfNoEntry: false });
      return st !== undefined && st.ino === this.ino && st.size === 0;
    }
    return readOwner(this.path)?.token === this.token;
  }

  private markLost(): void {
    if (this.lostIt) return;
    this.lostIt = true;
    this.stop();
    this.options.onLost?.(this.path);
  }

  private stop(): void {
    this.released = true;
    clearInterval(this.heartbeat);
    heldLocks.delete(this);
  }

  private touch(): void {
    if (this.released) return;
    try {
      if (!this.owns()) {
        this.markLost();
        return;
      }
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch {
      // a transient error: the next beat tries again
    }
  }
}

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
    const seen = inspect(path, options.staleMs);
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
  options: FileLockOptions & { waitMs: number; signal?: AbortSignal },
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

/**
 * Create the file only if absent, with our owner record inside. False when it already exists.
 * `anonymous`: created, but the record could not be written for lack of space (see HeldFileLock).
 */
function createExclusive(path: string, token: string): { ino: number; anonymous: boolean } | false {
  const owner: LockOwner = { pid: process.pid, host: thisHost, token, at: new Date().toISOString() };
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (errorCode(error) !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return createExclusive(path, token);
  }
  let anonymous = false;
  let ino = 0;
  try {
    ino = fstatSync(fd).ino;
    writeSync(fd, JSON.stringify(owner));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      // the file is ours (O_EXCL) even though it is empty: keep it as the lock
      anonymous = true;
      try {
        ftruncateSync(fd, 0); // a partial write must not look like someone else's record
      } catch {
        // stays as it is: an unparseable record is treated like an empty one
      }
    } else {
      closeSync(fd);
      unlinkIfPresent(path); // never leave an empty file that others would have to wait out
      throw error;
    }
  }
  closeSync(fd);
  return { ino, anonymous };
}

function inspect(path: string, staleMs: number): Inspection {
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
    // a recorded process group (a `run` command) of this host keeps the lock alive after its
    // holder died, however long ago the holder last touched the file
    if (owner?.host === thisHost && owner.group !== undefined && !pidAlive(owner.pid) && groupAlive(owner.group))
      return { kind: 'live', owner };
    const stale = Date.now() - stat.mtimeMs > staleMs;
    const deadHere = owner !== undefined && owner.host === thisHost && !pidAlive(owner.pid);
    if (stale || deadHere) return { kind: 'dead', token: owner?.token, ino: stat.ino, mtimeMs: stat.mtimeMs };
    return { kind: 'live', owner };
  } finally {
    closeSync(fd);
  }
}

/**
 * Remove a dead holder's file, under a guard so that only one process removes it, and only if it
 * is still the same dead holder. True when the lock is now free to try again.
 */
function removeDeadLock(path: string, dead: Extract<Inspection, { kind: 'dead' }>, staleMs: number): boolean {
  const guardPath = `${path}.takeover`;
  if (!createExclusive(guardPath, randomBytes(9).toString('base64url'))) {
    // Another process is taking over right now, or died in the middle of it (a microsecond window).
    if (inspect(guardPath, staleMs).kind === 'dead') unlinkIfPresent(guardPath);
    return false;
  }
  try {
    const now = inspect(path, staleMs);
    if (now.kind === 'gone') return true;
    const same = now.kind === 'dead' && now.token === dead.token && now.ino === dead.ino;
    if (!same) return false;
    unlinkIfPresent(path);
    return true;
  } finally {
    unlinkIfPresent(guardPath);
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
      return value as LockOwner;
    }
  } catch {
    // empty or partly written
  }
  return undefined;
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
  const here = owner.host === thisHost;
  if (here && owner.group !== undefined && !pidAlive(owner.pid) && groupAlive(owner.group))
    return `its command (process group ${owner.group}) is still running, though the lucy-ops process (pid ${owner.pid}) that started it is gone`;
  return `held by pid ${owner.pid} on ${owner.host}${owner.group !== undefined ? `, command process group ${owner.group}` : ''}`;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lock of [...heldLocks]) lock.releaseSync();
  });
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
