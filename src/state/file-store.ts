/**
 * The file state store: every key in one `state.json` ({"version":1,"entries":{...}}) in stateDir.
 *
 * - update: in-process queue, then the cross-process lock `state.lock`; read, apply, write a temp
 *   file in the same folder, fsync, rename over state.json (writeFileAtomic). A reader or a kill -9 sees either the
 *   old file or the new one, never half of one; no update is lost.
 * - get/list read without a lock (rename makes every read a whole file).
 * - tryLock: one file per name under stateDir/locks/ (see file-lock-holder.ts for liveness).
 * - A state.json that is not valid JSON (edited by hand) is moved aside to
 *   state.json.corrupt-<time>, the store starts empty, and a warning is reported.
 * File I/O is synchronous: the file is small, and the lock's hold time (not the event loop) is
 * what limits 50 processes sharing it; thread-pool round trips would multiply it under load.
 */
import type { AbortLike } from '../abort-like.js';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ReadOnlyStoreError } from './read-only.js';
import { stateDirError, unreadableError } from './state-dir-error.js';
import { errorCode } from '../files/error-code.js';
import { removeAbandonedTemps, writeFileAtomic } from '../files/atomic-write.js';
import { acquireFileLock, tryAcquireFileLock } from './file-lock.js';
import { describeHolder } from './file-lock-holder.js';
import type { HeldFileLock } from './held-file-lock.js';
import type { LockHandle, StateStore, UpdateOptions } from './types.js';

export const STATE_FILE = 'state.json';
const FORMAT_VERSION = 1;

export interface FileStoreOptions {
  /** Real ms after which a lock whose holder cannot be checked (another host) counts as dead. Default 10000. */
  staleMs?: number;
  /** Longest update() waits for the state lock before it throws. Default staleMs + 5000. */
  lockWaitMs?: number;
  /** Told about recoverable problems (a corrupt state.json moved aside, a lock lost). */
  onWarning?: (message: string) => void;
  /**
   * Only read: get and list work, update and tryLock throw ReadOnlyStoreError, and nothing is ever
   * created, repaired or removed (no folder, no lock file). For the on-call views, which any user
   * who can read state.json may run.
   */
  readOnly?: boolean;
}

type Entries = Record<string, unknown>;
type ReadResult = { kind: 'ok'; entries: Entries } | { kind: 'corrupt'; reason: string };

export class FileStore implements StateStore {
  readonly kind = 'file' as const;
  readonly where: string;
  /** Recoverable problems seen so far, also sent to onWarning. */
  readonly warnings: string[] = [];
  readonly statePath: string;
  private readonly lockPath: string;
  private readonly locksDir: string;
  private readonly staleMs: number;
  private readonly lockWaitMs: number;
  /** Serialises this process's updates so they do not poll the file lock against each other. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly held = new Set<HeldFileLock>();

  constructor(
    readonly stateDir: string,
    private readonly options: FileStoreOptions = {},
  ) {
    this.where = stateDir;
    this.statePath = join(stateDir, STATE_FILE);
    this.lockPath = join(stateDir, 'state.lock');
    this.locksDir = join(stateDir, 'locks');
    this.staleMs = options.staleMs ?? 10_000;
    this.lockWaitMs = options.lockWaitMs ?? this.staleMs + 5_000;
  }

  update<T>(
    key: string,
    fn: (current: T | undefined) => T | undefined,
    opts: UpdateOptions = {},
  ): Promise<T | undefined> {
    const { signal } = opts;
    if (this.options.readOnly) return Promise.reject(new ReadOnlyStoreError(`update ${key}`, this.where));
    if (!signal) return this.serialized(() => this.updateLocked(key, fn));
    // Stop waiting at once when the signal aborts, even while queued behind this process's own
    // updates; a queued update that starts after the abort changes nothing.
    if (signal.aborted) return Promise.reject(signal.reason);
    const queued = this.serialized(() => {
      signal.throwIfAborted();
      return this.updateLocked(key, fn, signal);
    });
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      queued.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entries = await this.readUnlocked();
    return Object.hasOwn(entries, key) ? (entries[key] as T) : undefined;
  }

  async list<T>(prefix: string): Promise<Record<string, T>> {
    const entries = await this.readUnlocked();
    const out: Record<string, T> = {};
    for (const [key, value] of Object.entries(entries)) if (key.startsWith(prefix)) out[key] = value as T;
    return out;
  }

  async tryLock(name: string): Promise<LockHandle | null> {
    if (this.options.readOnly) throw new ReadOnlyStoreError(`lock ${name}`, this.where);
    const lock = await tryAcquireFileLock(join(this.locksDir, lockFileName(name)), {
      staleMs: this.staleMs,
      onLost: (path) => this.warn(`lock ${path} was taken over by another process (this one was frozen)`),
    }).catch((err: unknown) => {
      throw stateDirError(this.stateDir, err); // e.g. a stateDir this user may no longer write
    });
    if (!lock) return null;
    this.held.add(lock);
    return {
      release: async () => {
        this.held.delete(lock);
        await lock.release();
      },
      stillHeld: async () => lock.stillHeld(),
      holdForGroup: (group) => lock.holdForGroup(group),
    };
  }

  async lockHolder(name: string): Promise<string | undefined> {
    return describeHolder(join(this.locksDir, lockFileName(name)));
  }

  /** Releases the locks this store still holds. */
  async close(): Promise<void> {
    const locks = [...this.held];
    this.held.clear();
    await Promise.all(locks.map((lock) => lock.release()));
  }

  private serialized<R>(work: () => Promise<R>): Promise<R> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateLocked<T>(
    key: string,
    fn: (current: T | undefined) => T | undefined,
    signal?: AbortLike,
  ): Promise<T | undefined> {
    const lock = await acquireFileLock(this.lockPath, { staleMs: this.staleMs, waitMs: this.lockWaitMs, signal }).catch(
      (err: unknown) => {
        throw stateDirError(this.stateDir, err);
      },
    );
    try {
      const read = await this.readFile();
      const entries = read.kind === 'ok' ? read.entries : await this.moveAside(read.reason);
      const before = Object.hasOwn(entries, key) ? entries[key] : undefined;
      const after = fn(before as T | undefined);
      // Nothing changed: skip the write (keeps the breaker's read-mostly paths cheap).
      if (read.kind === 'ok' && JSON.stringify(after) === JSON.stringify(before)) return after;
      if (after === undefined) delete entries[key];
      else entries[key] = after;
      await this.writeAtomically(entries);
      return after;
    } finally {
      await lock.release();
    }
  }

  private async readUnlocked(): Promise<Entries> {
    const read = await this.readFile();
    if (read.kind === 'ok') return read.entries;
    if (this.options.readOnly) {
      // not ours to repair: the next run of the cron user moves it aside
      this.warn(`${this.statePath} is ${read.reason}; reading it as empty state (breakers closed)`);
      return {};
    }
    // Repair under the lock: by then a writer may already have replaced the file.
    return this.serialized(() => this.repairLocked());
  }

  private async repairLocked(): Promise<Entries> {
    const lock = await acquireFileLock(this.lockPath, { staleMs: this.staleMs, waitMs: this.lockWaitMs });
    try {
      const read = await this.readFile();
      if (read.kind === 'ok') return read.entries;
      const entries = await this.moveAside(read.reason);
      await this.writeAtomically(entries);
      return entries;
    } finally {
      await lock.release();
    }
  }

  /**
   * state.json's text, re-read only when the file changed. Every write renames a new file into
   * place, so (inode, size, mtime) names a version; one stat is cheaper than open+read+close, and
   * the engine reads the breaker before and after every attempt.
   */
  private cached?: { id: string; raw: string };

  private readText(): string | undefined {
    // no state yet is the common case of a healthy chain: answer it without throwing (an ENOENT
    // error object costs more than the whole read)
    let st;
    try {
      st = statSync(this.statePath, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      // a stateDir this user may not enter, or a file where the folder should be
      throw errorCode(error) === 'ENOTDIR'
        ? stateDirError(this.stateDir, error)
        : unreadableError(this.statePath, error);
    }
    if (!st) return undefined;
    const id = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    if (this.cached?.id === id) return this.cached.raw;
    let raw: string;
    try {
      raw = readFileSync(this.statePath, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw unreadableError(this.statePath, error);
    }
    // only trust the cache when nothing changed between the stat and the read
    this.cached = undefined;
    const after = statSync(this.statePath, { bigint: true, throwIfNoEntry: false });
    if (after && `${after.ino}:${after.size}:${after.mtimeNs}:${after.ctimeNs}` === id) this.cached = { id, raw };
    return raw;
  }

  private async readFile(): Promise<ReadResult> {
    const raw = this.readText();
    if (raw === undefined) return { kind: 'ok', entries: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return { kind: 'corrupt', reason: `not valid JSON (${(error as Error).message})` };
    }
    if (typeof parsed !== 'object' || parsed === null) return { kind: 'corrupt', reason: 'not a JSON object' };
    const doc = parsed as { version?: unknown; entries?: unknown };
    if (typeof doc.version === 'number' && doc.version > FORMAT_VERSION) {
      // Written by a newer lucy-ops: refuse rather than throw its data away.
      throw new Error(
        `${this.statePath} has format version ${doc.version}; this lucy-ops reads version ${FORMAT_VERSION}`,
      );
    }
    if (
      doc.version !== FORMAT_VERSION ||
      typeof doc.entries !== 'object' ||
      doc.entries === null ||
      Array.isArray(doc.entries)
    ) {
      return { kind: 'corrupt', reason: `not a version ${FORMAT_VERSION} state document` };
    }
    return { kind: 'ok', entries: doc.entries as Entries };
  }

  /** Called under the lock with a corrupt state.json: keep it for a human, start empty. */
  private async moveAside(reason: string): Promise<Entries> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = `${this.statePath}.corrupt-${stamp}`;
    try {
      renameSync(this.statePath, aside);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    this.warn(`${this.statePath} was ${reason}; moved it to ${aside} and started with empty state`);
    return {};
  }

  private async writeAtomically(entries: Entries): Promise<void> {
    const body = JSON.stringify({ version: FORMAT_VERSION, entries }, null, 1) + '\n';
    // readable by others (umask permitting): it holds no secrets, and on-call users run `status`
    writeFileAtomic(this.statePath, body, { mode: 0o644, mkdir: false });
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
  }
}

export async function openFileStore(stateDir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  const dir = resolve(stateDir);
  if (options.readOnly) return new FileStore(dir, options); // a missing stateDir reads as empty state
  try {
    await mkdir(join(dir, 'locks'), { recursive: true });
  } catch (err) {
    throw stateDirError(dir, err);
  }
  removeAbandonedTemps(dir, STATE_FILE); // a writer killed between its temp write and the rename
  return new FileStore(dir, options);
}

/**
 * A lock name as a safe file name: readable part (no separators, no dots at the start) plus a
 * hash of the exact name, so distinct names never share a file and none escapes the locks folder.
 */
export function lockFileName(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${readable}-${digest}.lock`;
}
