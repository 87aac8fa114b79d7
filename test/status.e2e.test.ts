/**
 * `lucy-ops status` end to end: real runs through the simulator write the job log and the breaker
 * state, each a new process at a pinned clock; status reads both in another process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';
import { hasScript, runOnTerminal } from './helpers/tty.js';

const sim = useSimulator();
const cli = (dir: string, args: string[], now: string) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });

describe('status after an afternoon with a failing primary', () => {
  let dir: string;
  const NOW = '2026-04-19T15:32:00Z';
  beforeAll(async () => {
    const base = simConfig({ primary: sim.url }) as { jobs: Record<string, unknown> };
    dir = tempProject({ ...base, jobs: { blog: base.jobs.blog, threads: base.jobs.threads } });
    sim.setScript({ '*': { kind: 'ok' } });
    expect((await cli(dir, ['generate', 'threads'], '2026-04-19T15:00:05Z')).exitCode).toBe(0);
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    for (const at of ['2026-04-19T15:15:05Z', '2026-04-19T15:30:05Z']) {
      const r = await cli(dir, ['generate', 'threads', '--json'], at);
      expect(r.json, r.stderr).toMatchObject({ status: 'ok', provider: 'llama-3.3-70b', degraded: true });
    }
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    expect((await cli(dir, ['generate', 'blog'], '2026-04-19T15:30:10Z')).exitCode).toBe(69);
    expect((await cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '2h'], '2026-04-19T15:31:00Z')).exitCode).toBe(0);
  }, 120_000);

  it('--json: each job’s last slot, failures and degraded runs in a row, next slot; breakers with downSince; the store', async () => {
    const r = await cli(dir, ['status', '--json', '--since', '50m'], NOW);
    expect(r.exitCode, r.stderr).toBe(0);
    const { jobs, providers, store } = r.json;
    expect(jobs).toEqual([
      {
        job: 'blog',
        schedule: '0 * * * *',
        tz: 'UTC',
        last: { slot: '2026-04-19T15:00:00.000Z', outcome: 'failed', provider: null, degraded: false },
        failuresInARow: 1,
        degradedInARow: 0,
        lastServed: null,
        nextSlot: '2026-04-19T16:00:00.000Z',
      },
      {
        job: 'threads',
        schedule: '*/15 * * * *',
        tz: 'UTC',
        last: { slot: '2026-04-19T15:30:00.000Z', outcome: 'ok', provider: 'llama-3.3-70b', degraded: true },
        failuresInARow: 0,
        degradedInARow: 2,
        lastServed: { slot: '2026-04-19T15:30:00.000Z', provider: 'llama-3.3-70b', degraded: true },
        nextSlot: '2026-04-19T15:45:00.000Z',
      },
    ]);
    const [deepseek, llama, qwen] = providers;
    expect(deepseek).toMatchObject({ provider: 'deepseek-v3', state: 'open' });
    // the primary has been down since the 15:15 run's first attempt, whatever happened after
    expect(Date.parse(deepseek.downSince) - Date.parse('2026-04-19T15:15:05Z')).toBeGreaterThanOrEqual(0);
    expect(Date.parse(deepseek.downSince) - Date.parse('2026-04-19T15:15:05Z')).toBeLessThan(5_000);
    expect(llama).toMatchObject({ provider: 'llama-3.3-70b', state: 'open' });
    expect(qwen).toMatchObject({ provider: 'qwen-72b', state: 'open', by: 'manual' });
    expect(store).toEqual({ kind: 'file', where: fs.realpathSync(path.join(dir, '.lucy-ops')) });
  });

  it('the first slot served by the primary ends the degraded run; a served slot ends the failures', async () => {
    const r = await cli(dir, ['status', '--json', '--since', '50m', '--job', 'threads'], NOW);
    expect(r.json.jobs).toHaveLength(1);
    // 15:00 was served by the primary, so only 15:15 and 15:30 count
    expect(r.json.jobs[0].degradedInARow).toBe(2);
    const later = await cli(dir, ['status', '--json', '--since', '50m', '--job', 'threads'], '2026-04-19T15:50:00Z');
    // 15:45 had no run at all: missing, and the degraded run is over
    expect(later.json.jobs[0]).toMatchObject({
      last: { slot: '2026-04-19T15:45:00.000Z', outcome: 'missing', provider: null, degraded: false },
      failuresInARow: 1,
      degradedInARow: 0,
      lastServed: { slot: '2026-04-19T15:30:00.000Z', provider: 'llama-3.3-70b', degraded: true },
      nextSlot: '2026-04-19T16:00:00.000Z',
    });
  });

  it('on an 80-column terminal: one screen, no line wider than 80, the outage and the hand trip stated', async () => {
    if (!hasScript) return void console.warn('skipped: `script` (util-linux) is not installed');
    const { exitCode, screen } = await runOnTerminal(['status', '--since', '50m'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW },
      columns: 80,
    });
    expect(exitCode, screen).toBe(0);
    const lines = screen.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThan(24);
    expect(screen).toMatch(/threads\s+15:30\s+ok by llama-3\.3-70b \(fallback\)\s+2 degraded\s+15:45 \(in 13m\)/);
    expect(screen).toMatch(/blog\s+15:00\s+FAILED\s+1 unserved\s+16:00 \(in 28m\)/);
    expect(screen).toMatch(/deepseek-v3\s+open\s+15:15:0\d \(16m( \d+s)?\)/);
    expect(screen).toMatch(/qwen-72b\s+open by hand/);
    expect(screen).toContain('qwen-72b was tripped by hand (by: manual)');
    expect(screen).toMatch(/state: file store \(.*\) · times in UTC/);
  });

  it('piped: the same view in 80 columns, no colour codes', async () => {
    const r = await cli(dir, ['status', '--since', '50m'], NOW);
    expect(r.exitCode).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stdout).toMatch(/^job\s+last slot\s+outcome\s+in a row\s+next slot$/m);
  });

  it('on a narrow terminal the columns shrink instead of wrapping', async () => {
    if (!hasScript) return void console.warn('skipped: `script` (util-linux) is not installed');
    const { screen } = await runOnTerminal(['status', '--since', '50m'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW },
      columns: 60,
    });
    for (const line of screen.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(screen).toMatch(/threads/);
  });
});

describe('status of a new project and bad input', () => {
  it('no log yet: every job without a last slot, said once; exit 0', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    const r = await cli(dir, ['status', '--json'], '2026-04-19T15:32:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs.map((j: any) => j.job)).toEqual(['blog', 'threads', 'stories']);
    expect(r.json.providers.every((p: any) => p.state === 'closed' && p.downSince === null)).toBe(true);
    const human = await cli(dir, ['status'], '2026-04-19T15:32:00Z');
    expect(human.stdout).toContain('no job log at');
  });

  it('a bad --since or an unknown job is a usage error (64)', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    expect((await cli(dir, ['status', '--since', '6'], '2026-04-19T15:32:00Z')).exitCode).toBe(64);
    expect((await cli(dir, ['status', '--job', 'nope'], '2026-04-19T15:32:00Z')).exitCode).toBe(64);
  });

  it('reads only the end of a large log (bisected), with the same answer as from the start', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    fs.mkdirSync(path.join(dir, 'logs'));
    // 30 days of the threads job, every slot served, plus garbage lines; then one failed slot today
    const lines: string[] = [];
    const start = Date.parse('2026-03-20T00:00:00Z');
    for (let t = start; t < Date.parse('2026-04-19T15:00:00Z'); t += 15 * 60_000) {
      const slot = new Date(t).toISOString();
      const ts = new Date(t + 2_000).toISOString();
      const head = `{"ts":"${ts}","level":"info","event":"run.end","job":"threads","runId":"r${t}","scheduledFor":"${slot}","trigger":"cron"`;
      lines.push(`${head},"outcome":"ok","provider":"deepseek-v3","degraded":false,"durationMs":2000}`);
      if (t % (24 * 3600_000) === 0) lines.push('not json at all {');
    }
    lines.push(
      `{"ts":"2026-04-19T15:00:09.000Z","level":"error","event":"run.end","job":"threads","runId":"x","scheduledFor":"2026-04-19T15:00:00.000Z","trigger":"cron","outcome":"failed","durationMs":9000}`,
    );
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');
    const size = fs.statSync(path.join(dir, 'logs/jobs.jsonl')).size;
    const r = await cli(dir, ['status', '--json', '--job', 'threads'], '2026-04-19T15:10:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs[0]).toMatchObject({
      last: { slot: '2026-04-19T15:00:00.000Z', outcome: 'failed' },
      failuresInARow: 1,
      lastServed: { slot: '2026-04-19T14:45:00.000Z', provider: 'deepseek-v3', degraded: false },
    });
    // it started reading in the last few percent of the file, not at its start
    expect(r.json.log.startedAtByte).toBeGreaterThan(size * 0.9);
    expect(r.json.log.lines).toBeLessThan(200);
  });
});
