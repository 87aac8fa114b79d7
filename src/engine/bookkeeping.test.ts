/**
 * A state store that fails (a full disk, no permission, a lock timeout) never decides a run: the
 * chain still fails over over real HTTP to the simulator, the outcome is the providers', and the
 * fault is one warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { startSimulator, type Simulator } from '../sim/server.js';
import type { StateStore } from '../state/types.js';
import { Engine } from './chain.js';
import { AllProvidersFailedError } from './errors.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/** Bounds no stall of a loaded machine reaches: these tests count 503s and answers, never timeouts. */
const provider = (name: string): ResolvedProvider => ({
  name,
  baseUrl: sim.url,
  model: name,
  timeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  maxResponseBytes: 32 * 1024 * 1024,
  stream: false,
});

/** Reads fail or not; every write fails, as on a full disk. */
function brokenStore(readsFail: boolean): StateStore & { writes: number } {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  return {
    kind: 'file',
    where: '/full',
    writes: 0,
    async get() {
      if (readsFail) throw enospc();
      return undefined;
    },
    async update() {
      this.writes++;
      throw enospc();
    },
    async list() {
      return {};
    },
    async tryLock() {
      return null;
    },
    async close() {},
  };
}

function engine(store: StateStore, warnings: string[]) {
  return new Engine(
    {
      providers: [provider('p1'), provider('p2')],
      retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
      deadlineMs: 240_000,
    },
    { store, clock: { now: () => Date.now() }, onBookkeepingError: (m) => warnings.push(m) },
  );
}

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('breaker bookkeeping that fails', () => {
  it.each([false, true])(
    'p1 503, p2 ok: served by p2, one warning, one failed write (reads fail: %s)',
    async (readsFail) => {
      sim.setScript({ p1: { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
      const store = brokenStore(readsFail);
      const warnings: string[] = [];
      const result = await engine(store, warnings).complete(request);
      expect(result).toMatchObject({ provider: 'p2', degraded: true });
      expect(result.attempts.map((a) => [a.provider, a.outcome])).toEqual([
        ['p1', 'failed'],
        ['p1', 'failed'],
        ['p2', 'ok'],
      ]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/breaker state could not be (read|written) \(ENOSPC/);
      // after the first failed write the run writes no more (each could wait out a lock again)
      expect(store.writes).toBeLessThanOrEqual(1);
    },
  );

  it("every provider fails: the providers' failure, with every attempt, not the store's", async () => {
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    const warnings: string[] = [];
    const err = await engine(brokenStore(false), warnings)
      .complete(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).attempts).toHaveLength(4);
    expect(warnings).toHaveLength(1);
  });
});
