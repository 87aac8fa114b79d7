import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileForWorkers, startWorker } from '../../test/fixtures/state-harness.mjs';
import { ManualClock } from '../clock.js';
import { openFileStore } from '../state/file-store.js';
import { openRedisStore } from '../state/redis-store.js';
import type { StateStore } from '../state/types.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';
import { Breakers, toRecord, type BreakerPolicy } from './breaker.js';

const policy: BreakerPolicy = { failureThreshold: 3, cooldownMs: 300_000, trialLeaseMs: 30_000 };
const T0 = Date.parse('2025-04-19T14:14:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function setup(p: BreakerPolicy = policy) {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-breaker-'));
  dirs.push(dir);
  const store = await openFileStore(dir);
  const clock = new ManualClock(T0);
  return { dir, store, clock, breakers: new Breakers(store, p, clock) };
}

async function tripIt(breakers: Breakers, provider = 'deepseek-v3') {
  await breakers.recordFailure(provider, 'http-503');
  await breakers.recordFailure(provider, 'http-503');
  return breakers.recordFailure(provider, 'timeout');
}

describe('Breakers: closed', () => {
  it('allows calls and counts failures below the threshold; a success resets the count', async () => {
    const { breakers, store } = await setup();
    expect(await breakers.acquire('p')).toEqual({ allow: true, trial: false });
    expect(await breakers.recordFailure('p', 'http-503')).toBeUndefined();
    expect(await breakers.recordFailure('p', 'http-429')).toBeUndefined();
    expect(await breakers.status(['p'])).toEqual([
      {
        provider: 'p',
        state: 'closed',
        consecutiveFailures: 2,
        lastError: 'http-429',
        lastFailureAt: at(T0),
        failingSince: at(T0),
      },
    ]);
    expect(await breakers.recordSuccess('p')).toBeUndefined();
    expect(await store.get('breaker:p')).toBeUndefined(); // healthy = no record at all
    // Two more failures do not trip it: the count started again from zero.
    await breakers.recordFailure('p', 'http-503');
    await breakers.recordFailure('p', 'http-503');
    expect((await breakers.status(['p']))[0]).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
  });

  it('opens at the threshold for cooldownMs, and an open breaker refuses without writing', async () => {
    const { breakers, dir, clock } = await setup();
    clock.advance(-20_000); // the incident's first failure, 20 s before the one that opens it
    await breakers.recordFailure('deepseek-v3', 'http-503');
    clock.advance(10_000);
    await breakers.recordFailure('deepseek-v3', 'http-503');
    clock.advance(10_000);
    expect(await breakers.recordFailure('deepseek-v3', 'timeout')).toEqual({
      provider: 'deepseek-v3',
      from: 'closed',
      to: 'open',
    });
    const retryAt = at(T0 + 300_000);
    expect((await breakers.status(['deepseek-v3']))[0]).toEqual({
      provider: 'deepseek-v3',
      state: 'open',
      consecutiveFailures: 3,
      openedAt: at(T0),
      retryAt,
      downSince: at(T0 - 20_000),
      lastError: 'timeout',
    });
    const before = await stat(join(dir, 'state.json'));
    clock.advance(299_999);
    expect(await breakers.acquire('deepseek-v3')).toEqual({ allow: false, retryAt, state: 'open' });
    expect((await stat(join(dir, 'state.json'))).ino).toBe(before.ino);
  });

  it('status reports unknown providers as closed and unreadable records as closed', async () => {
    const { breakers, store } = await setup();
    await store.update('breaker:weird', () => ({ state: 'sideways' }));
    expect(await breakers.status(['never-seen', 'weird'])).toEqual([
      { provider: 'never-seen', state: 'closed', consecutiveFailures: 0 },
      { provider: 'weird', state: 'closed', consecutiveFailures: 0 },
    ]);
    expect(toRecord({ state: 'open', consecutiveFailures: 3 })).toEqual({ state: 'closed', consecutiveFailures: 0 });
  });
});

describe('Breakers: after the cooldown', () => {
  it('gives exactly one of many concurrent callers (two store handles) the trial', async () => {
    const { breakers, clock, dir } = await setup();
    await tripIt(breakers);
    clock.advance(300_000);
    const second = new Breakers(await openFileStore(dir), policy, clock);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? second : breakers).acquire('deepseek-v3')),
    );
    const trials = results.filter((r) => r.allow);
    expect(trials).toEqual([
      { allow: true, trial: true, transition: { provider: 'deepseek-v3', from: 'open', to: 'half-open' } },
    ]);
    const trialUntil = at(T0 + 300_000 + 30_000);
    for (const r of results.filter((r) => !r.allow))
      expect(r).toEqual({ allow: false, retryAt: trialUntil, state: 'half-open' });
    expect((await breakers.status(['deepseek-v3']))[0]).toMatchObject({
      state: 'half-open',
      trialUntil,
      openedAt: at(T0),
    });
  });

  it('closes when the trial succeeds', async () => {
    const { breakers, clock, store } = await setup();
    await tripIt(breakers);
    clock.advance(300_000);
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: true, trial: true });
    expect(await breakers.recordSuccess('deepseek-v3')).toEqual({
      provider: 'deepseek-v3',
      from: 'half-open',
      to: 'closed',
    });
    expect(await store.get('breaker:deepseek-v3')).toBeUndefined();
    expect(await breakers.acquire('deepseek-v3')).toEqual({ allow: true, trial: false });
  });

  it('re-opens for a full cooldown when the trial fails: trip, cooldown, failed trial, cooldown again', async () => {
    const { breakers, clock } = await setup();
    await tripIt(breakers); // 14:14:00 open until 14:19:00
    clock.set('2025-04-19T14:19:05.000Z');
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: true, trial: true });
    clock.set('2025-04-19T14:19:35.000Z'); // the trial timed out after 30 s
    expect(await breakers.recordFailure('deepseek-v3', 'timeout')).toEqual({
      provider: 'deepseek-v3',
      from: 'half-open',
      to: 'open',
    });
    expect((await breakers.status(['deepseek-v3']))[0]).toEqual({
      provider: 'deepseek-v3',
      state: 'open',
      consecutiveFailures: 4,
      openedAt: '2025-04-19T14:19:35.000Z',
      retryAt: '2025-04-19T14:24:35.000Z',
      downSince: '2025-04-19T14:14:00.000Z', // the incident's start, not the failed trial
      lastError: 'timeout',
    });
    clock.set('2025-04-19T14:24:34.999Z');
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: false, state: 'open' });
    clock.set('2025-04-19T14:24:35.000Z');
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: true, trial: true });
  });

  it('re-grants the trial when the holder’s lease expired (it died), to one caller', async () => {
    const { breakers, clock } = await setup();
    await tripIt(breakers);
    clock.advance(300_000);
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: true, trial: true });
    clock.advance(29_999);
    expect(await breakers.acquire('deepseek-v3')).toMatchObject({ allow: false, state: 'half-open' });
    clock.advance(1);
    const [a, b] = await Promise.all([breakers.acquire('deepseek-v3'), breakers.acquire('deepseek-v3')]);
    expect([a, b].filter((r) => r.allow)).toEqual([
      { allow: true, trial: true, transition: { provider: 'deepseek-v3', from: 'half-open', to: 'half-open' } },
    ]);
    expect((await breakers.status(['deepseek-v3']))[0]).toMatchObject({
      trialUntil: at(T0 + 300_000 + 30_000 + 30_000),
    });
  });

  it('ignores a late success while open, and counts a late failure without stretching the cooldown', async () => {
    const { breakers, clock } = await setup();
    await tripIt(breakers);
    clock.advance(10_000);
    expect(await breakers.recordSuccess('deepseek-v3')).toBeUndefined();
    expect(await breakers.recordFailure('deepseek-v3', 'http-500')).toBeUndefined();
    expect((await breakers.status(['deepseek-v3']))[0]).toMatchObject({
      state: 'open',
      consecutiveFailures: 4,
      retryAt: at(T0 + 300_000),
      lastError: 'http-500',
    });
  });
});

describe('Breakers: by hand', () => {
  it('trip opens for the given time with by: manual, then a trial follows as usual', async () => {
    const { breakers, clock } = await setup();
    expect(await breakers.trip('qwen-72b', 600_000)).toEqual({
      provider: 'qwen-72b',
      from: 'closed',
      to: 'open',
      by: 'manual',
    });
    expect((await breakers.status(['qwen-72b']))[0]).toEqual({
      provider: 'qwen-72b',
      state: 'open',
      consecutiveFailures: 0,
      openedAt: at(T0),
      retryAt: at(T0 + 600_000),
      downSince: at(T0),
      by: 'manual',
    });
    expect(await breakers.acquire('qwen-72b')).toMatchObject({ allow: false, state: 'open' });
    clock.advance(600_000);
    expect(await breakers.acquire('qwen-72b')).toMatchObject({ allow: true, trial: true });
  });

  it('reset closes one breaker or all of them, reporting only real changes', async () => {
    const { breakers, store } = await setup();
    await tripIt(breakers, 'a');
    await tripIt(breakers, 'b');
    await breakers.recordFailure('c', 'http-503'); // closed with a count
    expect(await breakers.reset('a')).toEqual([{ provider: 'a', from: 'open', to: 'closed', by: 'manual' }]);
    expect(await breakers.reset('a')).toEqual([]);
    expect(await breakers.reset()).toEqual([{ provider: 'b', from: 'open', to: 'closed', by: 'manual' }]);
    expect(await store.list('breaker:')).toEqual({});
    expect(await breakers.acquire('b')).toEqual({ allow: true, trial: false });
  });
});

/**
 * downSince is breaker state kept in the store, so it must survive from one handle (one process)
 * to the next on both implementations: the file store here, and Redis when a redis-server exists.
 */
const redisOn = redisTestsEnabled();
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (redisOn) redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const storeKinds: Array<[string, () => Promise<{ open: () => Promise<StateStore> } | undefined>]> = [
  [
    'file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-breaker-'));
      dirs.push(dir);
      return { open: () => openFileStore(dir) };
    },
  ],
  [
    'redis',
    async () => {
      if (!redis) return undefined;
      const keyPrefix = `downsince-${process.pid}-${Date.now()}:`;
      return { open: () => openRedisStore({ url: redis!.url, keyPrefix }) };
    },
  ],
];

describe.each(storeKinds)('downSince through the %s store', (kind, make) => {
  it.skipIf(kind === 'redis' && !redisOn)(
    'is the first failure of the incident, kept across failed trials and hand trips, cleared on close',
    async () => {
      const backing = (await make())!;
      const [first, second] = [await backing.open(), await backing.open()];
      const clock = new ManualClock(T0);
      // each step through a new Breakers on alternating handles, as separate cron runs would
      const via = (n: number) => new Breakers(n % 2 ? second : first, policy, clock);
      try {
        await via(0).recordFailure('p', 'http-503'); // 14:14:00, the first failure
        clock.advance(60_000);
        await via(1).recordFailure('p', 'http-503');
        clock.advance(60_000);
        await via(0).recordFailure('p', 'timeout'); // 14:16:00: opens
        for (let trial = 0; trial < 3; trial++) {
          clock.advance(300_000);
          expect(await via(trial + 1).acquire('p')).toMatchObject({ allow: true, trial: true });
          clock.advance(5_000);
          await via(trial).recordFailure('p', 'timeout');
        }
        const [after] = await via(1).status(['p']);
        expect(after).toMatchObject({ state: 'open', downSince: at(T0), openedAt: at(T0 + 120_000 + 3 * 305_000) });
        await via(0).trip('p', 3_600_000); // maintenance on a provider already down: same incident
        expect((await via(1).status(['p']))[0]).toMatchObject({ by: 'manual', downSince: at(T0) });
        await via(1).reset('p');
        expect((await via(0).status(['p']))[0]).toEqual({ provider: 'p', state: 'closed', consecutiveFailures: 0 });
        await via(0).trip('p', 60_000); // a trip of a healthy provider: down from now
        expect((await via(1).status(['p']))[0]).toMatchObject({ downSince: at(clock.now()) });
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    },
  );
});

describe('Breakers across processes', () => {
  let modules: string;
  beforeAll(async () => {
    modules = await compileForWorkers();
  });
  afterAll(async () => {
    await rm(modules, { recursive: true, force: true });
  });

  it('after the cooldown exactly one of 10 processes gets the trial', async () => {
    const { breakers, dir, store } = await setup();
    await tripIt(breakers);
    const now = String(T0 + 300_000);
    const workers = Array.from({ length: 10 }, () =>
      startWorker(modules, ['breaker-acquire', dir, 'deepseek-v3', now, JSON.stringify(policy)]),
    );
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const answers = results.map((r) => JSON.parse(r.stdout) as { allow: boolean; trial?: boolean });
    expect(answers.filter((a) => a.allow)).toEqual([
      { allow: true, trial: true, transition: { provider: 'deepseek-v3', from: 'open', to: 'half-open' } },
    ]);
    expect(answers.filter((a) => !a.allow)).toHaveLength(9);
    expect(await store.get('breaker:deepseek-v3')).toMatchObject({ state: 'half-open' });
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).version).toBe(1);
  });
});
