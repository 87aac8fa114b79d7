/**
 * `lucy-ops generate` end to end: the built CLI in a new process, against the real simulator over
 * HTTP, for every row of the fault matrix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPortUrl, type Fault } from '../src/sim/server.js';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

const SLOT = '2026-04-19T14:00:00.000Z';
const NOW = '2026-04-19T14:00:05Z';

/** A project whose attempts cannot time out (no test of this kind asserts a timing). */
function project(over: Record<string, unknown> = {}) {
  return tempProject(patient(simConfig({ primary: sim.url }, over)));
}

async function generate(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  return runCli(['generate', 'blog', '--json', ...args], { cwd: dir, env: { LUCY_OPS_NOW: NOW, ...env } });
}

describe('generate: healthy primary', () => {
  it('serves the slot from the primary, writes one Markdown file and logs the run', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = project();
    const r = await generate(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      job: 'blog',
      slot: SLOT,
      status: 'ok',
      provider: 'deepseek-v3',
      model: 'deepseek-v3',
      degraded: false,
    });
    expect(r.json.attempts).toEqual([expect.objectContaining({ provider: 'deepseek-v3', outcome: 'ok' })]);
    const file = r.json.output as string;
    expect(path.dirname(file)).toBe(fs.realpathSync(path.join(dir, 'content/blog')));
    expect(path.basename(file)).toMatch(/^2026-04-19T1400Z--[a-z0-9-]+\.md$/);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^---\njob: "blog"\nkind: "blog"\nslot: "2026-04-19T14:00:00.000Z"\n/);
    expect(text).toContain('provider: "deepseek-v3"');
    expect(text).toContain('degraded: false');
    const log = readLog(dir);
    expect(log.map((l) => l.event)).toEqual(['run.start', 'attempt.end', 'run.end']);
    for (const rec of log)
      expect(rec).toMatchObject({ job: 'blog', scheduledFor: SLOT, trigger: 'cron', runId: log[0].runId });
    expect(log[2]).toMatchObject({ outcome: 'ok', provider: 'deepseek-v3', degraded: false });
  });

  it('skips a slot that is already served, and --force runs it again', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = project();
    expect((await generate(dir)).exitCode).toBe(0);
    const again = await generate(dir);
    expect(again.exitCode).toBe(0);
    expect(again.json.status).toBe('skipped');
    const forced = await generate(dir, ['--force']);
    expect(forced.json.status).toBe('ok');
    expect(fs.readdirSync(path.join(dir, 'content/blog')).filter((f) => f.endsWith('.md'))).toHaveLength(1);
  });

  it('--slot serves a given slot and refuses a time that is not one', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = project();
    const r = await generate(dir, ['--slot', '2026-04-19T11:00:00Z']);
    expect(r.json).toMatchObject({ slot: '2026-04-19T11:00:00.000Z', status: 'ok' });
    expect(readLog(dir)[0].trigger).toBe('manual');
    const bad = await generate(dir, ['--slot', '2026-04-19T11:07:00Z']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/not a slot.*nearest: 2026-04-19T11:00:00.000Z or 2026-04-19T12:00:00.000Z/);
  });

  it('--dry-run calls no provider and writes nothing', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    sim.resetCounts();
    const dir = project();
    const r = await generate(dir, ['--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.json.status).toBe('skipped');
    expect(sim.counts()).toEqual({});
    expect(fs.existsSync(path.join(dir, 'content/blog'))).toBe(false);
  });

  it('--dry-run on a served slot names its file once', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = project();
    const file = (await generate(dir)).json.output as string;
    const human = await runCli(['generate', 'blog', '--dry-run'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(human.exitCode).toBe(0);
    expect(human.stdout.trim()).toBe(`• blog 14:00Z skipped: dry run: already served (${file})`);
    const json = await generate(dir, ['--dry-run']);
    expect(json.json).toMatchObject({ status: 'skipped', reason: 'dry run: already served', output: file });
  });
});

/**
 * Primary fault → the fallback serves; how many tries the primary gets depends on the class. Each
 * row's attempts get only the bound its fault is about (`bounds`: the other one and the run's
 * deadline far off), so a loaded machine cannot turn a 503 into a timeout or an idle trickle into
 * a total timeout.
 */
type Bounds = { timeoutMs: number; idleTimeoutMs: number };
const MATRIX: Array<{
  name: string;
  fault: Fault;
  tries: number;
  errorType: string;
  httpStatus?: number;
  bounds?: Bounds;
}> = [
  { name: '503 HTML', fault: { kind: 'status', status: 503 }, tries: 3, errorType: 'server', httpStatus: 503 },
  {
    name: '429 with retry-after-ms',
    fault: { kind: 'rate-limit', retryAfterMs: 20 },
    tries: 3,
    errorType: 'rate-limit',
    httpStatus: 429,
  },
  {
    name: 'hang before headers',
    fault: { kind: 'hang' },
    tries: 3,
    errorType: 'timeout',
    bounds: { timeoutMs: 1500, idleTimeoutMs: 300_000 },
  },
  {
    name: 'keep-alive trickle forever',
    fault: { kind: 'trickle', intervalMs: 50 },
    tries: 3,
    errorType: 'idle-timeout',
    bounds: { timeoutMs: 300_000, idleTimeoutMs: 500 },
  },
  { name: 'stream cut mid-way', fault: { kind: 'cut', afterChunks: 2 }, tries: 3, errorType: 'reset' },
  { name: 'invalid JSON', fault: { kind: 'invalid-json' }, tries: 3, errorType: 'invalid-json' },
  { name: '200 with an error body', fault: { kind: 'error-body' }, tries: 3, errorType: 'error-body' },
  { name: 'empty choices', fault: { kind: 'empty-choices' }, tries: 3, errorType: 'empty' },
  { name: 'connection reset', fault: { kind: 'reset' }, tries: 3, errorType: 'reset' },
  { name: '401 unauthorized', fault: { kind: 'status', status: 401 }, tries: 1, errorType: 'auth', httpStatus: 401 },
  {
    name: '404 model not found',
    fault: { kind: 'status', status: 404 },
    tries: 1,
    errorType: 'not-found',
    httpStatus: 404,
  },
  {
    name: '400 context length',
    fault: { kind: 'context-length' },
    tries: 1,
    errorType: 'context-length',
    httpStatus: 400,
  },
];

describe('generate: fault matrix on the primary', () => {
  for (const row of MATRIX) {
    it(`${row.name}: ${row.tries === 1 ? 'fails over at once' : 'retries, then fails over'}, marked degraded`, async () => {
      sim.setScript({ 'deepseek-v3': row.fault, '*': { kind: 'ok' } });
      // a high threshold keeps the breaker out of this test: it is about classification
      const cfg = patient(
        simConfig({ primary: sim.url }, { breaker: { failureThreshold: 100, cooldownMs: 300000 } }),
      ) as any;
      if (row.bounds) Object.assign(cfg.providers[0], row.bounds);
      const dir = tempProject(cfg);
      const r = await generate(dir);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ status: 'ok', provider: 'llama-3.3-70b', degraded: true });
      const failed = r.json.attempts.filter((a: any) => a.provider === 'deepseek-v3');
      expect(failed).toHaveLength(row.tries);
      for (const a of failed)
        expect(a).toMatchObject({
          outcome: 'failed',
          errorType: row.errorType,
          ...(row.httpStatus ? { httpStatus: row.httpStatus } : {}),
        });
      expect(r.json.attempts.at(-1)).toMatchObject({ provider: 'llama-3.3-70b', outcome: 'ok' });
      const log = readLog(dir);
      expect(log.filter((l) => l.event === 'attempt.end')).toHaveLength(row.tries + 1);
      expect(log.at(-1)).toMatchObject({ event: 'run.end', outcome: 'ok', provider: 'llama-3.3-70b', degraded: true });
      // a timed-out try lasted its bound, as the engine measured it: the bound cut it, nothing sooner
      const bound = row.bounds && Math.min(row.bounds.timeoutMs, row.bounds.idleTimeoutMs);
      if (bound) for (const a of failed) expect(a.ms).toBeGreaterThanOrEqual(bound - 5);
    });
  }

  it('connection refused: fails over to the next provider', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dead = await closedPortUrl();
    const dir = tempProject(
      patient(
        simConfig({ primary: dead, fallback: sim.url }, { breaker: { failureThreshold: 100, cooldownMs: 300000 } }),
      ),
    );
    const r = await generate(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.attempts.filter((a: any) => a.provider === 'deepseek-v3').map((a: any) => a.errorType)).toEqual([
      'connect',
      'connect',
      'connect',
    ]);
    expect(r.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  });

  it('streaming providers fail over the same way on a cut stream', async () => {
    sim.setScript({ 'deepseek-v3': { kind: 'cut', afterChunks: 2, how: 'end' }, '*': { kind: 'ok' } });
    const cfg = patient(
      simConfig({ primary: sim.url }, { breaker: { failureThreshold: 100, cooldownMs: 300000 } }),
    ) as any;
    for (const p of cfg.providers) p.stream = true;
    const dir = tempProject(cfg);
    const r = await generate(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.attempts[0]).toMatchObject({ provider: 'deepseek-v3', errorType: 'stream-cut' });
    expect(r.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  });
});

describe('generate: when nothing can serve', () => {
  it('exits 69 with a failed run.end naming every cause', async () => {
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    const dir = project({ breaker: { failureThreshold: 100, cooldownMs: 300000 } });
    const r = await generate(dir);
    expect(r.exitCode).toBe(69);
    expect(r.json.status).toBe('failed');
    expect(r.json.attempts).toHaveLength(9);
    const end = readLog(dir).find((l) => l.event === 'run.end');
    expect(end).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(end.error).toMatch(/deepseek-v3: 503 ×3; llama-3.3-70b: 503 ×3; qwen-72b: 503 ×3/);
  });

  it('one deadline bounds the whole run, even while every provider hangs', async () => {
    sim.setScript({ '*': { kind: 'hang' } });
    const cfg = simConfig(
      { primary: sim.url },
      // 4 s: the first attempt (after one breaker read) starts inside it on a loaded machine too; at
      // 1.2 s a stalled process could reach the deadline before any attempt, with none to check
      { deadlineMs: 4000, breaker: { failureThreshold: 100, cooldownMs: 300000 } },
    ) as any;
    for (const p of cfg.providers) p.timeoutMs = 600_000;
    const dir = tempProject(cfg);
    const r = await generate(dir);
    expect(r.exitCode).toBe(69);
    expect(r.json.attempts.at(-1)).toMatchObject({ errorType: 'deadline' });
    // Each provider would hang for 600 s: ending far sooner is the deadline's doing. How late past
    // 4000 ms a loaded machine gets there (module loading counts in the run's duration, timers fire
    // late) is no part of this; src/engine/deadline.test.ts times the deadline itself.
    expect(readLog(dir).find((l) => l.event === 'run.end').durationMs).toBeGreaterThanOrEqual(4000);
    expect(readLog(dir).find((l) => l.event === 'run.end').durationMs).toBeLessThan(60_000);
    expect(r.ms).toBeLessThan(120_000);
    expect(readLog(dir).find((l) => l.event === 'run.end').error).toMatch(/deadline/);
  });
});

describe('generate: config errors exit 78 naming the field', () => {
  it('unknown provider in a job', async () => {
    const cfg = simConfig({ primary: sim.url }) as any;
    cfg.jobs.blog.providers = ['nope'];
    const r = await generate(tempProject(cfg));
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('jobs.blog.providers[0]: unknown provider "nope"');
  });

  it('empty chain, negative timeout, duplicate name, bad cron', async () => {
    for (const [mutate, message] of [
      [(c: any) => (c.providers = []), 'providers: must be a non-empty array'],
      [(c: any) => (c.providers[0].timeoutMs = -5), 'providers[0].timeoutMs: must be at least 1, got -5'],
      [(c: any) => (c.providers[1].name = 'deepseek-v3'), 'providers[1].name: duplicate provider name "deepseek-v3"'],
      [(c: any) => (c.jobs.blog.schedule = '61 * * * *'), 'jobs.blog.schedule:'],
    ] as const) {
      const cfg = simConfig({ primary: sim.url }) as any;
      mutate(cfg);
      const r = await generate(tempProject(cfg));
      expect(r.exitCode, message).toBe(78);
      expect(r.stderr).toContain(message);
    }
  });

  it('a missing API key variable: no request, exit 78, and the cron run is logged as a failed run of its slot', async () => {
    sim.resetCounts();
    const cfg = patient(simConfig({ primary: sim.url })) as any;
    cfg.providers[1].apiKeyEnv = 'LUCY_TEST_ABSENT_KEY';
    const dir = tempProject(cfg);
    const r = await generate(dir);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain(
      'providers[1].apiKeyEnv: environment variable LUCY_TEST_ABSENT_KEY is not set (needed by provider llama-3.3-70b)',
    );
    expect(r.json.error).toMatchObject({ exitCode: 78, message: expect.stringContaining('LUCY_TEST_ABSENT_KEY') });
    expect(sim.counts()).toEqual({});
    // loud, not silent: run.start + a failed run.end naming the variable, for the slot cron serves now
    const log = readLog(dir);
    expect(log.map((l) => l.event)).toEqual(['run.start', 'run.end']);
    for (const rec of log)
      expect(rec).toMatchObject({ job: 'blog', scheduledFor: SLOT, trigger: 'cron', runId: log[0].runId });
    expect(log[1]).toMatchObject({ outcome: 'failed', level: 'error', failure: 'config', errorType: 'missing-key' });
    expect(log[1].error).toBe(
      'configuration error: environment variable LUCY_TEST_ABSENT_KEY is not set (needed by llama-3.3-70b)',
    );

    // postmortem sees a failed slot (not a missing one: the job did start)
    const gaps = await runCli(['postmortem', 'gaps', '--since', SLOT, '--job', 'blog', '--json'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: '2026-04-19T14:30:00Z' },
    });
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    expect(gaps.json.gaps).toEqual([
      expect.objectContaining({
        job: 'blog',
        start: SLOT,
        slots: 1,
        failed: 1,
        missing: 0,
        cause: 'run: missing-key ×1',
      }),
    ]);

    // --slot: the same, logged for that slot with trigger manual
    const manual = await generate(dir, ['--slot', '2026-04-19T11:00:00Z']);
    expect(manual.exitCode).toBe(78);
    expect(readLog(dir).slice(2)).toEqual([
      expect.objectContaining({ event: 'run.start', scheduledFor: '2026-04-19T11:00:00.000Z', trigger: 'manual' }),
      expect.objectContaining({
        event: 'run.end',
        scheduledFor: '2026-04-19T11:00:00.000Z',
        trigger: 'manual',
        outcome: 'failed',
        failure: 'config',
      }),
    ]);
    expect(sim.counts()).toEqual({});

    // a slot already served needs no provider: without the key it is skipped as served, not failed
    sim.setScript({ '*': { kind: 'ok' } });
    const served = await generate(dir, ['--slot', '2026-04-19T12:00:00Z'], { LUCY_TEST_ABSENT_KEY: 'sk-test' });
    expect(served.exitCode, served.stderr).toBe(0);
    const before = readLog(dir).length;
    const again = await generate(dir, ['--slot', '2026-04-19T12:00:00Z']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ status: 'skipped' });
    expect(readLog(dir).slice(before)).toEqual([
      expect.objectContaining({ event: 'run.start' }),
      expect.objectContaining({ event: 'run.end', outcome: 'skipped', reason: 'served' }),
    ]);
  });

  it('--dry-run with a missing key fails as the real run would (78, same message) and logs nothing', async () => {
    sim.resetCounts();
    const cfg = simConfig({ primary: sim.url }) as any;
    for (const p of cfg.providers) p.apiKeyEnv = 'LUCY_TEST_ABSENT_KEY';
    const dir = tempProject(cfg);
    const r = await generate(dir, ['--dry-run']);
    expect(r.exitCode).toBe(78);
    expect(r.json.error.exitCode).toBe(78);
    for (const [i, name] of ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'].entries()) {
      expect(r.stderr).toContain(
        `providers[${i}].apiKeyEnv: environment variable LUCY_TEST_ABSENT_KEY is not set (needed by provider ${name})`,
      );
    }
    expect(fs.existsSync(path.join(dir, 'logs/jobs.jsonl'))).toBe(false);
    expect(sim.counts()).toEqual({});
    // and with the key set, the dry run passes
    const ok = await generate(dir, ['--dry-run'], { LUCY_TEST_ABSENT_KEY: 'sk-test' });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.json.reason).toBe('dry run: would run through deepseek-v3 → llama-3.3-70b → qwen-72b');
  });
});

describe('generate: secrets', () => {
  it('a canary key appears in no output, log, state or content', async () => {
    const canary = 'sk-canary-5f2b9c0e1d4a7788';
    sim.setScript({
      'deepseek-v3': { kind: 'status', status: 401 },
      'llama-3.3-70b': { kind: 'status', status: 503 },
      '*': { kind: 'ok' },
    });
    const cfg = patient(simConfig({ primary: sim.url })) as any;
    for (const p of cfg.providers) p.apiKeyEnv = 'LUCY_TEST_KEY';
    const dir = tempProject(cfg);
    const r1 = await generate(dir, [], { LUCY_TEST_KEY: canary });
    const r2 = await runCli(['generate', 'blog', '--force'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW, LUCY_TEST_KEY: canary },
    });
    expect(r1.json.status).toBe('ok');
    expect(sim.requests().some((q) => q.authorization)).toBe(true);
    const everything = [
      r1.stdout,
      r1.stderr,
      r2.stdout,
      r2.stderr,
      ...walk(dir).map((f) => fs.readFileSync(f, 'utf8')),
    ].join('\n');
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain('canary-5f2b');
  });
});

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
