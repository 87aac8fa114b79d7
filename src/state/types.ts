/**
 * The state store: breaker records, alert memory and job/slot locks, shared by every process.
 * Two implementations: file (in stateDir, default) and Redis (state.redis). Both must give the
 * same semantics; the contract tests in src/state/store-contract.ts run against each.
 */
import type { AbortLike } from '../abort-like.js';

export interface StateStore {
  readonly kind: 'file' | 'redis';
  /** Human description for `breaker status` (e.g. the state dir, or the redis host without credentials). */
  readonly where: string;
  /**
   * Atomic read-modify-write of one key. `fn` gets the current value (undefined when absent) and
   * returns the new value (undefined deletes). No update is lost when many processes call this at once.
   * Returns what fn returned. `fn` must be pure: it may be called more than once (optimistic stores).
   * `signal`: stop waiting (for a lock held by another process) when it aborts, rejecting with its
   * reason and changing nothing; a run's deadline bounds its state calls this way.
   */
  update<T>(key: string, fn: (current: T | undefined) => T | undefined, opts?: UpdateOptions): Promise<T | undefined>;
  get<T>(key: string): Promise<T | undefined>;
  /** Every key with the prefix, and its value. */
  list<T>(prefix: string): Promise<Record<string, T>>;
  /**
   * A lock held until released or the process dies (e.g. one job+slot). Returns null at once when
   * another live holder has it. A holder that died (kill -9) must not block the name forever.
   */
  tryLock(name: string): Promise<LockHandle | null>;
  /**
   * The shared ledger of served slots (the Redis store; the file store has none: on one host the
   * outDir and the job log are the ledger). markServed records one; servedEntry / servedBetween
   * read it back for the check before generating and for gaps and backfill.
   */
  markServed?(entry: ServedEntry): Promise<void>;
  servedEntry?(job: string, slot: string): Promise<ServedEntry | undefined>;
  servedBetween?(job: string, since: Date, until: Date): Promise<ServedEntry[]>;
  /** Who holds a lock, in words, for a refusal message; undefined when unknown. */
  lockHolder?(name: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** One served slot in the shared ledger. */
export interface ServedEntry {
  job: string;
  /** The slot (ISO), as `scheduledFor`. */
  slot: string;
  host: string;
  runId: string;
  /** When it was served (ISO). */
  at: string;
  trigger: string;
  provider?: string;
  degraded?: boolean;
  /** The output file, on `host`. */
  output?: string;
}

export interface UpdateOptions {
  signal?: AbortLike;
}

export interface LockHandle {
  release(): Promise<void>;
  /**
   * Whether this holder still has the lock, checked now: false once its lease ran out or another
   * process took it over (this one was frozen, e.g. SIGSTOP, past the lease).
   */
  stillHeld?(): Promise<boolean>;
  /** Keep the lock held while this process group lives, even after this process dies (file locks). */
  holdForGroup?(group: number): void;
}
