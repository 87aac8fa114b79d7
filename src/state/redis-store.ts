/**
 * The Redis state store (`state.redis`): the same semantics as the file store, shared by every
 * host that points at the same Redis and key prefix.
 *
 * - update(): optimistic compare-and-set. Read the raw value, run `fn` in JS, then a Lua script
 *   writes only if the value is still what was read; on a conflict, read again and call `fn` again
 *   (so `fn` may run more than once; it must be pure). No connection state (unlike WATCH), so many
 *   concurrent updates can share one connection.
 * - tryLock(): `SET key token NX PX ttl`, refreshed every ttl/3 while held (compare-and-pexpire),
 *   released by compare-and-delete. A holder killed with -9 frees the name after at most the ttl.
 * - Never hangs: bounded connect and command timeouts, no offline queue, no reconnect loop. Any
 *   Redis failure surfaces as a RedisStoreError, which the FallbackStore (open-store.ts) turns into
 *   "use the file store for the rest of this run".
 * - Credentials never leave this file: `where` and every error message name host:port/db only.
 */
import { ReadOnlyStoreError } from './read-only.js';
import { scrubSecrets, urlSecrets } from '../log/scrub.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { realSleep } from '../clock.js';
import type { LockHandle, ServedEntry, StateStore, UpdateOptions } from './types.js';

export interface RedisLocation {
  /** redis://[user:pass@]host[:port][/db] or rediss://... */
  url: string;
  /** Prepended to every key, so several deployments can share one Redis. Default 'lucy-ops:'. */
  keyPrefix?: string;
}

export interface RedisStoreOptions {
  /** Most the TCP connect + handshake may take. Default 1000. */
  connectTimeoutMs?: number;
  /** Most one command may take. Default 1000. */
  commandTimeoutMs?: number;
  /** Lease of a lock; refreshed every ttl/3 while held. Default 15000. */
  lockTtlMs?: number;
  /** Only read: update and tryLock throw ReadOnlyStoreError without a command sent. */
  readOnly?: boolean;
}

export const DEFAULT_KEY_PREFIX = 'lucy-ops:';
/** How far behind the newest slot written the shared ledger keeps served slots: older windows read the logs. */
export const LEDGER_RETENTION_MS = 90 * 86_400_000;
const UPDATE_MAX_ATTEMPTS = 200;

/** A Redis failure (unreachable, timeout, closed, refused). Its message never carries credentials. */
export class RedisStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisStoreError';
  }
}

/** `redis://host:port/db` (or rediss://) without user or password; never echoes an invalid URL. */
export function describeRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'redis://(invalid URL)';
  }
  const scheme = url.protocol === 'rediss:' ? 'rediss' : 'redis';
  const db = url.pathname.replace(/^\//, '') || url.searchParams.get('db') || '0';
  return `${scheme}://${url.hostname || 'localhost'}:${url.port || '6379'}/${db}`;
}

// KEYS[1] key; ARGV: expectPresent('1'|'0'), expected raw, write('1'|'0'), new raw
const COMPARE_AND_SET = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then return 0 end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4]) else redis.call('DEL', KEYS[1]) end
return 1`;
const COMPARE_AND_PEXPIRE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface ScriptedClient extends RedisClient {
  lucyCompareAndSet(key: string, present: string, expected: string, write: string, next: string): Promise<number>;
  lucyCompareAndPexpire(key: string, token: string, ttlMs: number): Promise<number>;
  lucyCompareAndDelete(key: string, token: string): Promise<number>;
}

function parse<T>(raw: string | null): T | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined; // a foreign or corrupt value reads as absent; update() still replaces it atomically
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Connect with bounded time; throws RedisStoreError (no credentials) when Redis is not there. */
export async function openRedisStore(location: RedisLocation, options: RedisStoreOptions = {}): Promise<RedisStore> {
  const where = describeRedisUrl(location.url);
  const secrets = urlSecrets(location.url);
  if (!/^rediss?:\/\//i.test(location.url) || where.includes('(invalid URL)')) {
    throw new RedisStoreError(`state.redis must be a redis:// or rediss:// URL (got ${where})`);
  }
  // ioredis would SELECT it after connecting: a name or an out-of-range number fails there as an
  // uncaught ReplyError (or a bad name silently means db 0)
  const db = new URL(location.url).pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db)) {
    throw new RedisStoreError(`redis ${where} unavailable: the database must be a number from 0 to 15`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const { Redis } = await import('ioredis');
  const client = new Redis(location.url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // No reconnect loop: a dead Redis ends this client, and the caller falls back for the run.
    retryStrategy: () => null,
    // ioredis waits this long for a closing socket before destroying it, and its timer keeps the
    // process alive: with the default (2 s) every command ran 2 s late whenever Redis was down
    disconnectTimeout: 100,
    connectionName: `lucy-ops:${hostname()}:${process.pid}`,
  }) as ScriptedClient;
  let lastError = '';
  client.on('error', (error: Error) => {
    lastError = scrubSecrets(error.message, secrets); // kept for messages; the listener also silences ioredis' console noise
  });
  client.defineCommand('lucyCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
  client.defineCommand('lucyCompareAndPexpire', { numberOfKeys: 1, lua: COMPARE_AND_PEXPIRE });
  client.defineCommand('lucyCompareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // The socket timeout covers TCP connect; this also bounds AUTH/SELECT/ready check.
    timer = setTimeout(
      () => reject(new Error(`no answer within ${connectTimeoutMs + commandTimeoutMs} ms`)),
      connectTimeoutMs + commandTimeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    if (client.status !== 'end') client.disconnect(); // a refused connection is closed already
    const detail = lastError || (error instanceof Error ? error.message : String(error));
    throw new RedisStoreError(`redis ${where} unavailable: ${scrubSecrets(detail, secrets)}`);
  } finally {
    clearTimeout(timer);
  }
  return new RedisStore(
    client,
    where,
    location.keyPrefix ?? DEFAULT_KEY_PREFIX,
    secrets,
    options.lockTtlMs ?? 15_000,
    options.readOnly ?? false,
  );
}

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  /** Release functions of the locks this store holds, so close() can drop them. */
  private readonly heldLocks = new Set<() => Promise<void>>();

  constructor(
    private readonly client: ScriptedClient,
    readonly where: string,
    readonly keyPrefix: string,
    private readonly secrets: string[],
    private readonly lockTtlMs: number,
    private readonly readOnly = false,
  ) {}

  private valueKey(key: string): string {
    return `${this.keyPrefix}v:${key}`;
  }

  /** The Redis key of a lock (tests watch it). */
  lockKey(name: string): string {
    return `${this.keyPrefix}lock:${name}`;
  }

  /** Run one Redis call; any failure becomes a RedisStoreError without credentials. */
  private async call<R>(what: string, op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RedisStoreError(`redis ${this.where} ${what} failed: ${scrubSecrets(message, this.secrets)}`);
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    return parse<T>(await this.call('GET', () => this.client.get(this.valueKey(key))));
  }

  async update<T>(
    key: string,
    fn: (current: T | undefined) => T | undefined,
    opts: UpdateOptions = {},
  ): Promise<T | undefined> {
    if (this.readOnly) throw new ReadOnlyStoreError(`update ${key}`, this.where);
    const redisKey = this.valueKey(key);
    for (let attempt = 0; attempt < UPDATE_MAX_ATTEMPTS; attempt++) {
      opts.signal?.throwIfAborted(); // each command is bounded by its own timeout; a retry is not
      const raw = await this.call('GET', () => this.client.get(redisKey));
      const next = fn(parse<T>(raw)); // the caller's errors propagate as they are
      const nextRaw = next === undefined ? null : JSON.stringify(next);
      if (nextRaw === raw) return next; // nothing to write; the read was a consistent snapshot
      const written = await this.call('update', () =>
        this.client.lucyCompareAndSet(
          redisKey,
          raw === null ? '0' : '1',
          raw ?? '',
          nextRaw === null ? '0' : '1',
          nextRaw ?? '',
        ),
      );
      if (written === 1) return next;
      // Lost a race: back off a little (jittered, growing) so many hosts do not retry in lockstep.
      await realSleep(Math.random() * Math.min(2 ** attempt, 20), opts.signal);
    }
    throw new RedisStoreError(
      `redis ${this.where} update of ${key} kept conflicting (${UPDATE_MAX_ATTEMPTS} attempts)`,
    );
  }

  async list<T>(prefix: string): Promise<Record<string, T>> {
    const match = `${escapeGlob(this.valueKey(prefix))}*`;
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [nextCursor, batch] = await this.call('SCAN', () => this.client.scan(cursor, 'MATCH', match, 'COUNT', 500));
      for (const key of batch) keys.add(key);
      cursor = nextCursor;
    } while (cursor !== '0');
    const all = [...keys].sort();
    const out: Record<string, T> = {};
    const strip = this.valueKey('').length;
    for (let i = 0; i < all.length; i += 500) {
      const chunk = all.slice(i, i + 500);
      const values = await this.call('MGET', () => this.client.mget(...chunk));
      chunk.forEach((redisKey, j) => {
        const value = parse<T>(values[j] ?? null);
        if (value !== undefined) out[redisKey.slice(strip)] = value;
      });
    }
    return out;
  }

  /** The Redis key of a job's served-slot ledger: a sorted set, score = slot ms, member = entry JSON. */
  servedKey(job: string): string {
    return `${this.keyPrefix}served:${job}`;
  }

  async markServed(entry: ServedEntry): Promise<void> {
    const key = this.servedKey(entry.job);
    const slotMs = Date.parse(entry.slot);
    // one round trip: add, and drop slots more than the retention older than this one, so the set
    // stays bounded (by slot time, not the clock: replays and backfills of old slots keep theirs)
    await this.call('ledger write', () =>
      this.client
        .multi()
        .zadd(key, slotMs, JSON.stringify(entry))
        .zremrangebyscore(key, '-inf', `(${slotMs - LEDGER_RETENTION_MS}`)
        .exec()
        .then((replies) => {
          const failed = replies?.find(([error]) => error);
          if (failed) throw failed[0];
        }),
    );
  }

  async servedEntry(job: string, slot: string): Promise<ServedEntry | undefined> {
    const slotMs = Date.parse(slot);
    const members = await this.call('ledger read', () =>
      this.client.zrangebyscore(this.servedKey(job), slotMs, slotMs, 'LIMIT', 0, 1),
    );
    return members.length ? parse<ServedEntry>(members[0]) : undefined;
  }

  async servedBetween(job: string, since: Date, until: Date): Promise<ServedEntry[]> {
    const members = await this.call('ledger read', () =>
      this.client.zrangebyscore(this.servedKey(job), since.getTime(), until.getTime()),
    );
    return members.map((m) => parse<ServedEntry>(m)).filter((e): e is ServedEntry => e !== undefined);
  }

  async tryLock(name: string): Promise<LockHandle | null> {
    if (this.readOnly) throw new ReadOnlyStoreError(`lock ${name}`, this.where);
    const key = this.lockKey(name);
    const token = `${hostname()}:${process.pid}:${randomUUID()}`;
    const ttl = this.lockTtlMs;
    const got = await this.call('lock', () => this.client.set(key, token, 'PX', ttl, 'NX'));
    if (got !== 'OK') return null;
    // Extend the lease while held; unref so a held lock never keeps the process alive.
    let lost = false;
    const refresh = setInterval(
      () => {
        this.client.lucyCompareAndPexpire(key, token, ttl).then(
          (kept) => {
            if (kept !== 1) {
              lost = true;
              clearInterval(refresh); // expired or taken over: nothing left to extend
            }
          },
          () => undefined, // Redis down: the lease simply runs out
        );
      },
      Math.max(10, Math.floor(ttl / 3)),
    );
    refresh.unref();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      clearInterval(refresh);
      this.heldLocks.delete(release);
      await this.call('unlock', () => this.client.lucyCompareAndDelete(key, token));
    };
    this.heldLocks.add(release);
    const stillHeld = async () => {
      if (released || lost) return false;
      try {
        return (await this.client.get(key)) === token;
      } catch {
        return true; // Redis cannot say: do not claim a loss (the local lock still speaks for this host)
      }
    };
    return { release, stillHeld };
  }

  async close(): Promise<void> {
    // Like the file store: close() drops the locks still held (best effort; leases expire anyway).
    await Promise.allSettled([...this.heldLocks].map((release) => release()));
    if (this.client.status === 'end') return;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
