/**
 * The read-only commands (status, breaker status, postmortem gaps) for an on-call user who is not
 * the cron user: they work when the state is readable, and write nothing; when it is not, they
 * exit 78 naming the owner to run as, never 70. As root the CLI runs as `nobody`; otherwise the
 * files are made unreadable for this user (which is what another user meets).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { isRoot, NOBODY, permissionTestsCanRun } from './helpers/as-nobody.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const ROOT_DIR = path.resolve(path.dirname(BIN), '..');
const canRun = permissionTestsCanRun([
  process.execPath,
  BIN,
  path.join(ROOT_DIR, 'dist/cli/main.js'),
  path.join(ROOT_DIR, 'node_modules/commander/package.json'),
]);
if (!canRun) console.warn('SKIPPING read-only tests: running as root in a checkout that user nobody cannot reach');
const NOW = '2026-04-19T15:32:00Z';

/** The CLI as the on-call user: nobody when root, else this user. */
async function asOnCall(dir: string, args: string[]) {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd: dir,
    reject: false,
    env: { NO_COLOR: '1', LUCY_OPS_NOW: NOW, PATH: process.env.PATH },
    ...(isRoot() ? NOBODY : {}),
  });
  const stdout = String(r.stdout);
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: r.exitCode ?? -1, stdout, stderr: String(r.stderr), json };
}

/** Every path under `dir` with its size and mtime: a write anywhere changes it. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
  };
  walk(dir);
  return out;
}

describe.skipIf(!canRun)('read-only commands for a user who is not the cron user', () => {
  let dir: string;
  beforeAll(async () => {
    // attempts that cannot time out: the primary's 503s open its breaker and llama serves, as read below
    dir = tempProject(patient(simConfig({ primary: sim.url })));
    fs.chmodSync(dir, 0o755);
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    const run = await runCli(['generate', 'threads'], { cwd: dir, env: { LUCY_OPS_NOW: '2026-04-19T15:30:05Z' } });
    expect(run.exitCode, run.stderr).toBe(0);
    await runCli(['breaker', 'trip', 'qwen-72b', '--for', '2h'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
  });

  it('the state the cron user writes is readable by others (it holds no secrets)', () => {
    expect(fs.statSync(path.join(dir, '.lucy-ops/state.json')).mode & 0o044).toBe(0o044);
  });

  it('status, breaker status and postmortem gaps work, and write nothing (no lock, no log, no file)', async () => {
    if (!isRoot()) fs.chmodSync(dir, 0o555); // this user may not write the project: any write would fail
    const before = snapshot(dir);
    try {
      const status = await asOnCall(dir, ['status', '--json']);
      expect(status.exitCode, status.stderr).toBe(0);
      expect(status.json.jobs.find((j: any) => j.job === 'threads').last).toMatchObject({
        outcome: 'ok',
        provider: 'llama-3.3-70b',
        degraded: true,
      });
      expect(status.json.providers[0]).toMatchObject({ provider: 'deepseek-v3', state: 'open' });
      expect(status.json.providers[2]).toMatchObject({ provider: 'qwen-72b', by: 'manual' });

      const breaker = await asOnCall(dir, ['breaker', 'status', '--json']);
      expect(breaker.exitCode, breaker.stderr).toBe(0);
      expect(breaker.json.providers[0].downSince).toEqual(expect.any(String));

      const human = await asOnCall(dir, ['breaker', 'status']);
      expect(human.stdout).toMatch(/qwen-72b\s+open \(by hand\)/);

      const gaps = await asOnCall(dir, ['postmortem', 'gaps', '--since', '1h', '--json']);
      expect(gaps.exitCode, gaps.stderr).toBe(0);
      expect(gaps.json.degraded.map((d: any) => d.job)).toEqual(['threads']);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('a project whose stateDir does not exist yet: status reads it as closed breakers and creates nothing', async () => {
    const fresh = tempProject(simConfig({ primary: sim.url }));
    fs.chmodSync(fresh, isRoot() ? 0o755 : 0o555);
    try {
      const r = await asOnCall(fresh, ['status', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.providers.every((p: any) => p.state === 'closed')).toBe(true);
      const b = await asOnCall(fresh, ['breaker', 'status', '--json']);
      expect(b.exitCode, b.stderr).toBe(0);
    } finally {
      fs.chmodSync(fresh, 0o755);
    }
    expect(fs.existsSync(path.join(fresh, '.lucy-ops'))).toBe(false);
  });

  it('state or log this user may not read: exit 78 with "run as the cron user (owner of …)", never 70', async () => {
    const state = path.join(dir, '.lucy-ops/state.json');
    const log = path.join(dir, 'logs/jobs.jsonl');
    const owner = isRoot() ? 'root' : (await execa('id', ['-un'])).stdout.trim();
    fs.chmodSync(state, isRoot() ? 0o600 : 0o000);
    try {
      for (const args of [['status'], ['breaker', 'status'], ['breaker', 'status', '--json'], ['probe', 'providers']]) {
        const r = await asOnCall(dir, args);
        expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(78);
        expect(r.stderr).toContain(`cannot read ${fs.realpathSync(state)} (permission denied)`);
        expect(r.stderr).toContain(`run as the cron user (owner of ${fs.realpathSync(state)}: ${owner})`);
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
        if (args.includes('--json')) expect(r.json.error.exitCode).toBe(78);
      }
    } finally {
      fs.chmodSync(state, 0o644);
    }
    fs.chmodSync(log, isRoot() ? 0o600 : 0o000);
    try {
      for (const args of [['postmortem', 'gaps'], ['status']]) {
        const r = await asOnCall(dir, args);
        expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(78);
        expect(r.stderr).toContain(`run as the cron user (owner of ${fs.realpathSync(log)}: ${owner})`);
      }
    } finally {
      fs.chmodSync(log, 0o644);
    }
  });
});
