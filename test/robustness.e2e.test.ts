/**
 * Robustness, end to end, with real processes: kill -9 at bad moments, SIGTERM/SIGINT, the deadline
 * against trickles, huge Retry-After and a wedged state lock, canary keys everywhere, many
 * processes on one breaker, and garbage in the job log. No sleeps: every wait is on an event
 * (a simulator request, a file appearing, a process exiting).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, startSimulator, type Simulator } from '../src/sim/server.js';
import { BIN, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { redisTestsEnabled, startRedisServer } from './helpers/redis-server.js';

let sim: Simulator;
/** Resolvers waiting for the simulator to have seen `n` requests for a model. */
const waiters: Array<{ model: string; n: number; resolve: () => void }> = [];
const seen: Record<string, number> = {};

beforeAll(async () => {
  sim = await startSimulator({
    onRequest: (r) => {
      seen[r.model] = (seen[r.model] ?? 0) + 1;
      for (const w of [...waiters]) {
        if (w.model === r.model && seen[r.model] >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
  });
});
/** Processes a test started; any still running when it ends (a failed assertion) are killed. */
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await sim?.close();
});

/** Resolves once the simulator has received `more` new requests for `model` (counted from now). */
function nextRequests(model: string, more = 1): Promise<void> {
  const n = (seen[model] ?? 0) + more;
  return new Promise((resolve) => waiters.push({ model, n, resolve }));
}

/** Polls a condition on files (the only observable some steps have); fails after timeoutMs. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SLOT = '2026-04-19T14:00:00.000Z';
const NOW = '2026-04-19T14:00:05Z';
/** Late enough that the slot is judged (its deadline plus grace have passed). */
const LATER = '2026-04-19T17:00:00Z';

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stdout: () => string;
  stderr: () => string;
}

function startCli(args: string[], cwd: string, env: Record<string, string> = {}): Started {
  const child = spawn('node', [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', LUCY_OPS_NOW: NOW, ...env } });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

const logHas = (dir: string, pred: (l: any) => boolean) => () => readLog(dir).some(pred);

/** Whatever a kill left, the project is whole: valid state, no visible partial output. */
function expectWhole(dir: string): void {
  const state = path.join(dir, '.lucy-ops/state.json');
  if (fs.existsSync(state)) expect(() => JSON.parse(fs.readFileSync(state, 'utf8'))).not.toThrow();
  const out = path.join(dir, 'content/blog');
  for (const name of fs.existsSync(out) ? fs.readdirSync(out) : []) {
    if (name.startsWith('.')) continue; // a hidden temp file: never read as output
    const text = fs.readFileSync(path.join(out, name), 'utf8');
    expect(name).toMatch(/\.md$/);
    expect(text).toMatch(/^---\n[\s\S]*\n---\n\n[\s\S]+\n$/);
  }
}

async function gapsAt(dir: string, now: string) {
  const r = await runCli(['postmortem', 'gaps', '--since', '2026-04-19T13:30Z', '--until', '2026-04-19T14:30Z', '--job', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: now } });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json;
}

describe('kill -9 of generate', () => {
  const moments: Array<{ name: string; script: () => void; config: Record<string, unknown>; when: (dir: string) => Promise<void> }> = [
    {
      name: 'while the provider hangs',
      script: () => sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } }),
      config: { deadlineMs: 60_000 },
      when: () => nextRequests('deepseek-v3'),
    },
    {
      name: 'while backing off (Retry-After 30 s)',
      script: () => sim.setScript({ 'deepseek-v3': { kind: 'rate-limit', retryAfterS: 30 }, '*': { kind: 'ok' } }),
      config: { deadlineMs: 60_000, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 60_000 } },
      when: async (dir) => until('the first attempt.end', logHas(dir, (l) => l.event === 'attempt.end')),
    },
    {
      name: 'as the answer arrives',
      script: () => sim.setScript({ '*': { kind: 'ok' } }),
      config: {},
      when: () => nextRequests('deepseek-v3'),
    },
    {
      name: 'as the output file appears',
      script: () => sim.setScript({ '*': { kind: 'ok' } }),
      config: {},
      when: (dir) => until('the output file', () => fs.existsSync(path.join(dir, 'content/blog')) && fs.readdirSync(path.join(dir, 'content/blog')).length > 0),
    },
  ];
  for (const m of moments) {
    it(`${m.name}: state and output stay whole, the lock is free, gaps counts it failed, the next cron run serves it`, async () => {
      m.script();
      const dir = tempProject(simConfig({ primary: sim.url }, m.config));
      const run = startCli(['generate', 'blog', '--json'], dir);
      await m.when(dir);
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal === 'SIGKILL' || exit.code === 0).toBe(true); // it may have just finished
      expectWhole(dir);

      const log = readLog(dir);
      const served = log.some((l) => l.event === 'run.end');
      if (!served) {
        // a run.start without run.end: judged failed once the slot is old enough
        const gaps = await gapsAt(dir, LATER);
        expect(gaps.gaps).toEqual([expect.objectContaining({ job: 'blog', start: SLOT, failed: 1, missing: 0 })]);
        expect(gaps.gaps[0].cause).toMatch(/no run\.end/);
      }

      sim.setScript({ '*': { kind: 'ok' } });
      const next = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: '2026-04-19T14:10:00Z' } });
      expect(next.exitCode, next.stderr).toBe(0); // never 75: the dead holder's lock is free at once
      const files = fs.readdirSync(path.join(dir, 'content/blog'));
      expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(1);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expectWhole(dir);
      if (next.json.status === 'ok') expect((await gapsAt(dir, LATER)).gaps).toEqual([]);
    });
  }

  it("a killed writer's hidden temp file is never output, and the slot's next run removes it", async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = tempProject(simConfig({ primary: sim.url }));
    const out = path.join(dir, 'content/blog');
    fs.mkdirSync(out, { recursive: true });
    // the name writeFileAtomic gives a temp file, from a process that is gone
    const gone = spawn('node', ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const temp = path.join(out, `.2026-04-19T1400Z--half.md.${gone.pid}.1776607200000.tmp`);
    fs.writeFileSync(temp, '---\njob: "blog"\n');
    const dry = await runCli(['generate', 'blog', '--json', '--dry-run'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(dry.json.output).toBeNull(); // not counted as served
    const r = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(r.json.status).toBe('ok');
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.readdirSync(out)).toEqual([path.basename(r.json.output)]);
  });
});

describe('SIGTERM and SIGINT', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} while a provider hangs: prompt exit ${code}, a failed run.end saying interrupted, the lock released`, async () => {
      sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } });
      const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 60_000 }));
      const run = startCli(['generate', 'blog', '--json'], dir);
      await nextRequests('deepseek-v3');
      const sent = performance.now();
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit.code, run.stderr()).toBe(code);
      expect(exit.at - sent).toBeLessThan(2000);
      expect(JSON.parse(run.stdout())).toMatchObject({ status: 'failed', slot: SLOT });
      const end = readLog(dir).find((l) => l.event === 'run.end');
      expect(end).toMatchObject({ outcome: 'failed', level: 'error' });
      expect(end.error).toMatch(new RegExp(`interrupted by ${signal}`));
      expect(fs.readdirSync(path.join(dir, '.lucy-ops/locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
      sim.setScript({ '*': { kind: 'ok' } });
      const next = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
      expect(next.json?.status, next.stderr).toBe('ok');
    });
  }

  it('SIGTERM while backing off ends the sleep at once', async () => {
    sim.setScript({ 'deepseek-v3': { kind: 'rate-limit', retryAfterS: 30 }, '*': { kind: 'ok' } });
    const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 60_000, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 60_000 } }));
    const run = startCli(['generate', 'blog', '--json'], dir);
    await until('the first attempt.end', logHas(dir, (l) => l.event === 'attempt.end'));
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code).toBe(143);
    expect(exit.at - sent).toBeLessThan(2000);
    expect(readLog(dir).find((l) => l.event === 'run.end')).toMatchObject({ outcome: 'failed', error: 'run aborted: interrupted by SIGTERM' });
  });
});

describe('the deadline bounds every wait', () => {
  it('a huge Retry-After, a huge backoff and a keep-alive trickle: the run ends at deadlineMs', async () => {
    sim.setScript({
      'deepseek-v3': { kind: 'rate-limit', retryAfterS: 3600 },
      'llama-3.3-70b': { kind: 'status', status: 503 },
      'qwen-72b': { kind: 'trickle', intervalMs: 50 },
    });
    const cfg = simConfig({ primary: sim.url }, { deadlineMs: 1500, retry: { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 3_600_000 } }) as any;
    for (const p of cfg.providers) Object.assign(p, { timeoutMs: 600_000, idleTimeoutMs: 600_000 });
    const dir = tempProject(cfg);
    const r = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(r.exitCode, r.stderr).toBe(69);
    const end = readLog(dir).find((l) => l.event === 'run.end');
    expect(end.error).toMatch(/deadline of 1500 ms/);
    expect(end.durationMs).toBeGreaterThanOrEqual(1500);
    expect(end.durationMs).toBeLessThan(1500 + 300);
    expect(r.ms).toBeLessThan(1500 + 5000); // plus process start-up and the after-run hooks
  });

  it('a state lock held by a live, frozen process: run.end still comes at deadlineMs', async () => {
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 1500 }));
    // a live process that holds state.lock and never lets go (its heartbeat stopped: frozen)
    const holder = spawn('node', ['-e', 'setInterval(() => {}, 1e6)']);
    const holderGone = new Promise((r) => holder.once('exit', r));
    fs.mkdirSync(path.join(dir, '.lucy-ops/locks'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.lucy-ops/state.lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), token: 'frozen', at: new Date().toISOString() }));
    try {
      const run = startCli(['generate', 'blog', '--json'], dir);
      await until('run.end', logHas(dir, (l) => l.event === 'run.end'));
      const end = readLog(dir).find((l) => l.event === 'run.end');
      expect(end).toMatchObject({ outcome: 'failed' });
      expect(end.error).toMatch(/deadline of 1500 ms/);
      expect(end.durationMs).toBeLessThan(1500 + 300);
      // the after-run hooks wait for the lock too (bounded: a frozen holder's lock goes stale after
      // 10 s); the holder dying frees it at once
      holder.kill('SIGKILL');
      await holderGone;
      expect((await run.exited).code).toBe(69);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

/** A provider that quotes back the key it was sent (bare, no "Bearer"), in bodies and headers. */
function leakyProvider(): Promise<{ url: string; server: Server; mode: { ok: boolean } }> {
  const mode = { ok: false };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const model = (JSON.parse(body || '{}') as { model?: string }).model;
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo-key': key, 'www-authenticate': `Bearer realm="${key}"` });
        res.end(JSON.stringify(value));
      };
      if (mode.ok) {
        return json(200, { id: 'x', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: '# A safe title\n\nNo secrets here.' }, finish_reason: 'stop' }] });
      }
      if (model === 'p1') return json(401, { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } });
      if (model === 'p2') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end(`upstream rejected key=${key} for ${model}; key ${key}`);
      }
      return json(200, { error: { message: `key ${key} is over its quota`, code: 429 } });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, mode })));
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('secrets', () => {
  const KEYS = {
    LUCY_K1: 'sk-canary-primary-5f2b9c0e1d4a7788',
    // not in the sk- form: only scrubbing by value can catch it
    LUCY_K2: 'canaryhexkey0123456789abcdef0123',
    LUCY_K3: 'sk-canary-third-99aa88bb77cc66dd',
    LUCY_TOKEN: 'sk-canary-serve-token-1234567890',
  };
  const REDIS_PASSWORD = 'canaryRedisPass9876';
  const WRONG_TOKEN = 'sk-canary-wrong-token-000000000';
  const FRAGMENTS = ['canary', 'anaryhex', 'RedisPass', '5f2b9c0e', '99aa88bb', '1234567890', 'token-000'];

  let leaky: Awaited<ReturnType<typeof leakyProvider>>;
  let hook: Receiver;
  beforeAll(async () => {
    leaky = await leakyProvider();
    hook = await startReceiver();
  });
  afterAll(async () => {
    leaky?.server.close();
    await hook?.close();
  });

  it('canary keys, serve token and Redis password appear in no output, log, state, file, metric or alert', async () => {
    const redisUrl = `redis://:${REDIS_PASSWORD}@127.0.0.1:${new URL(await closedPortUrl()).port}/0`;
    const dir = tempProject({
      stateDir: '.lucy-ops',
      log: 'logs/jobs.jsonl',
      providers: ['p1', 'p2', 'p3'].map((name, i) => ({ name, baseUrl: leaky.url, model: name, apiKeyEnv: `LUCY_K${i + 1}`, timeoutMs: 2000, idleTimeoutMs: 1000 })),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      breaker: { failureThreshold: 100, cooldownMs: 300_000 },
      deadlineMs: 5000,
      jobs: {
        blog: { schedule: '0 * * * *', tz: 'UTC', kind: 'blog', outDir: 'content/blog', prompt: 'Write for {{date}}.' },
        env: { schedule: '5 * * * *', tz: 'UTC', command: ['node', '-e', 'console.log(JSON.stringify(process.env)); process.exit(3)'] },
      },
      alerts: { afterConsecutiveFailures: 1, webhook: hook.url, webhookFormat: 'json' },
      state: { redis: redisUrl },
      metrics: { textfile: 'metrics/lucy-ops.prom' },
      serve: { tokenEnv: 'LUCY_TOKEN' },
    });
    const env = { ...KEYS, LUCY_OPS_NOW: NOW };
    const outputs: string[] = [];
    const cli = async (args: string[], opts: { keepStderr?: boolean; now?: string } = {}) => {
      const r = await runCli(args, { cwd: dir, env: { ...env, ...(opts.now ? { LUCY_OPS_NOW: opts.now } : {}) } });
      outputs.push(r.stdout, opts.keepStderr === false ? '' : r.stderr);
      return r;
    };

    leaky.mode.ok = false;
    expect((await cli(['generate', 'blog', '--json'])).exitCode).toBe(69);
    expect((await cli(['generate', 'blog', '--force'])).exitCode).toBe(69);
    expect((await cli(['probe', 'providers', '--json'])).exitCode).toBe(69);
    expect((await cli(['probe', 'providers'])).exitCode).toBe(69);
    for (const args of [['breaker', 'status', '--json'], ['breaker', 'trip', 'p1', '--for', '10m', '--json'], ['breaker', 'status'], ['breaker', 'reset', '--json']]) {
      expect((await cli(args)).exitCode, args.join(' ')).toBe(0);
    }
    // the command's own output is its business (it passes through to stderr under --json);
    // what lucy-ops records of it (the log's output tail, alerts) must be scrubbed
    const run = await cli(['run', 'env', '--json'], { keepStderr: false });
    expect(run.json).toMatchObject({ job: 'env', status: 'failed', exitCode: 3 });
    expect(run.stderr).toContain(KEYS.LUCY_K2); // the child really printed it
    expect((await cli(['postmortem', 'gaps', '--since', '6h', '--json', '--fail-on-gap'], { now: LATER })).exitCode).toBe(1);
    expect((await cli(['backfill', '--since', '4h', '--job', 'blog', '--json'], { now: LATER })).exitCode).toBe(69);
    leaky.mode.ok = true;
    expect((await cli(['generate', 'blog', '--force', '--json'])).json.status).toBe('ok');
    expect((await cli(['backfill', '--since', '4h', '--job', 'blog', '--json'], { now: LATER })).exitCode).toBe(0);
    expect((await cli(['drill', '--json'])).exitCode).toBe(0);

    // serve: a wrong token, then provider errors that quote the key
    leaky.mode.ok = false;
    const serve = startCli(['serve', '--port', '0', '--json'], dir, env);
    const url = await new Promise<string>((resolve) => {
      const onData = () => {
        const line = serve.stdout().split('\n')[0];
        if (serve.stdout().includes('\n')) resolve(JSON.parse(line).url);
      };
      serve.child.stdout!.on('data', onData);
    });
    const ask = (token: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
      });
    const replies: string[] = [];
    for (const token of [WRONG_TOKEN, KEYS.LUCY_TOKEN]) {
      const res = await ask(token);
      replies.push(JSON.stringify([...res.headers]), await res.text());
      expect(res.status === 401).toBe(token === WRONG_TOKEN);
    }
    serve.child.kill('SIGTERM');
    await serve.exited;
    outputs.push(serve.stdout(), serve.stderr());

    await hook.waitFor(1);
    const files = walk(dir).filter((f) => path.basename(f) !== 'lucy-ops.config.json'); // the config holds the Redis URL by design
    expect(files.some((f) => f.endsWith('.prom'))).toBe(true);
    expect(files.some((f) => f.endsWith('state.json'))).toBe(true);
    const everything = [
      ...outputs,
      ...replies,
      ...files.map((f) => fs.readFileSync(f, 'utf8')),
      ...hook.requests.map((q) => q.raw + JSON.stringify(q.headers)),
    ].join('\n');
    expect(hook.requests.length).toBeGreaterThan(0);
    // the keys really were quoted back, and scrubbed: by value, not only by their look
    const log = readLog(dir);
    expect(log.filter((l) => l.event === 'attempt.end' && /redacted/i.test(l.error ?? '')).map((l) => l.provider)).toEqual(expect.arrayContaining(['p1', 'p2', 'p3']));
    expect(log.find((l) => l.job === 'env' && l.event === 'run.end').outputTail).toContain('LUCY_K2');
    for (const fragment of FRAGMENTS) expect(everything, fragment).not.toContain(fragment);
  }, 60_000);

  it.skipIf(!redisTestsEnabled())('a Redis URL with a password: not in output, warnings or Redis values, up or down', async () => {
    const redis = await startRedisServer({ password: REDIS_PASSWORD });
    try {
      sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok' } });
      const dir = tempProject(simConfig({ primary: sim.url }, { state: { redis: redis.url } }));
      const env = { LUCY_OPS_NOW: NOW };
      const runs = [
        await runCli(['generate', 'blog', '--json'], { cwd: dir, env }),
        await runCli(['breaker', 'trip', 'qwen-72b', '--json'], { cwd: dir, env }),
        await runCli(['breaker', 'status', '--json'], { cwd: dir, env }),
      ];
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      expect(runs[2].json.store.where).toMatch(new RegExp(`redis://127\\.0\\.0\\.1:${redis.port}/0`));
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      const keys = await client.keys('*');
      const values = await Promise.all(keys.map((k) => client.type(k).then((t) => (t === 'string' ? client.get(k) : ''))));
      await client.quit();
      expect(keys.length).toBeGreaterThan(0);
      await redis.kill();
      const down = await runCli(['breaker', 'status', '--json'], { cwd: dir, env });
      expect(down.exitCode).toBe(0);
      expect(down.stderr).toMatch(/redis:\/\/127\.0\.0\.1:\d+\/0 unavailable/);
      expect(down.ms).toBeLessThan(1500); // Redis down costs no waiting: a refused connection falls back at once
      const everything = [...runs, down].flatMap((r) => [r.stdout, r.stderr]).concat(keys, values as string[], walk(dir).filter((f) => !f.endsWith('.config.json')).map((f) => fs.readFileSync(f, 'utf8')));
      expect(everything.join('\n')).not.toContain(REDIS_PASSWORD);
      expect(everything.join('\n')).not.toContain('RedisPass');
    } finally {
      await redis.stop();
    }
  });
});

describe('one breaker, many processes', () => {
  it('20 runs for different slots: exact failure count, one breaker.open; after the cooldown exactly one trial reaches the primary', async () => {
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok' } });
    const base = simConfig({ primary: sim.url }) as any;
    base.jobs.minutely = { schedule: '* * * * *', tz: 'UTC', kind: 'thread', outDir: 'content/minutely', prompt: 'Now: {{time}}.' };
    const dir = tempProject(base);
    const wave = (hour: string, now: string) =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runCli(['generate', 'minutely', '--json', '--slot', `2026-04-19T${hour}:${String(i + 10).padStart(2, '0')}:00Z`], { cwd: dir, env: { LUCY_OPS_NOW: now } }),
        ),
      );
    const breaker = () => JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8')).entries['breaker:deepseek-v3'];
    const events = (name: string) => readLog(dir).filter((l) => l.event === name);

    sim.resetCounts();
    const first = await wave('13', '2026-04-19T14:00:00Z');
    for (const r of first) expect(r.json?.status, r.stderr).toBe('ok');
    const primaryCalls = sim.counts()['deepseek-v3'];
    expect(primaryCalls).toBeGreaterThanOrEqual(3);
    // every request the primary failed is counted, none twice, none lost
    expect(breaker()).toMatchObject({ state: 'open', consecutiveFailures: primaryCalls, lastError: 'auth' });
    expect(events('breaker.open')).toHaveLength(1);
    expect(events('attempt.end').filter((a) => a.provider === 'deepseek-v3' && a.outcome === 'failed')).toHaveLength(primaryCalls);

    // past the 5-minute cooldown: 20 runs at once, and the primary sees exactly one trial (which fails)
    sim.resetCounts();
    const openedAt = Date.parse(breaker().openedAt);
    const second = await wave('12', new Date(openedAt + 300_000 + 60_000).toISOString());
    for (const r of second) expect(r.json?.status, r.stderr).toBe('ok');
    expect(sim.counts()['deepseek-v3']).toBe(1);
    expect(events('breaker.half-open')).toHaveLength(1);
    expect(events('breaker.open')).toHaveLength(2);
    expect(breaker()).toMatchObject({ state: 'open', consecutiveFailures: primaryCalls + 1 });
  }, 60_000);
});

describe('garbage in the job log', () => {
  it('binary junk, a 10 MB line, CRLF, a BOM, unknown events and fields: gaps and backfill --dry-run read on and count', async () => {
    const dir = tempProject(simConfig({ primary: sim.url }));
    const rec = (o: Record<string, unknown>) => JSON.stringify({ level: 'info', job: 'blog', trigger: 'cron', runId: `r${o.scheduledFor}`, ...o });
    const slot = (h: number) => `2026-04-19T${String(h).padStart(2, '0')}:00:00.000Z`;
    const end = (h: number, extra: Record<string, unknown> = {}) => rec({ ts: slot(h).replace(':00.000Z', ':30.000Z'), event: 'run.end', scheduledFor: slot(h), outcome: 'ok', durationMs: 5, ...extra });
    const parts: Array<string | Buffer> = [
      '\uFEFF' + rec({ ts: slot(10), event: 'run.start', scheduledFor: slot(10) }) + '\r\n', // BOM, CRLF
      end(10) + '\r\n',
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a]), // binary junk
      'x'.repeat(10 * 1024 * 1024) + '\n', // a 10 MB line that is not JSON
      rec({ ts: slot(11), event: 'weird.event', scheduledFor: slot(11), nested: { deep: [1, 2] } }) + '\n', // unknown event
      end(12, { unknownField: 'kept quiet', another: { x: 1 } }) + '\r\n', // unknown fields
      'not json at all\n{"half": \n',
      end(13), // no newline at the end of the file
    ];
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
    const env = { LUCY_OPS_NOW: '2026-04-19T16:30:00Z' };
    const window = ['--since', '2026-04-19T09:30Z', '--until', '2026-04-19T15:30Z', '--job', 'blog', '--json'];

    const gaps = await runCli(['postmortem', 'gaps', ...window], { cwd: dir, env });
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    // 10, 12, 13 served; 11 (only an unknown event) and 14, 15 missing
    expect(gaps.json.jobs[0]).toMatchObject({ job: 'blog', slots: 6, served: 3, missing: 3, failed: 0 });
    expect(gaps.json.skippedLines).toBeGreaterThanOrEqual(4); // junk, 10 MB, "not json", the half record
    const dry = await runCli(['backfill', ...window, '--dry-run'], { cwd: dir, env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.slots.map((s: any) => s.slot)).toEqual([slot(11), slot(14), slot(15)]);
    expect(dry.json.skippedLines).toBe(gaps.json.skippedLines);

    // the next record appended to a log that ends mid-line starts on a line of its own
    sim.setScript({ '*': { kind: 'ok' } });
    const r = await runCli(['generate', 'blog', '--json', '--slot', slot(14)], { cwd: dir, env });
    expect(r.json?.status, r.stderr).toBe('ok');
    const again = await runCli(['postmortem', 'gaps', ...window], { cwd: dir, env });
    expect(again.json.jobs[0]).toMatchObject({ served: 4, missing: 2 });
    expect(again.json.skippedLines).toBe(gaps.json.skippedLines);
  });

  it('a log that cannot be read stops a real backfill before any slot runs; --dry-run still plans', async () => {
    sim.resetCounts();
    const dir = tempProject(simConfig({ primary: sim.url }));
    fs.mkdirSync(path.join(dir, 'logs/jobs.jsonl'), { recursive: true }); // a directory where the log should be
    const env = { LUCY_OPS_NOW: '2026-04-19T16:30:00Z' };
    const args = ['backfill', '--since', '3h', '--job', 'blog', '--json'];
    const real = await runCli(args, { cwd: dir, env });
    expect(real.exitCode).toBe(1);
    expect(real.stderr).toMatch(/could not read .*jobs\.jsonl.*not backfilling/);
    expect(sim.counts()).toEqual({});
    const dry = await runCli([...args, '--dry-run'], { cwd: dir, env });
    expect(dry.exitCode).toBe(0);
    expect(dry.json.unreadable).toEqual([expect.stringContaining('EISDIR')]);
    expect(dry.stderr).toMatch(/warning: could not read all of/);
  });
});
