/**
 * Which state store a run uses. The file store in `stateDir` unless `state.redis` (or
 * `state.redisEnv`) names a Redis. Redis failing never fails the run: when it is unreachable at
 * start, or dies mid-run, the run continues on the local file store (a FallbackStore), the caller
 * gets one warning, and `fallback` says why (for `breaker status` and the warning record).
 */
import type { ResolvedConfig, StateConfig } from '../config/types.js';
import type { LockHandle, StateStore, UpdateOptions } from './types.js';
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

async function openFile(stateDir: string, onWarning?: (message: string) => void): Promise<StateStore> {
  const { openFileStore } = await import('./file-store.js');
  return openFileStore(stateDir, { onWarning });
}

/** Only `state` and `stateDir` of the config matter here. */
export async function openStateStore(
  config: Pick<ResolvedConfig, 'state' | 'stateDir'>,
  opts: OpenStoreOptions = {},
): Promise<OpenedStore> {
  const target = redisTarget(config.state, opts.env);
  const openSecondary = () => openFile(config.stateDir, opts.onWarning);
  if (target.kind === 'none') return openSecondary();
  const fallbackNote = `using the file store in ${config.stateDir} for this run`;
  if (target.kind === 'missing') {
    return FallbackStore.alreadyFallenBack(await openSecondary(), `${target.reason}; ${fallbackNote}`, opts.onWarning);
  }
  try {
    const redis = await openRedisStore({ url: target.url, keyPrefix: config.state.keyPrefix }, opts);
    return new FallbackStore(redis, openSecondary, fallbackNote, opts.onWarning);
  } catch (error) {
    // RedisStoreError messages are already free of credentials; anything else gets a generic one.
    const why = error instanceof RedisStoreError ? error.message : `redis ${describeRedisUrl(target.url)} could not be opened`;
    return FallbackStore.alreadyFallenBack(await openSecondary(), `${why}; ${fallbackNote}`, opts.onWarning);
  }
}

type Mode =
  | { kind: 'primary' }
  | { kind: 'switching'; reason: string; secondary: Promise<StateStore> }
  | { kind: 'secondary'; reason: string; secondary: StateStore };

/**
 * Uses the primary (Redis) store until one of its operations fails with a RedisStoreError, then
 * the secondary (file) store for every later operation, including the one that failed. Errors
 * thrown by an update's own `fn` are the caller's and pass through untouched.
 */
export class FallbackStore implements OpenedStore {
  private mode: Mode = { kind: 'primary' };

  constructor(
    private readonly primary: StateStore,
    private readonly openSecondary: () => Promise<StateStore>,
    private readonly fallbackNote: string,
    private readonly onWarning?: (message: string) => void,
  ) {}

  /** A store that is the secondary from the start (Redis was unreachable when the run began). */
  static alreadyFallenBack(secondary: StateStore, reason: string, onWarning?: (message: string) => void): OpenedStore {
    onWarning?.(reason);
    const store = new FallbackStore(secondary, async () => secondary, '', undefined);
    store.mode = { kind: 'secondary', reason, secondary };
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

  private secondary(): Promise<StateStore> | StateStore | undefined {
    if (this.mode.kind === 'primary') return undefined;
    return this.mode.secondary;
  }

  /** Switch once, however many operations fail at the same moment. */
  private switchOver(error: RedisStoreError): Promise<StateStore> {
    if (this.mode.kind !== 'primary') return Promise.resolve(this.mode.secondary);
    const reason = `${error.message}; ${this.fallbackNote}`;
    const secondary = this.openSecondary().then((store) => {
      this.mode = { kind: 'secondary', reason, secondary: store };
      return store;
    });
    this.mode = { kind: 'switching', reason, secondary };
    this.onWarning?.(reason);
    // Stop talking to the broken Redis (timers, sockets) so the process can exit promptly.
    this.primary.close().catch(() => undefined);
    return secondary;
  }

  private async run<R>(op: (store: StateStore) => Promise<R>): Promise<R> {
    const fallen = this.secondary();
    if (fallen) return op(await fallen);
    try {
      return await op(this.primary);
    } catch (error) {
      if (!(error instanceof RedisStoreError)) throw error;
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

  async tryLock(name: string): Promise<LockHandle | null> {
    const fromPrimary = this.mode.kind === 'primary';
    const handle = await this.run((store) => store.tryLock(name));
    if (!handle || !fromPrimary) return handle;
    return {
      release: async () => {
        try {
          await handle.release();
        } catch (error) {
          // Redis went away while we held the lock: its lease runs out by itself.
          if (!(error instanceof RedisStoreError)) throw error;
        }
      },
    };
  }

  async close(): Promise<void> {
    const secondary = await this.secondary();
    const stores = new Set([this.primary, ...(secondary ? [secondary] : [])]);
    await Promise.allSettled([...stores].map((store) => store.close()));
  }
}
