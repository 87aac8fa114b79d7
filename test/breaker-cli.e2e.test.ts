/**
 * `breaker status | reset | trip` end to end: each command is a new process, so every round trip
 * goes through the state store, as it does between crontab lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

const NOW = '2026-04-19T14:00:05Z';
const cli = (dir: string, args: string[], now = NOW) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
/**
 * How far a process's clock may have run past its LUCY_OPS_NOW when it records or reads a time:
 * its own start-up and work, on a loaded machine. Each process's clock starts at LUCY_OPS_NOW when
 * it starts, so two processes given instants a minute apart disagree by the difference of their
 * delays. Every instant below is chosen so that a printed duration is this far from where its
 * rounding would change; tolerances on recorded times are this wide.
 */
const SLACK_MS = 30_000;
/** A project whose runs cannot time out: these tests count failures and read what was recorded. */
const project = () => tempProject(patient(simConfig({ primary: sim.url })));

it('trip in one process → status in another → generate skips the tripped provider → reset → generate uses it again', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  sim.resetCounts();
  const dir = project();

  const trip = await cli(dir, ['breaker', 'trip', 'deepseek-v3', '--for', '10m', '--json']);
  expect(trip.exitCode, trip.stderr).toBe(0);
  expect(trip.json.changed).toEqual([{ provider: 'deepseek-v3', from: 'closed', to: 'open', by: 'manual' }]);

  const status = await cli(dir, ['breaker', 'status', '--json'], '2026-04-19T14:01:05Z');
  expect(status.exitCode).toBe(0);
  expect(status.json.providers).toEqual([
    expect.objectContaining({ provider: 'deepseek-v3', state: 'open', consecutiveFailures: 0, by: 'manual' }),
    { provider: 'llama-3.3-70b', state: 'closed', consecutiveFailures: 0, downSince: null },
    { provider: 'qwen-72b', state: 'closed', consecutiveFailures: 0, downSince: null },
  ]);
  const tripped = status.json.providers[0];
  expect(Date.parse(tripped.openedAt) - Date.parse(NOW)).toBeGreaterThanOrEqual(0);
  expect(Date.parse(tripped.openedAt) - Date.parse(NOW)).toBeLessThan(SLACK_MS);
  expect(Date.parse(tripped.retryAt) - Date.parse(tripped.openedAt)).toBe(10 * 60_000);
  expect(status.json.store).toEqual({ kind: 'file', where: fs.realpathSync(path.join(dir, '.lucy-ops')) });

  const gen = await cli(dir, ['generate', 'blog', '--json'], '2026-04-19T14:02:00Z');
  expect(gen.exitCode, gen.stderr).toBe(0);
  expect(gen.json.attempts[0]).toMatchObject({ provider: 'deepseek-v3', outcome: 'skipped-open' });
  expect(gen.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  expect(sim.counts()['deepseek-v3']).toBeUndefined();

  const reset = await cli(dir, ['breaker', 'reset', 'deepseek-v3', '--json'], '2026-04-19T14:03:00Z');
  expect(reset.exitCode).toBe(0);
  expect(reset.json.changed).toEqual([{ provider: 'deepseek-v3', from: 'open', to: 'closed', by: 'manual' }]);
  expect(reset.json.providers[0]).toEqual({
    provider: 'deepseek-v3',
    state: 'closed',
    consecutiveFailures: 0,
    downSince: null,
  });

  const again = await cli(dir, ['generate', 'blog', '--json', '--force'], '2026-04-19T14:04:00Z');
  expect(again.json).toMatchObject({ provider: 'deepseek-v3', degraded: false });
  expect(sim.counts()['deepseek-v3']).toBe(1);

  const changes = readLog(dir).filter((l) => l.job === 'breaker');
  expect(changes).toEqual([
    expect.objectContaining({
      event: 'breaker.open',
      provider: 'deepseek-v3',
      by: 'manual',
      trigger: 'manual',
      forMs: 600000,
      retryAt: tripped.retryAt,
    }),
    expect.objectContaining({
      event: 'breaker.close',
      provider: 'deepseek-v3',
      from: 'open',
      by: 'manual',
      trigger: 'manual',
    }),
  ]);
});

it('status shows what the engine recorded: failures, last error, opened and retry times (relative and absolute)', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = project();
  expect((await cli(dir, ['generate', 'blog', '--json'], '2026-04-19T14:00:00Z')).exitCode).toBe(0);

  // the same instant read twice, side by side: as a document and as a person sees it; half a
  // minute past the whole minute, so each duration below is SLACK_MS from a rounding edge
  const [status, human] = await Promise.all([
    cli(dir, ['breaker', 'status', '--json'], '2026-04-19T14:01:30Z'),
    cli(dir, ['breaker', 'status'], '2026-04-19T14:01:30Z'),
  ]);
  const primary = status.json.providers[0];
  expect(primary).toMatchObject({
    provider: 'deepseek-v3',
    state: 'open',
    consecutiveFailures: 3,
    lastError: 'server',
  });
  expect(Date.parse(primary.retryAt) - Date.parse(primary.openedAt)).toBe(300_000);
  expect(primary.by).toBeUndefined();

  // opened on its first run: the incident began with that run's first attempt
  expect(Date.parse(primary.openedAt) - Date.parse(primary.downSince)).toBeGreaterThan(0);
  expect(Date.parse(primary.openedAt) - Date.parse(primary.downSince)).toBeLessThan(SLACK_MS);

  expect(human.exitCode).toBe(0);
  // down since 14:00:00 and some seconds (1m 30s ago, give or take the processes' delays),
  // retried at 14:05:00 and some seconds (in 3m 30s, give or take)
  expect(human.stdout).toMatch(
    /deepseek-v3.*open.*3.*14:00(:[0-2]\d)?Z \(1m( \d+s)?\).*14:05(:[0-2]\d)?Z \(in 3m( \d+s)?\).*server/,
  );
  expect(human.stdout).toMatch(/deepseek-v3: open, down since 14:00(:[0-2]\d)?Z \(1m( \d+s)?\)/);
  expect(human.stdout).toMatch(/state: file store .* times in UTC/);
});

it('down since stays at the incident’s start across failed half-open trials (openedAt moves, downSince does not)', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = project();
  expect((await cli(dir, ['generate', 'blog', '--json'], '2026-04-19T15:15:00Z')).exitCode).toBe(0);
  // every later run past the 5-minute cooldown gets the trial, which fails and re-opens the breaker
  for (const at of ['2026-04-19T16:00:00Z', '2026-04-19T18:29:30Z']) {
    const run = await cli(dir, ['generate', 'blog', '--json'], at);
    expect(run.json?.attempts?.[0], run.stderr + run.stdout).toMatchObject({
      provider: 'deepseek-v3',
      outcome: 'failed',
    });
  }
  // read at 18:32:00: down 3h 17m (minutes shown) and opened 2m 30s ago (seconds shown), each
  // SLACK_MS from the edge where its rounding would change
  const [status, human] = await Promise.all([
    cli(dir, ['breaker', 'status', '--json'], '2026-04-19T18:32:00Z'),
    cli(dir, ['breaker', 'status'], '2026-04-19T18:32:00Z'),
  ]);
  const primary = status.json.providers[0];
  expect(primary.state).toBe('open');
  expect(Date.parse(primary.downSince) - Date.parse('2026-04-19T15:15:00Z')).toBeGreaterThanOrEqual(0);
  expect(Date.parse(primary.downSince) - Date.parse('2026-04-19T15:15:00Z')).toBeLessThan(SLACK_MS);
  expect(Date.parse(primary.openedAt) - Date.parse('2026-04-19T18:29:30Z')).toBeLessThan(SLACK_MS);
  expect(Date.parse(primary.openedAt) - Date.parse('2026-04-19T18:29:30Z')).toBeGreaterThanOrEqual(0);

  expect(human.stdout).toMatch(
    /deepseek-v3: open, down since 15:15(:[0-2]\d)?Z \(3h 17m\), last opened 18:29:[3-5]\dZ \(2m( \d+s)?\)/,
  );
  expect(human.stdout).not.toMatch(/1m \d+s ago/);
});

it('trip, status and breaker status say the same "in 2h" for one instant, though their clocks run ms apart', async () => {
  const dir = tempProject(simConfig({ primary: sim.url }));
  const trip = await cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '2h']);
  // 16:00:05 and the trip's own delay (its clock read at the write): seconds under SLACK_MS
  expect(trip.stdout).toMatch(/qwen-72b: breaker open until 16:00(:[0-3]\d)?Z \(in 2h\)/);
  // each process starts its clock at LUCY_OPS_NOW and reads it a few ms later than the trip did
  const [board, status] = await Promise.all([cli(dir, ['breaker', 'status']), cli(dir, ['status', '--since', '1h'])]);
  for (const view of [board.stdout, status.stdout]) {
    expect(view).toMatch(/qwen-72b .*16:00(:[0-3]\d)?Z \(in 2h\)/);
    expect(view).not.toContain('1h 59m');
  }
});

it('reset needs provider names or --all: a bare reset changes nothing and exits 64 with a hint', async () => {
  const dir = tempProject(simConfig({ primary: sim.url }));
  await cli(dir, ['breaker', 'trip', 'deepseek-v3', '--for', '2h']);
  const [bare, bareJson, both] = await Promise.all([
    cli(dir, ['breaker', 'reset']),
    cli(dir, ['breaker', 'reset', '--json']),
    cli(dir, ['breaker', 'reset', 'qwen-72b', '--all']),
  ]);
  expect(bare.exitCode).toBe(64);
  expect(bare.stderr).toMatch(/name the providers to close .*--all/);
  expect(bareJson.exitCode).toBe(64);
  expect(bareJson.json.error.exitCode).toBe(64);
  expect(both.exitCode).toBe(64);
  const status = await cli(dir, ['breaker', 'status', '--json']);
  expect(status.json.providers[0]).toMatchObject({ state: 'open', by: 'manual' }); // the trip is untouched
  expect(readLog(dir).filter((l) => l.event === 'breaker.close')).toEqual([]);

  const some = await cli(dir, ['breaker', 'reset', 'deepseek-v3', 'qwen-72b', '--json']);
  expect(some.exitCode, some.stderr).toBe(0);
  expect(some.json.changed).toEqual([{ provider: 'deepseek-v3', from: 'open', to: 'closed', by: 'manual' }]);
});

it('reset --all closes every breaker', async () => {
  const dir = tempProject(simConfig({ primary: sim.url }));
  await Promise.all([
    cli(dir, ['breaker', 'trip', 'deepseek-v3']),
    cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '2h']),
  ]);
  const reset = await cli(dir, ['breaker', 'reset', '--all', '--json']);
  expect(reset.exitCode).toBe(0);
  expect(reset.json.changed.map((t: any) => t.provider).sort()).toEqual(['deepseek-v3', 'qwen-72b']);
  expect(reset.json.providers.every((p: any) => p.state === 'closed')).toBe(true);
  // trip without --for lasts breaker.cooldownMs
  const opened = readLog(dir).filter((l) => l.event === 'breaker.open');
  expect(Object.fromEntries(opened.map((l) => [l.provider, l.forMs]))).toEqual({
    'deepseek-v3': 300000,
    'qwen-72b': 7200000,
  });
});

it('a hand trip while Redis is unreachable says it holds on this host only', async () => {
  // port 9 (discard) on loopback: nothing listens, the connection is refused at once
  const dir = tempProject(simConfig({ primary: sim.url }, { state: { redis: 'redis://127.0.0.1:9/0' } }));
  const [r, onFiles] = await Promise.all([
    runCli(['breaker', 'trip', 'qwen-72b', '--for', '10m'], { cwd: dir }),
    runCli(['breaker', 'trip', 'qwen-72b', '--for', '10m'], { cwd: tempProject(simConfig({ primary: sim.url })) }),
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout + r.stderr).toContain('ON THIS HOST ONLY');
  expect(onFiles.stdout + onFiles.stderr).not.toContain('ON THIS HOST ONLY'); // the file store is the configured one: nothing to warn about
});

it('unknown provider or bad duration: exit 64, naming the known providers', async () => {
  const dir = tempProject(simConfig({ primary: sim.url }));
  const [trip, reset, bad] = await Promise.all([
    cli(dir, ['breaker', 'trip', 'gpt-9']),
    cli(dir, ['breaker', 'reset', 'gpt-9']),
    cli(dir, ['breaker', 'trip', 'deepseek-v3', '--for', 'a while']),
  ]);
  for (const r of [trip, reset]) {
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain('unknown provider "gpt-9"');
    expect(r.stderr).toContain('deepseek-v3, llama-3.3-70b, qwen-72b');
  }
  expect(bad.exitCode).toBe(64);
  expect(bad.stderr).toContain('--for');
  expect(readLog(dir)).toEqual([]);
});

it('breaker status loads no HTTP client (it must be instant at 3 a.m.)', async () => {
  const dir = tempProject(simConfig({ primary: sim.url }));
  // a module resolve hook that records every module the process loads
  const seen = path.join(dir, 'loaded.txt');
  fs.writeFileSync(
    path.join(dir, 'hook.mjs'),
    `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(${JSON.stringify(seen)}, r.url + '\\n'); return r; }\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hook.mjs', import.meta.url);\n`,
  );
  const r = await runCli(['breaker', 'status', '--json'], {
    cwd: dir,
    env: { NODE_OPTIONS: `--import=${path.join(dir, 'register.mjs')}` },
  });
  expect(r.exitCode, r.stderr).toBe(0);
  const loaded = fs.readFileSync(seen, 'utf8');
  expect(loaded).toContain('/dist/bundle/main.js'); // the hook works
  expect(loaded).not.toContain('/node_modules/undici/');
  expect(loaded).not.toContain('/node_modules/execa/');
});
