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
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

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
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly path: string,
    private readonly token: string,
    private readonly options: FileLockOptions,
  ) {
    // Keep the mtime fresh so other hosts can tell we are alive; unref: never keeps a process up.
    this.heartbeat = setInterval(() => void this.touch(), Math.max(50, Math.floor(options.staleMs / 3)));
    this.heartbeat.unref();
    heldLocks.add(this);
    installExitHook();
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Idempotent; never removes a lock file that another process has since taken over. */
  async release(): Promise<void> {
    if (this.released) return;
    this.stop();
    const owner = await readOwner(this.path);
    if (owner?.token === this.token) await unlink(this.path).catch(ignoreMissing);
  }

  /** The same, synchronously: for process 'exit'. */
  releaseSync(): void {
    if (this.released) return;
    this.stop();
    try {
      const owner = parseOwner(readFileSync(this.path, 'utf8'));
      if (owner?.token === this.token) unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }

  private stop(): void {
    this.released = true;
    clearInterval(this.heartbeat);
    heldLocks.delete(this);
  }

  private async touch(): Promise<void> {
    if (this.released) return;
    const owner = await readOwner(this.path).catch(() => undefined);
    if (this.released) return;
    if (owner?.token !== this.token) {
      this.stop();
      this.options.onLost?.(this.path);
      return;
    }
    const now = new Date();
    await utimes(this.path, now, now).catch(() => undefined);
  }
}

/** Take the lock if it is free or its holder is dead; null at once when a live holder has it. */
export async function tryAcquireFileLock(path: string, options: FileLockOptions): Promise<HeldFileLock | null> {
  // A few rounds: the file may vanish or be removed as dead between our create and inspect.
  for (let round = 0; round < 4; round++) {
    const token = randomBytes(9).toString('base64url');
    if (await createExclusive(path, token)) return new HeldFileLock(path, token, options);
    const seen = await inspect(path, options.staleMs);
    if (seen.kind === 'live') return null;
    if (seen.kind === 'dead' && !(await removeDeadLock(path, seen, options.staleMs))) return null;
  }
  return null;
}

/** Wait for the lock with jittered backoff, up to waitMs; throws when it cannot be had in time. */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions & { waitMs: number },
): Promise<HeldFileLock> {
  const giveUpAt = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    const lock = await tryAcquireFileLock(path, options);
    if (lock) return lock;
    if (Date.now() >= giveUpAt) {
      const owner = await readOwner(path).catch(() => undefined);
      const by = owner ? ` (held by pid ${owner.pid} on ${owner.host})` : '';
      throw new Error(`could not lock ${path} within ${options.waitMs} ms${by}`);
    }
    // Full jitter, growing to 25 ms: holders keep the lock for a few milliseconds.
    const cap = Math.min(25, 2 * 1.5 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * cap));
  }
}

/** Create the file only if absent, with our owner record inside. False when it already exists. */
async function createExclusive(path: string, token: string): Promise<boolean> {
  const owner: LockOwner = { pid: process.pid, host: thisHost, token, at: new Date().toISOString() };
  for (let round = 0; round < 2; round++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      if (errorCode(error) !== 'ENOENT' || round > 0) throw error;
      await mkdir(dirname(path), { recursive: true });
    }
  }
  return false;
}

async function inspect(path: string, staleMs: number): Promise<Inspection> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  try {
    const [raw, stat] = await Promise.all([handle.readFile('utf8'), handle.stat()]);
    // An empty file is a holder between create and write: alive unless it stayed that way.
    const owner = parseOwner(raw);
    const stale = Date.now() - stat.mtimeMs > staleMs;
    const deadHere = owner !== undefined && owner.host === thisHost && !pidAlive(owner.pid);
    if (stale || deadHere) return { kind: 'dead', token: owner?.token, ino: stat.ino, mtimeMs: stat.mtimeMs };
    return { kind: 'live', owner };
  } finally {
    await handle.close();
  }
}

/**
 * Remove a dead holder's file, under a guard so that only one process removes it, and only if it
 * is still the same dead holder. True when the lock is now free to try again.
 */
async function removeDeadLock(
  path: string,
  dead: Extract<Inspection, { kind: 'dead' }>,
  staleMs: number,
): Promise<boolean> {
  const guardPath = `${path}.takeover`;
  const guardToken = randomBytes(9).toString('base64url');
  if (!(await createExclusive(guardPath, guardToken))) {
    // Another process is taking over right now, or died in the middle of it (a microsecond window).
    const guard = await inspect(guardPath, staleMs);
    if (guard.kind === 'dead') await unlink(guardPath).catch(ignoreMissing);
    return false;
  }
  try {
    const now = await inspect(path, staleMs);
    if (now.kind === 'gone') return true;
    const same = now.kind === 'dead' && now.token === dead.token && now.ino === dead.ino;
    if (!same) return false;
    await unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await unlink(guardPath).catch(ignoreMissing);
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return parseOwner(await readFile(path, 'utf8'));
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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, but not ours to signal
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lock of [...heldLocks]) lock.releaseSync();
  });
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== 'ENOENT') throw error;
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
