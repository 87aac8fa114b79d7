/**
 * A lock file this process holds: it keeps the file's mtime fresh (so other hosts can tell it is
 * alive), notices when another process took it over (it was frozen past staleMs), and removes the
 * file on release or at exit, never one that someone else has taken since.
 */
import { statSync, utimesSync } from 'node:fs';
import { readOwner, rewriteOwner, thisHost, unlinkIfPresent, type LockOwner } from './file-lock-owner.js';

export interface FileLockOptions {
  /** Real milliseconds after which an untouched lock file is presumed dead. */
  staleMs: number;
  /** Told when a held lock was taken over by another process (we were frozen past staleMs). */
  onLost?: (path: string) => void;
}

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
      rewriteOwner(this.path, owner);
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

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lock of [...heldLocks]) lock.releaseSync();
  });
}
