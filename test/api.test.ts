/**
 * The library API in-process against the simulator: results, typed errors, streams that fail over
 * only before their first delta, and one breaker store shared with the CLI.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lucy from '../src/index.js';
import {
  AllProvidersFailedError,
  ConfigError,
  createChain,
  DeadlineExceededError,
  RunAbortedError,
  StreamInterruptedError,
  type Chain,
} from '../src/index.js';
import { patient, readLog, ROOT, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';
import { until } from './helpers/wait.js';

const sim = useSimulator();
let dir: string;
let chain: Chain;
const ask = { messages: [{ role: 'user' as const, content: 'Write about failover.' }] };

beforeAll(async () => {
  // attempts that cannot time out: these tests read who served and why the others failed; the
  // deadline test passes its own small deadline
  dir = tempProject(patient(simConfig({ primary: sim.url })));
  chain = await createChain(path.join(dir, 'lucy-ops.config.json'), { job: 'chat-route' });
});

afterAll(async () => {
  await chain?.close();
});

describe('complete', () => {
  it('serves from the first provider and logs the call as a run', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const r = await chain.complete(ask);
    expect(r).toMatchObject({
      provider: 'deepseek-v3',
      model: 'deepseek-v3',
      degraded: false,
      attempts: [{ provider: 'deepseek-v3', outcome: 'ok' }],
    });
    expect(r.content).toContain('deepseek-v3');
    // a call's records are held for a few milliseconds, then go out in one write
    const logged = () => readLog(dir).filter((l) => l.job === 'chat-route');
    await until('the run.end record', () => logged().some((l) => l.event === 'run.end'));
    const runs = logged();
    expect(runs.map((l) => l.event)).toEqual(['run.start', 'attempt.end', 'run.end']);
    expect(runs[2]).toMatchObject({
      trigger: 'manual',
      outcome: 'ok',
      provider: 'deepseek-v3',
      scheduledFor: runs[0].scheduledFor,
    });
  });

  it('starts at a named provider', async () => {
    const r = await chain.complete(ask, { provider: 'qwen-72b' });
    expect(r).toMatchObject({ provider: 'qwen-72b', degraded: false });
    await expect(chain.complete(ask, { provider: 'nope' })).rejects.toThrow(RangeError);
  });

  it('throws AllProvidersFailedError with every attempt and its cause', async () => {
    sim.setScript({
      'deepseek-v3': { kind: 'status', status: 401 },
      'llama-3.3-70b': { kind: 'context-length' },
      'qwen-72b': { kind: 'status', status: 404 },
    });
    const err = await chain.complete(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).attempts).toEqual([
      expect.objectContaining({ provider: 'deepseek-v3', outcome: 'failed', httpStatus: 401, errorType: 'auth' }),
      expect.objectContaining({
        provider: 'llama-3.3-70b',
        outcome: 'failed',
        httpStatus: 400,
        errorType: 'context-length',
      }),
      expect.objectContaining({ provider: 'qwen-72b', outcome: 'failed', httpStatus: 404, errorType: 'not-found' }),
    ]);
  });

  it('throws DeadlineExceededError when the budget runs out', async () => {
    sim.setScript({ '*': { kind: 'hang' } });
    const err = await chain.complete(ask, { deadlineMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).deadlineMs).toBe(150);
  });

  it('aborts with the caller signal', async () => {
    sim.setScript({ '*': { kind: 'hang' } });
    const aborter = new AbortController();
    const call = chain.complete(ask, { signal: aborter.signal });
    await until('the hanging request at the simulator', () => sim.requests().some((r) => r.fault === 'hang'));
    aborter.abort();
    await expect(call).rejects.toBeInstanceOf(RunAbortedError);
  });
});

describe('the job log at exit', () => {
  // a process that ends straight after its call (process.exit, an uncaught exception, nothing
  // left to do while the records wait for their write) still logs it whole
  it.each([
    ['process.exit()', 'process.exit(0);', 0, 'exit-call'],
    ['running out of work', '', 0, 'exit-idle'],
    ['an uncaught exception', "setImmediate(() => { throw new Error('boom'); });", 1, 'exit-throw'],
  ])('keeps every record of a call when the process ends by %s', async (_how, end, exitCode, job) => {
    sim.setScript({ '*': { kind: 'ok' } });
    const script = `
      import { createChain } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/index.js')).href)};
      const chain = await createChain(${JSON.stringify(path.join(dir, 'lucy-ops.config.json'))}, { job: ${JSON.stringify(job)} });
      await chain.complete(${JSON.stringify(ask)});
      ${end}`;
    const r = await execa('node', ['--input-type=module', '-e', script], { cwd: dir, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(exitCode);
    const events = readLog(dir)
      .filter((l) => l.job === job)
      .map((l) => l.event);
    expect(events).toEqual(['run.start', 'attempt.end', 'run.end']);
  });
});

describe('stream', () => {
  it('yields deltas whose join is the result, each naming its provider', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const s = chain.stream(ask);
    let text = '';
    const providers = new Set<string>();
    for await (const chunk of s) {
      text += chunk.delta;
      providers.add(chunk.provider);
    }
    const r = await s.result;
    expect(text).toBe(r.content);
    expect([...providers]).toEqual(['deepseek-v3']);
    expect(text.length).toBeGreaterThan(50);
  });

  it('fails over while nothing has been handed out', async () => {
    sim.setScript({ 'deepseek-v3': { kind: 'cut', afterChunks: 0 }, '*': { kind: 'ok' } });
    const s = chain.stream(ask, { provider: 'deepseek-v3' });
    const chunks = [];
    for await (const chunk of s) chunks.push(chunk);
    expect(new Set(chunks.map((c) => c.provider))).toEqual(new Set(['llama-3.3-70b']));
    expect(chunks[0]).toMatchObject({ degraded: true, model: 'llama-3.3-70b' });
    expect((await s.result).attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
      'deepseek-v3:failed',
      'deepseek-v3:failed',
      'deepseek-v3:failed',
      'llama-3.3-70b:ok',
    ]);
  });

  it('ends with StreamInterruptedError after the first delta, without failing over', async () => {
    sim.setScript({ 'llama-3.3-70b': { kind: 'cut', afterChunks: 2 }, '*': { kind: 'ok' } });
    sim.resetCounts();
    const s = chain.stream(ask, { provider: 'llama-3.3-70b' });
    let text = '';
    const err = await (async () => {
      for await (const chunk of s) text += chunk.delta;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamInterruptedError);
    expect(err).toMatchObject({ provider: 'llama-3.3-70b', deliveredChars: text.length });
    expect(text.length).toBeGreaterThan(0);
    await expect(s.result).rejects.toBe(err);
    expect(sim.counts()).toEqual({ 'llama-3.3-70b': 1 });
  });

  it('stops the upstream call when the consumer breaks out', async () => {
    sim.setScript({ '*': { kind: 'ok', chunkDelayMs: 50 } });
    const s = chain.stream(ask);
    for await (const chunk of s) {
      expect(chunk.delta.length).toBeGreaterThan(0);
      break;
    }
    await expect(s.result).rejects.toBeInstanceOf(RunAbortedError);
  });

  it('rejects only result when nobody iterates (no unhandled rejection)', async () => {
    sim.setScript({ '*': { kind: 'status', status: 400 } });
    await expect(chain.stream(ask).result).rejects.toBeInstanceOf(AllProvidersFailedError);
  });
});

describe('config and the shared breaker store', () => {
  it('takes a config object, and rejects a bad one with ConfigError', async () => {
    const cfg = {
      ...patient(simConfig({ primary: sim.url })),
      stateDir: path.join(dir, 'other-state'),
      log: path.join(dir, 'logs/other.jsonl'),
      jobs: {},
    };
    sim.setScript({ '*': { kind: 'ok' } });
    const c = await createChain(cfg as lucy.UserConfig, { log: false });
    expect((await c.complete(ask)).provider).toBe('deepseek-v3');
    await c.close();
    await expect(createChain({ providers: [] })).rejects.toBeInstanceOf(ConfigError);
    await expect(createChain(path.join(dir, 'missing.config.json'))).rejects.toBeInstanceOf(ConfigError);
    const withKey = { providers: [{ name: 'p', baseUrl: sim.url, model: 'p', apiKeyEnv: 'LUCY_TEST_UNSET_KEY' }] };
    await expect(createChain(withKey, { env: {} })).rejects.toThrow(/LUCY_TEST_UNSET_KEY/);
  });

  it('a breaker opened by library traffic is skipped by a cron run of the CLI', async () => {
    await runCli(['breaker', 'reset', '--all'], { cwd: dir });
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    const r = await chain.complete(ask);
    expect(r).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
    sim.resetCounts();
    const cron = await runCli(['generate', 'blog', '--json'], { cwd: dir });
    expect(cron.exitCode, cron.stderr).toBe(0);
    expect(cron.json.attempts[0]).toMatchObject({ provider: 'deepseek-v3', outcome: 'skipped-open' });
    expect(sim.counts()['deepseek-v3']).toBeUndefined();
  });

  it('exports a small, listed surface', () => {
    expect(Object.keys(lucy).sort()).toEqual([
      'AllProvidersFailedError',
      'ConfigError',
      'DeadlineExceededError',
      'EngineError',
      'RunAbortedError',
      'StreamInterruptedError',
      'createChain',
      'defineConfig',
    ]);
  });
});
