/**
 * Robustness, end to end: canary API keys, the serve token and a Redis password appear in no
 * output, log, state, file, metric or alert, even when providers quote the key back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../src/sim/server.js';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { redisTestsEnabled, startRedisServer } from './helpers/redis-server.js';
import { LATER, leakyProvider, NOW, useRobustness, walk } from './helpers/robustness.js';

const { sim, startCli } = useRobustness();

/**
 * A preload that writes, at exit, the delay of every setTimeout whose callback ran: a command that
 * waits on a timer (a retry pause, a close wait) shows it here, whatever the machine's load.
 */
const TIMER_PROBE = (file: string) => `import fs from 'node:fs';
const ran = [];
const original = globalThis.setTimeout;
globalThis.setTimeout = function (fn, ms, ...args) {
  const delay = Number(ms) || 0;
  return original.call(this, (...a) => { ran.push(delay); return fn(...a); }, ms, ...args);
};
process.on('exit', () => fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify(ran)));
`;

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
      providers: ['p1', 'p2', 'p3'].map((name, i) => ({
        name,
        baseUrl: leaky.url,
        model: name,
        apiKeyEnv: `LUCY_K${i + 1}`,
        // no bound a loaded machine could reach: every provider must answer with its quoted key
        // (a timeout quotes nothing, and a run past its deadline never asks p3)
        timeoutMs: 300_000,
        idleTimeoutMs: 300_000,
      })),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      breaker: { failureThreshold: 100, cooldownMs: 300_000 },
      deadlineMs: 600_000,
      jobs: {
        blog: { schedule: '0 * * * *', tz: 'UTC', kind: 'blog', outDir: 'content/blog', prompt: 'Write for {{date}}.' },
        env: {
          schedule: '5 * * * *',
          tz: 'UTC',
          command: ['node', '-e', 'console.log(JSON.stringify(process.env)); process.exit(3)'],
        },
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
    for (const args of [
      ['breaker', 'status', '--json'],
      ['breaker', 'trip', 'p1', '--for', '10m', '--json'],
      ['breaker', 'status'],
      ['breaker', 'reset', '--all', '--json'],
    ]) {
      expect((await cli(args)).exitCode, args.join(' ')).toBe(0);
    }
    // the command's own output is its business (it passes through to stderr under --json);
    // what lucy-ops records of it (the log's output tail, alerts) must be scrubbed
    const run = await cli(['run', 'env', '--json'], { keepStderr: false });
    expect(run.json).toMatchObject({ job: 'env', status: 'failed', exitCode: 3 });
    expect(run.stderr).toContain(KEYS.LUCY_K2); // the child really printed it
    expect(
      (await cli(['postmortem', 'gaps', '--since', '6h', '--json', '--fail-on-gap'], { now: LATER })).exitCode,
    ).toBe(1);
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
    expect(
      log.filter((l) => l.event === 'attempt.end' && /redacted/i.test(l.error ?? '')).map((l) => l.provider),
    ).toEqual(expect.arrayContaining(['p1', 'p2', 'p3']));
    expect(log.find((l) => l.job === 'env' && l.event === 'run.end').outputTail).toContain('LUCY_K2');
    for (const fragment of FRAGMENTS) expect(everything, fragment).not.toContain(fragment);
  }); // some twenty CLI processes, the whole drill among them

  it.skipIf(!redisTestsEnabled())(
    'a Redis URL with a password: not in output, warnings or Redis values, up or down',
    async () => {
      const redis = await startRedisServer({ password: REDIS_PASSWORD });
      try {
        sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok' } });
        // a far Redis bound: the running Redis must be the one used however loaded the machine
        const dir = tempProject(
          patient(simConfig({ primary: sim.url }, { state: { redis: redis.url, timeoutMs: 60_000 } })),
        );
        const env = { LUCY_OPS_NOW: NOW };
        // three processes side by side: none waits for another's change
        const runs = await Promise.all([
          runCli(['generate', 'blog', '--json'], { cwd: dir, env }),
          runCli(['breaker', 'trip', 'qwen-72b', '--json'], { cwd: dir, env }),
          runCli(['breaker', 'status', '--json'], { cwd: dir, env }),
        ]);
        expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0]);
        expect(runs[2].json.store.where).toMatch(new RegExp(`redis://127\\.0\\.0\\.1:${redis.port}/0`));
        const { Redis } = await import('ioredis');
        const client = new Redis(redis.url);
        const keys = await client.keys('*');
        const values = await Promise.all(
          keys.map((k) => client.type(k).then((t) => (t === 'string' ? client.get(k) : ''))),
        );
        await client.quit();
        expect(keys.length).toBeGreaterThan(0);
        await redis.kill();
        // Redis down costs no waiting (a refused connection falls back at once, not after ioredis'
        // 2 s disconnect wait): a preload records every timer the command lets run out, so a wait
        // shows as a timer of its length, however busy the machine is
        const timers = path.join(dir, 'timers.json');
        fs.writeFileSync(path.join(dir, 'timers.mjs'), TIMER_PROBE(timers));
        const down = await runCli(['breaker', 'status', '--json'], {
          cwd: dir,
          env: { ...env, NODE_OPTIONS: `--import=${path.join(dir, 'timers.mjs')}` },
        });
        expect(down.exitCode, down.stderr).toBe(0);
        expect(down.stderr).toMatch(/redis:\/\/127\.0\.0\.1:\d+\/0 unavailable/);
        const waited = JSON.parse(fs.readFileSync(timers, 'utf8')) as number[];
        expect(waited.filter((ms) => ms >= 200)).toEqual([]);
        fs.rmSync(timers);
        const everything = [...runs, down]
          .flatMap((r) => [r.stdout, r.stderr])
          .concat(
            keys,
            values as string[],
            walk(dir)
              .filter((f) => !f.endsWith('.config.json'))
              .map((f) => fs.readFileSync(f, 'utf8')),
          );
        expect(everything.join('\n')).not.toContain(REDIS_PASSWORD);
        expect(everything.join('\n')).not.toContain('RedisPass');
      } finally {
        await redis.stop();
      }
    },
  );
});
