/**
 * A fleet: two "hosts" (working dirs with their own outDir, stateDir and log) sharing one real
 * redis-server, and the built CLI in real processes against the simulator. A slot is served once
 * whichever host runs it, gaps and backfill agree on both hosts, and exclusion on one host holds
 * while Redis goes away and comes back.
 */
import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { heldProvider } from './helpers/held-provider.js';
import { useSimulator } from './helpers/sim.js';
import { redisTestsEnabled, startRedisServer, type RedisServer } from './helpers/redis-server.js';

const sim = useSimulator();
const NOW = '2026-04-19T15:30:00Z';
let redis: RedisServer;
let prefixes = 0;

/**
 * Two hosts' configs: one Redis and key prefix, each its own dir; attempts that cannot time out
 * and a far deadline (these tests count requests and runs, however loaded the machine).
 */
function hosts(over: Record<string, unknown> = {}, primary = sim.url): [string, string] {
  // a Redis that is up must be used however loaded the machine: a far connect bound (a killed one
  // refuses at once, whatever the bound)
  const state = { redis: redis.url, keyPrefix: `fleet-${process.pid}-${++prefixes}:`, timeoutMs: 60_000 };
  const base = patient(simConfig({ primary }));
  const make = () => tempProject({ ...base, state, ...over });
  return [make(), make()];
}

function generate(dir: string, slot: string, env: Record<string, string> = {}) {
  return runCli(['generate', 'blog', '--json', '--slot', slot], { cwd: dir, env: { LUCY_OPS_NOW: NOW, ...env } });
}

describe.skipIf(!redisTestsEnabled())('a fleet of two hosts sharing Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('sequential runs of one slot on two hosts: one provider request; the second host skips it as served', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    sim.resetCounts();
    const [a, b] = hosts();
    const first = await generate(a, '2026-04-19T14:00:00Z');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json.status).toBe('ok');
    const second = await generate(b, '2026-04-19T14:00:00Z');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ status: 'skipped', output: first.json.output });
    expect(second.json.reason).toMatch(/^already served on /);
    expect(sim.requests()).toHaveLength(1);
    expect(fs.existsSync(path.join(b, 'content/blog'))).toBe(false); // B wrote nothing
    const skipped = readLog(b).find((r) => r.event === 'run.end');
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'served', servedRunId: first.json.runId });
  });

  it('a command job served on one host is skipped on the other (run checks the shared ledger); --force runs it', async () => {
    const marker = (dir: string) => path.join(dir, 'ran.txt');
    const [a, b] = hosts({
      jobs: {
        sitemap: { schedule: '5 * * * *', command: ['node', '-e', "require('fs').appendFileSync('ran.txt', 'x')"] },
      },
    });
    const run = (dir: string, extra: string[] = []) =>
      runCli(['run', 'sitemap', '--json', '--slot', '2026-04-19T14:05:00Z', ...extra], {
        cwd: dir,
        env: { LUCY_OPS_NOW: NOW },
      });
    const first = await run(a);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json.status).toBe('ok');
    const second = await run(b);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ status: 'skipped', reason: 'served' });
    expect(fs.existsSync(marker(b))).toBe(false); // the command never started on B
    expect(readLog(b).find((r) => r.event === 'run.end')).toMatchObject({ outcome: 'skipped', reason: 'served' });
    const human = await runCli(['run', 'sitemap', '--slot', '2026-04-19T14:05:00Z'], {
      cwd: b,
      env: { LUCY_OPS_NOW: NOW },
    });
    expect(human.stdout).toMatch(/^• sitemap 14:05Z skipped: already served on .+ \(use --force to run again\)$/m);
    // B's on-call view counts the slot A served (its own log only says it skipped it)
    const status = await runCli(['status', '--json', '--since', '2h', '--job', 'sitemap'], {
      cwd: b,
      env: { LUCY_OPS_NOW: NOW },
    });
    expect(status.json.jobs[0].lastServed).toMatchObject({ slot: '2026-04-19T14:05:00.000Z' });
    const forced = await run(b, ['--force']);
    expect(forced.json.status).toBe('ok');
    expect(fs.readFileSync(marker(b), 'utf8')).toBe('x');
    expect(
      readLog(b)
        .filter((r) => r.event === 'run.end')
        .at(-1),
    ).toMatchObject({ outcome: 'ok', forced: true });
  });

  it('simultaneous runs of one slot on two hosts: one provider request in all', async () => {
    sim.setScript({ '*': { kind: 'ok', latencyMs: 300 } });
    sim.resetCounts();
    const [a, b] = hosts();
    const runs = await Promise.all([generate(a, '2026-04-19T15:00:00Z'), generate(b, '2026-04-19T15:00:00Z')]);
    for (const r of runs) expect([0, 75], r.stderr).toContain(r.exitCode);
    expect(runs.filter((r) => r.json?.status === 'ok')).toHaveLength(1);
    expect(sim.requests()).toHaveLength(1);
  });

  it("postmortem gaps and backfill on either host count the other host's served slots", async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const [a, b] = hosts();
    // As cron starts them: A serves 12:00 and 14:00; B serves 15:00; nobody serves 13:00. Judging
    // begins at the fleet's first record (A's 12:00), on B as well, though B's own log begins at 15:00
    const cronRun = (cwd: string, hhmm: string) =>
      runCli(['generate', 'blog', '--json'], { cwd, env: { LUCY_OPS_NOW: `2026-04-19T${hhmm}:20Z` } });
    for (const slot of ['12:00', '14:00']) expect((await cronRun(a, slot)).exitCode).toBe(0);
    expect((await cronRun(b, '15:00')).exitCode).toBe(0);
    sim.resetCounts();
    const window = ['--since', '2026-04-19T12:00:00Z', '--until', '2026-04-19T15:00:00Z', '--job', 'blog'];
    const env = { LUCY_OPS_NOW: NOW };
    const reports = await Promise.all(
      [a, b].map((cwd) => runCli(['postmortem', 'gaps', '--json', ...window], { cwd, env })),
    );
    for (const r of reports) {
      expect(r.exitCode, r.stderr).toBe(0);
      const unserved = r.json.gaps.map((g: any) => [g.start, g.slots]);
      expect(unserved).toEqual([['2026-04-19T13:00:00.000Z', 1]]);
    }
    expect(reports[0].json.gaps).toEqual(reports[1].json.gaps);
    // backfill plans only 13:00 on both hosts, and fills it once
    const plans = await Promise.all(
      [a, b].map((cwd) => runCli(['backfill', '--json', '--dry-run', ...window], { cwd, env })),
    );
    for (const p of plans) expect(p.json.slots.map((s: any) => s.slot)).toEqual(['2026-04-19T13:00:00.000Z']);
    const filled = await runCli(['backfill', '--json', ...window], { cwd: b, env });
    expect(filled.json).toMatchObject({ filled: 1, failed: 0 });
    const again = await runCli(['backfill', '--json', ...window], { cwd: a, env });
    expect(again.json.slots).toEqual([]);
    expect(sim.requests()).toHaveLength(1);
  });

  it('Redis down: a slot the other host served (this host skipped it) is served, not missing; never a double', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const [a, b] = hosts();
    const cronRun = (cwd: string, hhmm: string) =>
      runCli(['generate', 'blog', '--json'], { cwd, env: { LUCY_OPS_NOW: `2026-04-19T${hhmm}:20Z` } });
    // A serves 14:00 and 15:00; B's runs of them (a moment later) find them served and skip them
    for (const slot of ['14:00', '15:00']) {
      expect((await cronRun(a, slot)).json.status).toBe('ok');
      expect((await cronRun(b, slot)).json.status).toBe('skipped');
    }
    // then B loses Redis (nothing listens on port 1): its own log is all it has
    const configFile = path.join(b, 'lucy-ops.config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    fs.writeFileSync(
      configFile,
      JSON.stringify({ ...config, state: { ...config.state, redis: 'redis://127.0.0.1:1' } }),
    );
    const env = { LUCY_OPS_NOW: NOW };
    const window = ['--since', '2026-04-19T14:00:00Z', '--until', NOW, '--job', 'blog'];
    const watchdog = await runCli(['postmortem', 'gaps', ...window, '--fail-on-gap'], { cwd: b, env });
    expect(watchdog.exitCode, watchdog.stderr).toBe(0);
    expect(watchdog.stdout).toBe('');
    const gaps = await runCli(['postmortem', 'gaps', '--json', ...window], { cwd: b, env });
    expect(gaps.json).toMatchObject({ gaps: [], doubles: [] });
    expect(gaps.json.jobs[0]).toMatchObject({ served: 2, missing: 0, servedElsewhere: 2, doubled: 0 });
    const human = await runCli(['postmortem', 'gaps', ...window], { cwd: b, env });
    expect(human.stdout).toMatch(/No gaps: every slot was served\./);
    expect(human.stdout).toMatch(/^2 slot\(s\) served on another host/m);
    const plan = await runCli(['backfill', '--json', '--dry-run', ...window], { cwd: b, env });
    expect(plan.json.slots).toEqual([]);
    const status = await runCli(['status', '--json', '--since', '2h', '--job', 'blog'], { cwd: b, env });
    expect(status.json.jobs[0].last).toMatchObject({
      slot: '2026-04-19T15:00:00.000Z',
      outcome: 'ok',
      servedOn: hostname(),
    });
    expect(status.json.jobs[0]).toMatchObject({ failuresInARow: 0, lastGap: null });
    const screen = await runCli(['status', '--since', '2h', '--job', 'blog'], { cwd: b, env });
    expect(screen.stdout).toContain(`ok on ${hostname()}`);
    expect(screen.stdout).not.toMatch(/MISSING/);
    const report = await runCli(['postmortem', 'report', '--json', ...window], { cwd: b, env });
    expect(report.json.headline).toMatchObject({ affected: 0, unserved: 0 });
    expect(report.json.jobs[0].cells.map((c: any) => c.servedOn)).toEqual([hostname(), hostname()]);
    // both hosts' logs read together: A's ok run and B's skip are one serve
    const both = await runCli(['postmortem', 'gaps', '--json', ...window, '--log', path.join(a, 'logs/jobs.jsonl')], {
      cwd: b,
      env,
    });
    expect(both.json).toMatchObject({ gaps: [], doubles: [] });
    expect(both.json.jobs[0]).toMatchObject({ served: 2, doubled: 0, servedElsewhere: 0 });
  });

  it('Redis killed and restarted while three runs of one slot start on one host: one request', async () => {
    // run 1's request is held until Redis is back and runs 2 and 3 have started and ended: the
    // test lets it go, not a timer that a loaded machine could outrun
    sim.setScript({ '*': { kind: 'ok' } });
    sim.resetCounts();
    const primary = await heldProvider(sim.url);
    try {
      const [a] = hosts({}, primary.url);
      const port = redis.port;
      await redis.kill();
      // run 1 starts while Redis is down: it holds only the local lock
      const held = primary.holdNext();
      const first = execa(process.execPath, [BIN, 'generate', 'blog', '--json', '--slot', '2026-04-19T13:00:00Z'], {
        cwd: a,
        env: { LUCY_OPS_NOW: NOW, NO_COLOR: '1' },
        reject: false,
      });
      await held.arrived;
      redis = await startRedisServer({ port });
      // runs 2 and 3 start after Redis is back: Redis would let them in, the local lock does not
      const later = await Promise.all([generate(a, '2026-04-19T13:00:00Z'), generate(a, '2026-04-19T13:00:00Z')]);
      for (const r of later) {
        expect(r.exitCode, r.stderr).toBe(75);
        expect(r.json.status).toBe('skipped');
      }
      held.forward();
      const r1 = await first;
      expect(r1.exitCode, String(r1.stderr)).toBe(0);
      expect(String(r1.stderr)).toMatch(/unavailable/);
      // the held request, sent on: the only one that reached a provider
      expect(sim.requests()).toHaveLength(1);
    } finally {
      await primary.close();
    }
  });
});
