/**
 * The engine's fault matrix as unit tests: Engine.complete against a fake ProviderClient (through
 * the registry the engine is given), a manual wall clock for the breakers, fake timers for the
 * run's deadline (its timer and performance.now), an injected sleep and random. Time passes only
 * when a fake attempt or a backoff wait says so, so every figure below is exact. The same paths
 * over real HTTP against the simulator are covered end to end in test/*.e2e.test.ts.
 */
import type { AbortLike } from '../abort-like.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../../test/helpers/memory-store.js';
import { ManualClock, type Sleep } from '../clock.js';
import type { ResolvedProvider } from '../config/types.js';
import type { CallOptions, ProviderClient } from '../providers/client.js';
import { isDeadlineReason } from '../providers/errors.js';
import { providerRegistry } from '../providers/registry.js';
import { ProviderError, type ChatRequest, type ErrorType } from '../providers/types.js';
import { Engine, type EngineConfig, type EngineDeps, type RunOptions } from './chain.js';
import { CLASSIFICATION } from './classify.js';
import { AllProvidersFailedError, DeadlineExceededError, RunAbortedError, StreamInterruptedError } from './errors.js';
import type { EngineEvent, EngineProgress } from './types.js';

const T0 = Date.parse('2026-04-19T14:14:00.000Z');
const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

/** One fake attempt: it takes `takes` ms (default 0), hands out `deltas`, then answers or fails. */
type Step =
  | { ok: string; takes?: number; deltas?: string[] }
  | { fail: ErrorType; httpStatus?: number; retryAfterMs?: number; takes?: number; deltas?: string[] }
  | { hang: true };

interface Call {
  provider: string;
  apiKey?: string;
  /** Milliseconds since the test began (fake timers), when the attempt started. */
  at: number;
}

const provider = (name: string, extra: Partial<ResolvedProvider> = {}): ResolvedProvider => ({
  name,
  baseUrl: 'http://fake.invalid/v1',
  model: `${name}-model`,
  timeoutMs: 1000,
  idleTimeoutMs: 1000,
  maxResponseBytes: 1 << 20,
  stream: false,
  ...extra,
});

/** Time passes: the breakers' wall clock and the deadline's timer alike. */
function passer(clock: ManualClock) {
  return (ms: number) => {
    clock.advance(ms);
    vi.advanceTimersByTime(ms);
  };
}

/**
 * A client that plays each provider's steps in order (the last one repeats) and throws what the
 * real client throws when the run's signal ends an attempt: 'deadline' or 'aborted'.
 */
function fakeClient(script: Record<string, Step[]>, pass: (ms: number) => void, start: number) {
  const calls: Call[] = [];
  const cut = (signal: AbortLike | undefined, name: string) =>
    new ProviderError(isDeadlineReason(signal?.reason) ? 'deadline' : 'aborted', `${name} attempt cut short`);
  const client: ProviderClient = {
    async complete(p: ResolvedProvider, _request: ChatRequest, opts: CallOptions = {}) {
      calls.push({ provider: p.name, apiKey: opts.apiKey, at: performance.now() - start });
      const steps = script[p.name] ?? [];
      const step = (steps.length > 1 ? steps.shift() : steps[0]) ?? { fail: 'server', httpStatus: 503 };
      if ('hang' in step)
        return new Promise((_, reject) =>
          opts.signal?.addEventListener('abort', () => reject(cut(opts.signal, p.name)), { once: true }),
        );
      // time passes a millisecond at a time, so the run's signal cuts the attempt where it fires
      for (let ms = 0; ms < (step.takes ?? 0) && !opts.signal?.aborted; ms++) pass(1);
      if (opts.signal?.aborted) throw cut(opts.signal, p.name);
      for (const d of step.deltas ?? []) await opts.onDelta?.(d);
      if ('fail' in step)
        throw new ProviderError(
          step.fail,
          `${step.httpStatus ? `HTTP ${step.httpStatus}` : step.fail} from ${p.name}`,
          {
            httpStatus: step.httpStatus,
            retryAfterMs: step.retryAfterMs,
          },
        );
      return { content: step.ok, finishReason: 'stop', model: p.model };
    },
    async close() {},
  };
  return { client, calls };
}

interface SetupOptions {
  config?: Partial<EngineConfig>;
  deps?: Partial<EngineDeps>;
  random?: number;
}

function setup(script: Record<string, Step[]>, opts: SetupOptions = {}) {
  const clock = new ManualClock(T0);
  const pass = passer(clock);
  const start = performance.now();
  const { client, calls } = fakeClient(script, pass, start);
  const sleeps: number[] = [];
  const events: EngineEvent[] = [];
  const progress: EngineProgress[] = [];
  // a wait is time passing; the run's signal (the deadline firing meanwhile) ends it
  const sleep: Sleep = async (ms, signal) => {
    sleeps.push(ms);
    pass(ms);
    if (signal?.aborted) throw signal.reason;
  };
  const config: EngineConfig = {
    providers: [provider('p1'), provider('p2')],
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    breaker: { failureThreshold: 10, cooldownMs: 60_000 },
    deadlineMs: 10_000,
    ...opts.config,
  };
  const random = opts.random ?? 0.5;
  const engine = new Engine(config, {
    store: memoryStore(),
    clock,
    sleep,
    random: () => random,
    env: {},
    clients: providerRegistry({ openai: client }),
    onEvent: (e) => events.push(e),
    onProgress: (p) => progress.push(p),
    ...opts.deps,
  });
  const transitions = () =>
    events.flatMap((e) =>
      e.type === 'breaker' ? [`${e.transition.provider} ${e.transition.from}→${e.transition.to}`] : [],
    );
  return { engine, clock, calls, sleeps, events, progress, transitions, script };
}

/** The run's error (it must fail). */
async function failureOf(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (err: unknown) => err,
  );
}

const outcomes = (attempts: Array<{ provider: string; outcome: string; errorType?: string }>) =>
  attempts.map((a) => `${a.provider} ${a.outcome}${a.errorType ? ` ${a.errorType}` : ''}`);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retry and backoff', () => {
  it('a transient failure is retried on the same provider after a full-jitter backoff; the answer is not degraded', async () => {
    const t = setup({ p1: [{ fail: 'server', httpStatus: 503 }, { fail: 'reset' }, { ok: 'hello' }] });
    const result = await t.engine.complete(request);
    expect(result).toMatchObject({ content: 'hello', provider: 'p1', model: 'p1-model', degraded: false });
    expect(outcomes(result.attempts)).toEqual(['p1 failed server', 'p1 failed reset', 'p1 ok']);
    expect(result.attempts[0]).toMatchObject({ httpStatus: 503, error: 'HTTP 503 from p1' });
    // random 0.5 of [0, 100·2ⁿ⁻¹): 50 then 100
    expect(t.sleeps).toEqual([50, 100]);
    expect(t.progress).toEqual([
      { type: 'attempt-start', provider: 'p1', tryNo: 1, maxTries: 3, trial: false },
      { type: 'retry-wait', provider: 'p1', tryNo: 1, maxTries: 3, waitMs: 50 },
      { type: 'attempt-start', provider: 'p1', tryNo: 2, maxTries: 3, trial: false },
      { type: 'retry-wait', provider: 'p1', tryNo: 2, maxTries: 3, waitMs: 100 },
      { type: 'attempt-start', provider: 'p1', tryNo: 3, maxTries: 3, trial: false },
    ]);
    // the log sees every attempt as it ends
    expect(t.events.filter((e) => e.type === 'attempt')).toHaveLength(3);
  });

  it('backoff doubles per retry up to retry.maxDelayMs; after retry.attempts tries the chain fails over', async () => {
    const t = setup(
      { p1: [{ fail: 'timeout' }], p2: [{ ok: 'from p2' }] },
      { config: { retry: { attempts: 6, baseDelayMs: 100, maxDelayMs: 300 } }, random: 0.999 },
    );
    const result = await t.engine.complete(request);
    expect(result).toMatchObject({ provider: 'p2', degraded: true, content: 'from p2' });
    expect(outcomes(result.attempts)).toEqual([...Array(6).fill('p1 failed timeout'), 'p2 ok']);
    // ceilings 100, 200, 300 (capped), 300, 300; no wait after the last try of p1
    expect(t.sleeps).toEqual([99, 199, 299, 299, 299]);
  });

  it('a backoff that would run into the deadline fails over at once instead of waiting', async () => {
    const t = setup(
      { p1: [{ fail: 'server', httpStatus: 502, takes: 10 }], p2: [{ ok: 'p2' }] },
      { config: { deadlineMs: 1000, retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 } }, random: 0.999 },
    );
    const result = await t.engine.complete(request);
    // 999 ms of backoff is not less than the 990 ms left
    expect(outcomes(result.attempts)).toEqual(['p1 failed server', 'p2 ok']);
    expect(t.sleeps).toEqual([]);
  });
});

describe('every error type is handled as the classification table says', () => {
  const types = (Object.keys(CLASSIFICATION) as ErrorType[]).filter((e) => CLASSIFICATION[e].disposition !== 'stop');

  it.each(types)('%s', async (errorType) => {
    const { disposition, breaker } = CLASSIFICATION[errorType];
    // one failure, then p1 would answer: a retry reaches that answer, a failover does not
    const t = setup({ p1: [{ fail: errorType }, { ok: 'p1' }], p2: [{ ok: 'p2' }] });
    const result = await t.engine.complete(request);
    expect(result.provider).toBe(disposition === 'retry' ? 'p1' : 'p2');
    expect(t.calls.map((c) => c.provider)).toEqual(disposition === 'retry' ? ['p1', 'p1'] : ['p1', 'p2']);
    expect(t.sleeps).toHaveLength(disposition === 'retry' ? 1 : 0);

    // whether it counts toward the breaker: one try per provider, so the count is left as it is
    const once = setup(
      { p1: [{ fail: errorType }], p2: [{ ok: 'p2' }] },
      { config: { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } } },
    );
    await once.engine.complete(request);
    const [p1] = await once.engine.breakers.status(['p1']);
    expect(p1.consecutiveFailures).toBe(breaker ? 1 : 0);
  });
});

describe('Retry-After', () => {
  it('within retry.maxDelayMs: waited exactly, instead of the backoff', async () => {
    const t = setup({ p1: [{ fail: 'rate-limit', httpStatus: 429, retryAfterMs: 700 }, { ok: 'p1' }] });
    const result = await t.engine.complete(request);
    expect(result).toMatchObject({ provider: 'p1', degraded: false });
    expect(t.sleeps).toEqual([700]);
    expect(t.calls.map((c) => c.at)).toEqual([0, 700]);
  });

  it('longer than retry.maxDelayMs: the provider is left at once for the next one', async () => {
    const t = setup({
      p1: [{ fail: 'server', httpStatus: 503, retryAfterMs: 5000 }, { ok: 'p1' }],
      p2: [{ ok: 'p2' }],
    });
    const result = await t.engine.complete(request);
    expect(result).toMatchObject({ provider: 'p2', degraded: true });
    expect(t.sleeps).toEqual([]);
  });

  it('longer than the time left before the deadline: the provider is left at once', async () => {
    const t = setup(
      {
        p1: [{ fail: 'rate-limit', httpStatus: 429, retryAfterMs: 500, takes: 600 }, { ok: 'p1' }],
        p2: [{ ok: 'p2' }],
      },
      { config: { deadlineMs: 1000, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 } } },
    );
    const result = await t.engine.complete(request);
    // 500 ms asked, 400 ms left
    expect(result.provider).toBe('p2');
    expect(t.sleeps).toEqual([]);
  });
});

describe('breaker transitions', () => {
  it('closed → open at the threshold, skipped while open, half-open after the cooldown, re-tripped by a failed trial, closed by a good one', async () => {
    const t = setup(
      { p1: [{ fail: 'server', httpStatus: 503 }], p2: [{ ok: 'p2' }] },
      { config: { breaker: { failureThreshold: 2, cooldownMs: 60_000 } } },
    );
    // run 1: the second failure opens p1's breaker; the run moves on at once (no third try)
    let r = await t.engine.complete(request);
    expect(outcomes(r.attempts)).toEqual(['p1 failed server', 'p1 failed server', 'p2 ok']);
    expect(t.transitions()).toEqual(['p1 closed→open']);
    expect(t.sleeps).toEqual([50]);

    // run 2, within the cooldown: p1 costs no request
    t.clock.advance(30_000);
    r = await t.engine.complete(request);
    expect(outcomes(r.attempts)).toEqual(['p1 skipped-open', 'p2 ok']);
    expect(t.calls.filter((c) => c.provider === 'p1')).toHaveLength(2);

    // run 3, after the cooldown: one trial, not retried; it fails, so a full new cooldown
    t.clock.advance(30_001);
    r = await t.engine.complete(request);
    expect(outcomes(r.attempts)).toEqual(['p1 failed server', 'p2 ok']);
    expect(t.transitions()).toEqual(['p1 closed→open', 'p1 open→half-open', 'p1 half-open→open']);
    expect(t.progress.at(-2)).toMatchObject({ type: 'attempt-start', provider: 'p1', trial: true });

    t.clock.advance(59_000);
    r = await t.engine.complete(request);
    expect(outcomes(r.attempts)).toEqual(['p1 skipped-open', 'p2 ok']);

    // run 5: p1 is back; its trial closes the breaker and p1 serves again
    t.script.p1 = [{ ok: 'p1 again' }];
    t.clock.advance(1_001);
    r = await t.engine.complete(request);
    expect(r).toMatchObject({ provider: 'p1', degraded: false, content: 'p1 again' });
    expect(t.transitions().slice(3)).toEqual(['p1 open→half-open', 'p1 half-open→closed']);
    expect((await t.engine.breakers.status(['p1']))[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('every breaker open: AllProvidersFailedError that says so, and no request at all', async () => {
    const t = setup({}, { config: { breaker: { failureThreshold: 1, cooldownMs: 60_000 } } });
    const first = await failureOf(t.engine.complete(request));
    expect(first).toMatchObject({ allSkipped: false });
    const sent = t.calls.length;
    const err = await failureOf(t.engine.complete(request));
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect(err).toMatchObject({
      allSkipped: true,
      exitCode: 69,
      message: 'no provider could serve: every breaker is open',
    });
    expect(outcomes((err as AllProvidersFailedError).attempts)).toEqual(['p1 skipped-open', 'p2 skipped-open']);
    expect(t.calls).toHaveLength(sent);
  });
});

describe('one deadline per run', () => {
  it('attempts and waits on every provider spend the same budget; the attempt it cuts short ends the run', async () => {
    const t = setup(
      {
        p1: [{ fail: 'server', httpStatus: 503, takes: 400 }],
        p2: [{ fail: 'timeout', takes: 400 }],
        p3: [{ ok: 'p3' }],
      },
      {
        config: {
          providers: [provider('p1'), provider('p2'), provider('p3')],
          retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000 },
          deadlineMs: 1000,
        },
      },
    );
    const err = await failureOf(t.engine.complete(request));
    expect(err).toBeInstanceOf(DeadlineExceededError);
    // p1 0–400, wait 50, p1 450–850, p2 from 850: cut at 1000
    expect(t.calls.map((c) => `${c.provider}@${c.at}`)).toEqual(['p1@0', 'p1@450', 'p2@850']);
    const e = err as DeadlineExceededError;
    expect(e).toMatchObject({ deadlineMs: 1000, exitCode: 69 });
    expect(outcomes(e.attempts)).toEqual(['p1 failed server', 'p1 failed server', 'p2 failed deadline']);
    expect(e.attempts.map((a) => a.ms)).toEqual([400, 400, 150]);
    expect(e.message).toBe('run deadline of 1000 ms reached after 3 attempt(s): p1: 503 ×2; p2: deadline');
  });

  it('a run option deadline replaces the config one; a hanging attempt is cut at it', async () => {
    const t = setup({ p1: [{ hang: true }] });
    const run = failureOf(t.engine.complete(request, { deadlineMs: 250 }));
    await vi.advanceTimersByTimeAsync(250);
    const err = await run;
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err).toMatchObject({ deadlineMs: 250 });
    expect(t.calls.map((c) => c.provider)).toEqual(['p1']);
  });
});

describe('the caller ends the run', () => {
  it('an abort mid-attempt: RunAbortedError with its reason; no failover, no breaker count', async () => {
    const t = setup(
      { p1: [{ hang: true }], p2: [{ ok: 'p2' }] },
      { config: { breaker: { failureThreshold: 1, cooldownMs: 60_000 } } },
    );
    const caller = new AbortController();
    const run = failureOf(t.engine.complete(request, { signal: caller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    caller.abort(new Error('interrupted by SIGTERM'));
    const err = await run;
    expect(err).toBeInstanceOf(RunAbortedError);
    expect(err).toMatchObject({
      reason: 'interrupted by SIGTERM',
      exitCode: 1,
      message: 'run aborted: interrupted by SIGTERM',
    });
    expect(outcomes((err as RunAbortedError).attempts)).toEqual(['p1 failed aborted']);
    expect(t.calls.map((c) => c.provider)).toEqual(['p1']);
    expect(t.transitions()).toEqual([]);
  });

  it('an abort during a backoff wait ends the run then', async () => {
    const caller = new AbortController();
    const sleep: Sleep = async (_ms, signal) => {
      caller.abort('interrupted by SIGINT');
      throw signal?.reason;
    };
    const t = setup({ p1: [{ fail: 'server', httpStatus: 500 }] }, { deps: { sleep } });
    const err = await failureOf(t.engine.complete(request, { signal: caller.signal }));
    expect(err).toBeInstanceOf(RunAbortedError);
    expect(err).toMatchObject({ reason: 'interrupted by SIGINT' });
    expect(t.calls.map((c) => c.provider)).toEqual(['p1']);
  });
});

describe('all fail', () => {
  it('AllProvidersFailedError carries every attempt and sums them up per provider', async () => {
    const t = setup({ p1: [{ fail: 'server', httpStatus: 503 }], p2: [{ fail: 'timeout' }] });
    const err = await failureOf(t.engine.complete(request));
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    const e = err as AllProvidersFailedError;
    expect(e).toMatchObject({ allSkipped: false, exitCode: 69 });
    expect(e.attempts).toHaveLength(6);
    expect(e.message).toBe('no provider could serve: p1: 503 ×3; p2: timeout ×3');
  });
});

describe('API keys', () => {
  it('an unset key variable fails over without a request (missing-key); a set one is handed to the client', async () => {
    const t = setup(
      { p1: [{ ok: 'p1' }], p2: [{ ok: 'p2' }] },
      {
        config: { providers: [provider('p1', { apiKeyEnv: 'P1_KEY' }), provider('p2', { apiKeyEnv: 'P2_KEY' })] },
        deps: { env: { P2_KEY: 'sk-test-p2' } },
      },
    );
    const result = await t.engine.complete(request);
    expect(result).toMatchObject({ provider: 'p2', degraded: true });
    expect(outcomes(result.attempts)).toEqual(['p1 failed missing-key', 'p2 ok']);
    expect(result.attempts[0].error).toBe('environment variable P1_KEY (API key of p1) is not set');
    expect(t.calls).toEqual([{ provider: 'p2', apiKey: 'sk-test-p2', at: 0 }]);
  });
});

describe('streaming', () => {
  const streamed = (t: ReturnType<typeof setup>, opts: RunOptions = {}) => {
    const got: string[] = [];
    const run = t.engine.complete(request, {
      commitOnFirstDelta: true,
      onDelta: (text, from) => void got.push(`${from.provider}${from.degraded ? '(degraded)' : ''}:${text}`),
      ...opts,
    });
    return { got, run };
  };

  it('a failure before the first delta fails over; the deltas say which provider they come from', async () => {
    const t = setup({ p1: [{ fail: 'auth', httpStatus: 401 }], p2: [{ ok: 'ab', deltas: ['a', 'b'] }] });
    const { got, run } = streamed(t);
    expect(await run).toMatchObject({ provider: 'p2', content: 'ab' });
    expect(got).toEqual(['p2(degraded):a', 'p2(degraded):b']);
  });

  it('a failure after a delta ends the run with StreamInterruptedError: no second answer spliced on', async () => {
    const t = setup({ p1: [{ fail: 'stream-cut', deltas: ['par', 'tial'] }], p2: [{ ok: 'p2' }] });
    const { got, run } = streamed(t);
    const err = await failureOf(run);
    expect(err).toBeInstanceOf(StreamInterruptedError);
    expect(err).toMatchObject({ provider: 'p1', model: 'p1-model', deliveredChars: 7, exitCode: 1 });
    expect(got).toEqual(['p1:par', 'p1:tial']);
    expect(t.calls.map((c) => c.provider)).toEqual(['p1']);
  });

  it("the caller's promise reaches the client (backpressure): the next delta waits for it", async () => {
    const t = setup({ p1: [{ ok: 'xy', deltas: ['x', 'y'] }] });
    const seen: string[] = [];
    let release!: () => void;
    const { run } = streamed(t, {
      onDelta: (text) => {
        seen.push(text);
        return text === 'x' ? new Promise<void>((resolve) => (release = resolve)) : undefined;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['x']);
    release();
    expect(await run).toMatchObject({ content: 'xy' });
    expect(seen).toEqual(['x', 'y']);
  });
});
