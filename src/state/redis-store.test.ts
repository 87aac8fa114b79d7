/**
 * The Redis store against a real redis-server (test/helpers/redis-server.ts): the StateStore
 * contract (store-contract.ts), many processes on "two hosts", lock leases, credentials, and falling back to the file
 * store when Redis is unreachable or dies mid-run. Child processes run the real sources,
 * transpiled once (no type check) into a folder under node_modules so `ioredis` resolves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileForWorkers } from '../../test/fixtures/state-harness.mjs';
import { freePort, redisTestsEnabled, startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';
import { FallbackStore, openStateStore, redisStoreOptions } from './open-store.js';
import { openFileStore } from './file-store.js';
import { RedisStoreError, describeRedisUrl, openRedisStore } from './redis-store.js';
import { runStoreContract, storeFixture } from './store-contract.js';

const enabled = redisTestsEnabled();
const ROOT = resolve(import.meta.dirname, '../..');
let server: RedisServer;
let prefixes = 0;
const uniquePrefix = () => `t${process.pid}-${++prefixes}:`;
// Generous bounds where the test is about semantics, not timeouts: CI shares two cores with
// other suites, and a starved event loop must not turn a slow reply into a timeout.
const patient = { connectTimeoutMs: 5000, commandTimeoutMs: 5000 };

beforeAll(async () => {
  if (enabled) server = await startRedisServer({ args: ['--notify-keyspace-events', 'KEA'] });
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!enabled)('RedisStore', () => {
  runStoreContract('redis', async () => {
    const keyPrefix = uniquePrefix();
    const open = (opts: { readOnly?: boolean } = {}) =>
      openRedisStore({ url: server.url, keyPrefix }, { ...patient, ...opts });
    return storeFixture(open);
  });

  // Redis answering: reads and writes go to Redis, locks to the local file store and Redis both
  runStoreContract('fallback over a live Redis', async () => {
    const keyPrefix = uniquePrefix();
    const stateDir = await mkdtemp(join(tmpdir(), 'lucy-ops-fallback-redis-'));
    const open = async (opts: { readOnly?: boolean } = {}) =>
      new FallbackStore(
        await openRedisStore({ url: server.url, keyPrefix }, { ...patient, ...opts }),
        () => openFileStore(stateDir, opts),
        'using the file store for this run',
      );
    return storeFixture(open, () => rm(stateDir, { recursive: true, force: true }));
  });

  it('keeps keys under its prefix, so two prefixes on one Redis never see each other', async () => {
    const a = await openRedisStore({ url: server.url, keyPrefix: uniquePrefix() }, patient);
    const b = await openRedisStore({ url: server.url, keyPrefix: uniquePrefix() }, patient);
    await a.update('breaker:x', () => 1);
    await a.update('a*[b]?', () => 2);
    expect(await b.get('breaker:x')).toBeUndefined();
    expect(await b.list('')).toEqual({});
    expect(await a.list('a*')).toEqual({ 'a*[b]?': 2 }); // glob characters in a prefix are literal
    expect(await a.list('a')).toEqual({ 'a*[b]?': 2 });
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps a held lock past its ttl by refreshing the lease, then frees it on release', async () => {
    // a 3 s lease, refreshed every second: it runs out only if this process's event loop stalls
    // for 2 s, which a loaded machine did to a 300 ms one (the lease expired, no refresh followed)
    const ttl = 3000;
    const holder = await openRedisStore({ url: server.url, keyPrefix: uniquePrefix() }, { ...patient, lockTtlMs: ttl });
    const rival = await openRedisStore({ url: server.url, keyPrefix: holder.keyPrefix }, patient);
    const events = await keyEvents(holder.lockKey('probe:p1'));
    const started = performance.now();
    const lock = await holder.tryLock('probe:p1');
    await events.next('expire', 4); // four refreshes: more than one whole ttl has passed
    expect(performance.now() - started).toBeGreaterThan(ttl);
    expect(await rival.tryLock('probe:p1')).toBeNull();
    await lock!.release();
    expect(await rival.tryLock('probe:p1')).not.toBeNull();
    await Promise.all([events.close(), holder.close(), rival.close()]);
  });

  it('names host:port/db without credentials in where and in every error', async () => {
    const secret = 's3cr3t-pa55';
    const locked = await startRedisServer({ password: secret });
    try {
      const store = await openRedisStore({ url: locked.url }, patient);
      expect(store.where).toBe(`redis://127.0.0.1:${locked.port}/0`);
      await store.close();
      const wrong = locked.url.replace(encodeURIComponent(secret), 'wr0ng-pa55');
      const error = await openRedisStore({ url: wrong }, patient).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisStoreError);
      expect(String((error as Error).message)).not.toMatch(/wr0ng-pa55|s3cr3t/);
      await expect(openRedisStore({ url: `redis://127.0.0.1:${locked.port}/0` }, patient)).rejects.toThrow(
        /unavailable: NOAUTH/,
      );
    } finally {
      await locked.stop();
    }
    expect(describeRedisUrl('redis://user:pass@cache.internal/3')).toBe('redis://cache.internal:6379/3');
    expect(describeRedisUrl('rediss://:pw@[::1]:6380')).toBe('rediss://[::1]:6380/0');
    expect(describeRedisUrl('not a url :pw@')).toBe('redis://(invalid URL)');
  });

  it('gives up on a silent Redis within the connect bound, and fails commands within the command bound', async () => {
    const frozen = await startRedisServer();
    try {
      const store = await openRedisStore({ url: frozen.url }, { connectTimeoutMs: 200, commandTimeoutMs: 200 });
      frozen.process.kill('SIGSTOP');
      let started = performance.now();
      await expect(store.update('k', () => 1)).rejects.toBeInstanceOf(RedisStoreError);
      expect(performance.now() - started).toBeLessThan(30_000); // bounded: unbounded, a frozen Redis holds it forever
      started = performance.now();
      await expect(
        openRedisStore({ url: frozen.url }, { connectTimeoutMs: 200, commandTimeoutMs: 200 }),
      ).rejects.toThrow(/unavailable/);
      expect(performance.now() - started).toBeLessThan(30_000); // bounded: unbounded, a frozen Redis holds it forever
      await store.close();
    } finally {
      frozen.process.kill('SIGCONT');
      await frozen.stop();
    }
  });
});

describe('a Redis that refuses the connection', () => {
  it('fails at once, not after its bounds, and leaves no timer or socket keeping the process alive', async () => {
    const port = await freePort(); // nothing listens there: the connection is refused
    const resources = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap');
    const before = resources().length;
    // bounds far longer than the test's own timeout: a refusal that waited for them would fail it
    const opening = openRedisStore(
      { url: `redis://127.0.0.1:${port}/0` },
      { connectTimeoutMs: 60_000, commandTimeoutMs: 60_000 },
    );
    await expect(opening).rejects.toThrow(/unavailable: .*ECONNREFUSED/);
    // a timer left behind (ioredis' disconnect wait, our own deadline) would hold a cron run open
    expect(resources().length).toBeLessThanOrEqual(before);
  });
});

describe.skipIf(!enabled)('openStateStore', () => {
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'lucy-redis-state-'));
  });
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("bounds connecting by the config's state.timeoutMs: a frozen Redis means the file store", async () => {
    const frozen = await startRedisServer();
    try {
      frozen.process.kill('SIGSTOP');
      const store = await openStateStore({
        stateDir,
        state: { redis: frozen.url, keyPrefix: uniquePrefix(), timeoutMs: 150 },
      });
      expect(store.kind).toBe('file');
      expect(store.fallback).toMatch(/unavailable: (?:Command timed out|connect ETIMEDOUT|no answer within)/);
      await store.close();
    } finally {
      frozen.process.kill('SIGCONT');
      await frozen.stop();
    }
  });

  it("takes its bounds from state.timeoutMs (1 s without it); a caller's own bounds win", () => {
    expect(redisStoreOptions({ timeoutMs: 150 }, {})).toMatchObject({ connectTimeoutMs: 150, commandTimeoutMs: 150 });
    expect(redisStoreOptions({}, {})).toMatchObject({ connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    expect(redisStoreOptions({ timeoutMs: 150 }, { commandTimeoutMs: 9 })).toMatchObject({
      connectTimeoutMs: 150,
      commandTimeoutMs: 9,
    });
  });

  it('uses the file store without state.redis, and Redis with it', async () => {
    const file = await openStateStore({ stateDir, state: { keyPrefix: 'lucy-ops:' } });
    expect([file.kind, file.where, file.fallback]).toEqual(['file', stateDir, undefined]);
    const redis = await openStateStore(
      { stateDir, state: { redisEnv: 'LUCY_TEST_REDIS', keyPrefix: uniquePrefix() } },
      {
        ...patient,
        env: { LUCY_TEST_REDIS: server.url },
      },
    );
    expect([redis.kind, redis.where, redis.fallback]).toEqual([
      'redis',
      `redis://127.0.0.1:${server.port}/0`,
      undefined,
    ]);
    // The caller's own error is not a Redis failure: it passes through and the store stays on Redis.
    await expect(
      redis.update('k', () => {
        throw new Error('caller bug');
      }),
    ).rejects.toThrow('caller bug');
    expect([redis.kind, redis.fallback]).toEqual(['redis', undefined]);
    await Promise.all([file.close(), redis.close()]);
  });

  it('falls back to the file store, with one warning, when Redis is unreachable or its env var is unset', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const store = await openStateStore(
      { stateDir, state: { redis: `redis://admin:hunter22@127.0.0.1:${port}/0`, keyPrefix: 'p:' } },
      { onWarning: (w) => warnings.push(w) },
    );
    expect([store.kind, store.where]).toEqual(['file', stateDir]);
    expect(store.fallback).toMatch(new RegExp(`redis://127.0.0.1:${port}/0 unavailable.*file store`));
    expect(warnings).toEqual([store.fallback]);
    expect(warnings.join()).not.toContain('hunter22');
    expect(await store.update('k', () => 'written to file')).toBe('written to file');
    const unset = await openStateStore(
      { stateDir, state: { redisEnv: 'LUCY_UNSET_VAR', keyPrefix: 'p:' } },
      { env: {} },
    );
    expect([unset.kind, unset.fallback]).toEqual(['file', expect.stringContaining('LUCY_UNSET_VAR')]);
    await Promise.all([store.close(), unset.close()]);
  });

  it('moves the rest of the run to the file store when Redis dies mid-run, without hanging or losing the run', async () => {
    const doomed = await startRedisServer();
    const warnings: string[] = [];
    const store = (await openStateStore(
      { stateDir, state: { redis: doomed.url, keyPrefix: 'mid:' } },
      {
        // bounds far above the wait asserted below: the dead Redis is given up at once, not by a timeout
        connectTimeoutMs: 120_000,
        commandTimeoutMs: 120_000,
        onWarning: (w) => warnings.push(w),
      },
    )) as FallbackStore;
    expect(await store.update<number>('breaker:a', (n) => (n ?? 0) + 1)).toBe(1);
    const lock = await store.tryLock('generate:blog:slot');
    expect(lock).not.toBeNull();
    await doomed.kill();
    const started = performance.now();
    const results = await Promise.all([
      store.update<number>('breaker:b', (n) => (n ?? 0) + 1),
      store.update<number>('breaker:b', (n) => (n ?? 0) + 1),
      store.get('breaker:a'),
    ]);
    expect(results).toEqual([expect.any(Number), expect.any(Number), undefined]); // file store: a is not there
    expect(await store.get('breaker:b')).toBe(2);
    expect(performance.now() - started).toBeLessThan(30_000); // a closed socket fails at once
    await lock!.release(); // Redis is gone: the lease just runs out, no error for the run
    expect(warnings).toHaveLength(1);
    expect([store.kind, store.where, store.fallback]).toEqual(['file', stateDir, warnings[0]]);
    expect(warnings[0]).toMatch(/failed.*file store/);
    await expect(
      store.update('k', () => {
        throw new Error('caller bug');
      }),
    ).rejects.toThrow('caller bug');
    await store.close();
    await doomed.stop();
  });
});

describe.skipIf(!enabled)('a long-lived process and a Redis that comes back (retryRedisEveryMs)', () => {
  it('goes back to Redis once it answers again, trying at most every interval', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'lucy-redis-back-'));
    const port = await freePort();
    const first = await startRedisServer({ port });
    let redis = first;
    let now = 0;
    const warnings: string[] = [];
    const store = (await openStateStore(
      { stateDir, state: { redis: redis.url, keyPrefix: 'back:' } },
      {
        ...patient,
        onWarning: (w) => warnings.push(w),
        retryRedisEveryMs: 30_000,
        now: () => now,
      },
    )) as FallbackStore;
    try {
      await redis.kill();
      expect(await store.update('breaker:a', () => 'on file')).toBe('on file');
      expect([store.kind, warnings.length]).toEqual(['file', 1]);
      expect(warnings[0]).toContain('until Redis answers again');

      // still down when the interval has passed: one attempt, which fails; still on the file store
      now += 30_000;
      const read = store.get('breaker:a'); // starts the attempt at once (a refused connect may end it before the read)
      const attempt = store.recoveryAttempt;
      expect(attempt).toBeDefined();
      await Promise.all([read, attempt]);
      expect(store.kind).toBe('file');

      redis = await startRedisServer({ port }); // back, on the same address (and empty)
      now += 29_999;
      await store.get('breaker:a');
      expect(store.recoveryAttempt).toBeUndefined(); // too soon after the failed attempt
      now += 1;
      expect(await store.get('breaker:a')).toBe('on file'); // this read still goes to the file store
      await store.recoveryAttempt;
      expect([store.kind, store.fallback]).toEqual(['redis', undefined]);
      expect(warnings[1]).toMatch(/answers again; using Redis again/);

      // later operations are on Redis: another client of it sees them
      await store.update('breaker:b', () => 'on redis');
      const direct = await openRedisStore({ url: redis.url, keyPrefix: 'back:' }, patient);
      expect(await direct.get('breaker:b')).toBe('on redis');
      expect(await store.get('breaker:a')).toBeUndefined(); // what went to the file store stayed there
      await direct.close();
    } finally {
      await store.close();
      await Promise.all([first.stop(), redis.stop()]);
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!enabled)('a long-lived process started while Redis was down', () => {
  it('does not promise to retry a redisEnv variable that is unset (it stays unset for the process)', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'lucy-redis-unset-'));
    const store = await openStateStore(
      { stateDir, state: { redisEnv: 'LUCY_UNSET_VAR', keyPrefix: 'p:' } },
      { env: {}, retryRedisEveryMs: 30_000 },
    );
    expect(store.fallback).toMatch(/LUCY_UNSET_VAR.*; using the file store in .* for this process$/);
    await store.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('moves to Redis once it is up, and back to the file store (with the same note) if it dies again', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'lucy-redis-late-'));
    const port = await freePort();
    let now = 0;
    const warnings: string[] = [];
    const store = (await openStateStore(
      { stateDir, state: { redis: `redis://127.0.0.1:${port}/0`, keyPrefix: 'late:' } },
      {
        ...patient,
        onWarning: (w) => warnings.push(w),
        retryRedisEveryMs: 30_000,
        now: () => now,
      },
    )) as FallbackStore;
    const redis = await startRedisServer({ port });
    try {
      expect(store.kind).toBe('file');
      now += 30_000;
      await store.get('k');
      await store.recoveryAttempt;
      expect(store.kind).toBe('redis');
      await redis.kill();
      expect(await store.update('k', () => 'on file again')).toBe('on file again');
      expect([store.kind, warnings.length]).toEqual(['file', 3]);
      expect(warnings[2]).toMatch(/; using the file store in .* until Redis answers again$/);

      // once closed, no operation starts a recovery (its connection would never be closed)
      await store.close();
      await startRedisServer({ port }).then(async (again) => {
        try {
          now += 60_000;
          await store.get('k');
          expect([store.recoveryAttempt, store.kind]).toEqual([undefined, 'file']);
        } finally {
          await again.stop();
        }
      });
    } finally {
      await store.close();
      await redis.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!enabled)('many processes on two hosts, one Redis', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await transpileForChildren();
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('50 processes: no increment lost, the breaker trips once, exactly one probe lease', async () => {
    const hosts = [mkdtempSync(join(tmpdir(), 'lucy-host-a-')), mkdtempSync(join(tmpdir(), 'lucy-host-b-'))];
    const keyPrefix = uniquePrefix();
    const children = Array.from({ length: 50 }, (_, i) =>
      spawnChild(outDir, ['fleet', server.url, hosts[i % 2], keyPrefix, 'deepseek']),
    );
    try {
      const reports = (await Promise.all(children.map(firstLine))).map((line) => JSON.parse(line));
      expect(reports.every((r) => r.kind === 'redis' && r.warnings.length === 0)).toBe(true);
      expect(reports.filter((r) => r.tripped)).toHaveLength(1);
      expect(reports.filter((r) => r.probe)).toHaveLength(1);
      const store = await openRedisStore({ url: server.url, keyPrefix }, patient);
      expect(await store.get('breaker:deepseek')).toEqual({ failures: 250 });
      await store.close();
      for (const dir of hosts) expect(existsSync(join(dir, 'state.json'))).toBe(false);
      await Promise.all(children.map(exitCode)).then((codes) => expect(codes.every((c) => c === 0)).toBe(true));
    } finally {
      for (const child of children) child.kill('SIGKILL');
      for (const dir of hosts) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lock whose holder was killed with -9 frees itself within the ttl', async () => {
    const keyPrefix = uniquePrefix();
    // a 3 s lease, refreshed every second while held: at the kill at least 2 s of it are left, so
    // the rival's try below comes inside it on a loaded machine too
    const holder = spawnChild(outDir, ['hold', server.url, tmpdir(), keyPrefix, 'generate:blog:slot', '3000']);
    expect(JSON.parse(await firstLine(holder))).toEqual({ locked: true });
    const store = await openRedisStore({ url: server.url, keyPrefix }, patient);
    const key = store.lockKey('generate:blog:slot');
    const events = await keyEvents(key);
    const raw = new Redis(server.url);
    holder.kill('SIGKILL');
    expect(await store.tryLock('generate:blog:slot')).toBeNull(); // the lease outlives the holder briefly
    // what is left of it is at most the holder's ttl, not the 15 s default, as Redis itself counts
    // it (-2: already gone; -1, a lock without a lease, would never free itself)
    const left = await raw.pttl(key);
    expect(left).not.toBe(-1);
    expect(left).toBeLessThanOrEqual(3000);
    await events.next('expired', 1);
    expect(await store.tryLock('generate:blog:slot')).not.toBeNull();
    await Promise.all([events.close(), store.close(), raw.quit()]);
  });
});

/** Keyspace notifications for one key (the server runs with notify-keyspace-events KEA). */
async function keyEvents(key: string) {
  const sub = new Redis(server.url);
  const seen: string[] = [];
  let wake = () => {};
  sub.on('message', (_channel: string, event: string) => {
    seen.push(event);
    wake();
  });
  await sub.subscribe(`__keyspace@0__:${key}`);
  return {
    /** Waits for the count-th `event`; fails at once if the key expired (a lease let run out) first. */
    async next(event: string, count: number) {
      while (seen.filter((e) => e === event).length < count) {
        if (seen.includes('expired')) throw new Error(`${key} expired before ${count} "${event}" events`);
        await new Promise<void>((r) => (wake = r));
      }
    },
    close: async () => void sub.disconnect(),
  };
}

const CHILD = `
import { openStateStore } from './state/open-store.js';
const [mode, url, stateDir, keyPrefix, name, ttl] = process.argv.slice(2);
const warnings = [];
const store = await openStateStore({ stateDir, state: { redis: url, keyPrefix } }, {
  onWarning: (w) => warnings.push(w), lockTtlMs: Number(ttl) || 15000, connectTimeoutMs: 5000, commandTimeoutMs: 5000,
});
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
process.stdin.resume();
if (mode === 'fleet') {
  // A breaker-like counter: 5 failures each; the update that reaches 3 is the one that trips.
  let tripped = false;
  for (let i = 0; i < 5; i++) {
    const after = await store.update('breaker:' + name, (cur) => ({ failures: (cur?.failures ?? 0) + 1 }));
    if (after.failures === 3) tripped = true;
  }
  const probe = await store.tryLock('probe:' + name);
  say({ tripped, probe: probe !== null, kind: store.kind, warnings });
  process.stdin.on('end', async () => { await probe?.release(); await store.close(); process.stdin.pause(); });
} else {
  say({ locked: (await store.tryLock(name)) !== null });
}
`;

/** open-store.ts and everything it imports, transpiled under node_modules/.cache (so `ioredis` resolves). */
async function transpileForChildren(): Promise<string> {
  const out = await compileForWorkers(['src/state/open-store.ts'], { parent: join(ROOT, 'node_modules', '.cache') });
  writeFileSync(join(out, 'child.mjs'), CHILD);
  return out;
}

function spawnChild(outDir: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [join(outDir, 'child.mjs'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    createInterface({ input: child.stdout! }).once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`child exited ${code} before reporting:\n${stderr}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  child.stdin!.end();
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveCode) => child.once('exit', (code) => resolveCode(code)));
}
