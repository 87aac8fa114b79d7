/**
 * Which state store a run uses. The file store in `stateDir` unless `state.redis` (or
 * `state.redisEnv`) names a Redis. Redis failing never fails the run: when it is unreachable at
 * start, or dies mid-run, the run continues on the local file store (a FallbackStore), the caller
 * gets one warning, and `fallback` says why (for `breaker status` and the warning record).
 */
import type { ResolvedConfig, StateConfig } from '../config/types.js';
import type { LockHandle, ServedEntry, StateStore, UpdateOptions } from './types.js';
import { RedisStoreError, describeRedisUrl, openRedisStore, type RedisStoreOptions } from './redis-store.js';

export type OpenedStore = StateStore & {
  /** Set when Redis was configured but this run uses the file store instead, and why. */
  readonly fallback?: string;
};

export interface OpenStoreOptions extends RedisStoreOptions {
  /**
   * Told about recoverable store problems, for the caller's warning record: the fallback to the file
   * store (once per run), and the file store's own (a corrupt state.json moved aside).
   */
  onWarning?: (message: string) => void;
  /** Where `state.redisEnv` is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Long-lived processes (serve, createChain): after falling back to the file store, try Redis
   * again at most this often (ms), and go back to it once it answers. Unset: stay on the file
   * store for the rest of the process (a cron run is over in seconds anyway).
   */
  retryRedisEveryMs?: number;
  /** Monotonic ms for the retry interval (tests). Default performance.now. */
  now?: () => number;
  /** Only read (the on-call views): see FileStoreOptions.readOnly; the same for Redis. */
  readOnly?: boolean;
}

/** The Redis bounds: the config's `state.timeoutMs` (default 1 s) unless the caller set its own. */
export function redisStoreOptions(state: StateConfig, opts: OpenStoreOptions): RedisStoreOptions {
  const timeoutMs = state.timeoutMs ?? 1000;
  return { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs, ...opts };
}

type RedisTarget = { kind: 'none' } | { kind: 'url'; url: string } | { kind: 'missing'; reason: string };

/** The Redis URL this config asks for: `state.redis` wins; else the env var named by `state.redisEnv`. */
export function redisTarget(state: StateConfig, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  if (state.redis) return { kind: 'url', url: state.redis };
  if (!state.redisEnv) return { kind: 'none' };
  const url = env[state.redisEnv];
  if (url) return { kind: 'url', url };
  return { kind: 'missing', reason: `state.redisEnv names ${state.redisEnv}, which is not set` };
}

async function openFile(
  stateDir: string,
  onWarning?: (message: string) => void,
  readOnly?: boolean,
): Promise<StateStore> {
  const { openFileStore } = await import('./file-store.js');
  return openFileStore(stateDir, { onWarning, readOnly });
}

/** Only `state` and `stateDir` of the config matter here. */
export async function openStateStore(
  config: Pick<ResolvedConfig, 'state' | 'stateDir'>,
  opts: OpenStoreOptions = {},
): Promise<OpenedStore> {
  const target = redisTarget(config.state, opts.env);
  const openSecondary = () => openFile(config.stateDir, opts.onWarning, opts.readOnly);
  if (target.kind === 'none') return openSecondary();
  if (target.kind === 'missing') {
    // an unset variable stays unset for this process: nothing to retry
    const note = `using the file store in ${config.stateDir} for this ${opts.retryRedisEveryMs ? 'process' : 'run'}`;
    return FallbackStore.alreadyFallenBack(await openSecondary(), `${target.reason}; ${note}`, opts.onWarning);
  }
  const fallbackNote = `using the file store in ${config.stateDir} ${opts.retryRedisEveryMs ? 'until Redis answers again' : 'for this run'}`;
  const redisOptions = redisStoreOptions(config.state, opts);
  const openRedis = () => openRedisStore({ url: target.url, keyPrefix: config.state.keyPrefix }, redisOptions);
  const recovery = opts.retryRedisEveryMs
    ? { reopen: openRedis, everyMs: opts.retryRedisEveryMs, now: opts.now }
    : undefined;
  try {
    return new FallbackStore(await openRedis(), openSecondary, fallbackNote, opts.onWarning, recovery);
  } catch (error) {
    // RedisStoreError messages are already free of credentials; anything else gets a generic one.
    const why =
      error instanceof RedisStoreError ? error.message : `redis ${describeRedisUrl(target.url)} could not be opened`;
    return FallbackStore.alreadyFallenBack(
      await openSecondary(),
      `${why}; ${fallbackNote}`,
      opts.onWarning,
      recovery,
      fallbackNote,
    );
  }
}

type Mode =
  | { kind: 'primary' }
  | { kind: 'switching'; reason: string; secondary: Promise<StateStore> }
  | { kind: 'secondary'; reason: string; secondary: StateStore };

/** How a long-lived process gets back to Redis after falling back (see retryRedisEveryMs). */
export interface RedisRecovery {
  /** Opens Redis again; rejects while it is still unreachable. */
  reopen: () => Promise<StateStore>;
  everyMs: number;
  now?: () => number;
}

/**
 * Uses the primary (Redis) store until one of its operations fails with a RedisStoreError, then
 * the secondary (file) store for every later operation, including the one that failed. Errors
 * thrown by an update's own `fn` are the caller's and pass through untouched. With a recovery,
 * an operation on the file store also starts (at most every `everyMs`, in the background) an
 * attempt to reopen Redis; once it answers, later operations use it again. What was written to
 * the file store meanwhile stays there: breakers re-learn from the next failures.
 */
export class FallbackStore implements OpenedStore {
  private mode: Mode = { kind: 'primary' };
  /** The file store, opened on the first fallback and kept (its locks may still be held). */
  private secondaryStore: Promise<StateStore> | undefined;
  private fellAt = 0;
  private recovering: Promise<void> | undefined;
  private closed = false;

  constructor(
    private primary: StateStore,
    private readonly openSecondary: () => Promise<StateStore>,
    private readonly fallbackNote: string,
    private readonly onWarning?: (message: string) => void,
    private readonly recovery?: RedisRecovery,
  ) {}

  /** A store that is the secondary from the start (Redis was unreachable when the run began). */
  static alreadyFallenBack(
    secondary: StateStore,
    reason: string,
    onWarning?: (message: string) => void,
    recovery?: RedisRecovery,
    fallbackNote = '',
  ): OpenedStore {
    onWarning?.(reason);
    // the secondary stands in as "primary" until (and unless) Redis comes back
    const store = new FallbackStore(secondary, async () => secondary, fallbackNote, onWarning, recovery);
    store.secondaryStore = Promise.resolve(secondary);
    store.mode = { kind: 'secondary', reason, secondary };
    store.fellAt = store.now();
    return store;
  }

  get kind(): StateStore['kind'] {
    return this.mode.kind === 'primary' ? this.primary.kind : 'file';
  }

  get where(): string {
    return this.mode.kind === 'secondary' ? this.mode.secondary.where : this.primary.where;
  }

  get fallback(): string | undefined {
    return this.mode.kind === 'primary' ? undefined : this.mode.reason;
  }

  /** The attempt to reopen Redis in progress, if any (tests wait for it). */
  get recoveryAttempt(): Promise<void> | undefined {
    return this.recovering;
  }

  private now(): number {
    return (this.recovery?.now ?? (() => performance.now()))();
  }

  private secondary(): Promise<StateStore> | StateStore | undefined {
    if (this.mode.kind === 'primary') return undefined;
    return this.mode.secondary;
  }

  /** Switch once, however many operations fail at the same moment. */
  private switchOver(error: RedisStoreError): Promise<StateStore> {
    if (this.mode.kind !== 'primary') return Promise.resolve(this.mode.secondary);
    const reason = `${error.message}; ${this.fallbackNote}`;
    const secondary = (this.secondaryStore ??= this.openSecondary()).then((store) => {
      this.mode = { kind: 'secondary', reason, secondary: store };
      return store;
    });
    this.mode = { kind: 'switching', reason, secondary };
    this.fellAt = this.now();
    this.onWarning?.(reason);
    // Stop talking to the broken Redis (timers, sockets) so the process can exit promptly.
    this.primary.close().catch(() => undefined);
    return secondary;
  }

  /** On the file store with a recovery: try Redis again when the interval has passed. */
  private maybeRecover(): void {
    const recovery = this.recovery;
    if (!recovery || this.closed || this.mode.kind !== 'secondary' || this.recovering) return;
    const now = this.now();
    if (now - this.fellAt < recovery.everyMs) return;
    this.fellAt = now; // the next try, if this one fails, is everyMs from now
    this.recovering = recovery
      .reopen()
      .then(
        (redis) => {
          // closed meanwhile: nobody will close this connection later, so do it now
          if (this.closed) return void redis.close().catch(() => undefined);
          this.primary = redis;
          this.mode = { kind: 'primary' };
          this.onWarning?.(
            `${redis.where} answers again; using Redis again (what was written to the file store meanwhile stays there)`,
          );
        },
        () => undefined, // still down: stay on the file store, try again later
      )
      .finally(() => (this.recovering = undefined));
  }

  private async run<R>(op: (store: StateStore) => Promise<R>): Promise<R> {
    const fallen = this.secondary();
    if (fallen) {
      this.maybeRecover();
      return op(await fallen);
    }
    const primary = this.primary;
    try {
      return await op(primary);
    } catch (error) {
      if (!(error instanceof RedisStoreError)) throw error;
      // a Redis this store has already replaced (recovered meanwhile): just use the current one
      if (primary !== this.primary) return this.run(op);
      return op(await this.switchOver(error));
    }
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.run((store) => store.get<T>(key));
  }

  update<T>(key: string, fn: (current: T | undefined) => T | undefined, opts?: UpdateOptions): Promise<T | undefined> {
    return this.run((store) => store.update<T>(key, fn, opts));
  }

  list<T>(prefix: string): Promise<Record<string, T>> {
    return this.run((store) => store.list<T>(prefix));
  }

  // The ledger lives only in Redis: on the file store (fallen back) there is nothing to record or read.
  markServed(entry: ServedEntry): Promise<void> {
    return this.run(async (store) => store.markServed?.(entry));
  }

  servedEntry(job: string, slot: string): Promise<ServedEntry | undefined> {
    return this.run(async (store) => store.servedEntry?.(job, slot));
  }

  servedBetween(job: string, since: Date, until: Date): Promise<ServedEntry[]> {
    return this.run(async (store) => (await store.servedBetween?.(job, since, until)) ?? []);
  }

  /**
   * The local file lock first, always, then (while Redis answers) the Redis one: a run that started
   * while Redis was down holds only the local lock, and a run started after Redis came back must
   * still find it. Exclusion on one host never depends on Redis. A local lock that cannot be taken
   * at all (stateDir unwritable) is a warning while the Redis lock can speak for the fleet.
   */
  async tryLock(name: string): Promise<LockHandle | null> {
    let local: LockHandle | null | undefined;
    let localError: unknown;
    try {
      local = await (await this.localStore()).tryLock(name);
    } catch (error) {
      localError = error;
    }
    if (local === null) return null;
    const primary = this.primary;
    if (this.mode.kind !== 'primary' || primary.kind !== 'redis') {
      if (localError !== undefined) throw localError;
      return local!;
    }
    let remote: LockHandle | null;
    try {
      remote = await primary.tryLock(name);
    } catch (error) {
      if (!(error instanceof RedisStoreError)) {
        await local?.release();
        throw error;
      }
      if (primary === this.primary) await this.switchOver(error);
      if (localError !== undefined) throw localError;
      return local!;
    }
    if (!remote) {
      await local?.release();
      return null;
    }
    if (localError !== undefined)
      this.onWarning?.(
        `the local lock for ${name} could not be taken (${(localError as Error).message}); relying on the Redis lock alone`,
      );
    return bothLocks(local, remote);
  }

  async lockHolder(name: string): Promise<string | undefined> {
    try {
      return await (await this.localStore()).lockHolder?.(name);
    } catch {
      return undefined;
    }
  }

  /** The file store in stateDir, opened once (it holds the local half of every lock). */
  private localStore(): Promise<StateStore> {
    return (this.secondaryStore ??= this.openSecondary());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.recovering;
    const secondary = await this.secondaryStore?.catch(() => undefined);
    const stores = new Set([this.primary, ...(secondary ? [secondary] : [])]);
    await Promise.allSettled([...stores].map((store) => store.close()));
  }
}

/** A lock held in two places (local file, Redis) as one handle. */
function bothLocks(local: LockHandle | undefined, remote: LockHandle): LockHandle {
  return {
    release: async () => {
      try {
        await remote.release();
      } catch (error) {
        // Redis went away while we held the lock: its lease runs out by itself.
        if (!(error instanceof RedisStoreError)) throw error;
      } finally {
        await local?.release();
      }
    },
    stillHeld: async () => {
      const [here, there] = await Promise.all([local?.stillHeld?.() ?? true, remote.stillHeld?.() ?? true]);
      return here && there;
    },
    holdForGroup: (group) => local?.holdForGroup?.(group),
  };
}
