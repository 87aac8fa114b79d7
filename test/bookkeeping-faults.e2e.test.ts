/**
 * Faults in lucy-ops' own bookkeeping never decide a run: a full stateDir (a real tmpfs), a
 * `lucy-ops run` killed with -9 while its command runs on, a run frozen (SIGSTOP) past its lock.
 * Real processes, the built CLI, the simulator; waits are on log records and files, never sleeps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startReceiver } from './helpers/receiver.js';
import { useSimulator } from './helpers/sim.js';
import { logged } from './helpers/log-wait.js';

const sim = useSimulator();
const NODE = process.execPath;
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');
const NOW = '2026-04-19T15:30:00Z';
const mounts: string[] = [];

afterAll(async () => {
  for (const dir of mounts) await execa('umount', [dir], { reject: false });
});

/** Mount a small tmpfs at dir; the reason it cannot be done, or undefined when mounted. */
async function mountTmpfs(dir: string, options: string): Promise<string | undefined> {
  if (os.platform() !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  fs.mkdirSync(dir, { recursive: true });
  const r = await execa('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { reject: false });
  if (r.exitCode !== 0) return `mount -t tmpfs not permitted here (${String(r.stderr).trim() || r.exitCode})`;
  mounts.push(dir);
  return undefined;
}

/** Fill a filesystem: a file as big as it lets us write. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Attempts that cannot time out: a 503 stays a 503 and an answer an answer, however loaded the machine. */
function twoProviders(over: Record<string, unknown> = {}) {
  const base = patient(simConfig({ primary: sim.url })) as { providers: Array<Record<string, unknown>> };
  return tempProject({ ...base, providers: base.providers.slice(0, 2), ...over });
}

describe('a full stateDir', () => {
  it('p1 answers 503, p2 ok: served by p2, a warning printed, run.start and run.end logged; no lock left behind', async (t) => {
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    const dir = twoProviders();
    const stateDir = path.join(dir, '.lucy-ops');
    const why = await mountTmpfs(stateDir, 'size=64k');
    if (why) {
      console.warn(`SKIPPING full-stateDir test: ${why}`);
      t.skip(why);
      return;
    }
    fs.mkdirSync(path.join(stateDir, 'locks'));
    fill(path.join(stateDir, 'filler'));
    const env = { LUCY_OPS_NOW: NOW };
    const r = await runCli(['generate', 'blog', '--json', '--slot', '2026-04-19T14:00:00Z'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ status: 'ok', provider: 'llama-3.3-70b', degraded: true });
    expect(r.json.attempts[0]).toMatchObject({ provider: 'deepseek-v3', outcome: 'failed', httpStatus: 503 });
    expect(r.stderr).toMatch(/warning: blog .*breaker state could not be written \(.*ENOSPC/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const records = readLog(dir).map((l) => [l.event, l.outcome]);
    expect(records[0]).toEqual(['run.start', undefined]);
    expect(records.at(-1)).toEqual(['run.end', 'ok']);
    expect(fs.readdirSync(path.join(stateDir, 'locks'))).toEqual([]);

    // the disk freed: the next slot runs at once (no empty lock file in its way) and breakers count again
    fs.rmSync(path.join(stateDir, 'filler'));
    const next = await runCli(['generate', 'blog', '--json', '--slot', '2026-04-19T15:00:00Z'], { cwd: dir, env });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/warning/);
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8'));
    expect(state.entries['breaker:deepseek-v3']).toMatchObject({ consecutiveFailures: 3 });
  });

  it('no inode left for even a lock: exit 78 naming the stateDir, a failed run.end logged; runs again once freed', async (t) => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = twoProviders();
    const stateDir = path.join(dir, '.lucy-ops');
    const why = await mountTmpfs(stateDir, 'size=64k,nr_inodes=3');
    if (why) {
      console.warn(`SKIPPING no-inode stateDir test: ${why}`);
      t.skip(why);
      return;
    }
    fs.mkdirSync(path.join(stateDir, 'locks'));
    fs.writeFileSync(path.join(stateDir, 'filler'), ''); // the last inode (the root and locks/ hold the others)
    const env = { LUCY_OPS_NOW: NOW };
    const r = await runCli(['generate', 'blog', '--json', '--slot', '2026-04-19T14:00:00Z'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(78);
    expect(r.stderr).toContain(`stateDir ${stateDir} is full`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readLog(dir).at(-1)).toMatchObject({ event: 'run.end', outcome: 'failed', failure: 'state' });
    fs.rmSync(path.join(stateDir, 'filler'));
    const again = await runCli(['generate', 'blog', '--json', '--slot', '2026-04-19T14:00:00Z'], { cwd: dir, env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.status).toBe('ok');
  });
});

describe('`run` never leaves its command behind', () => {
  it('kill -9 of lucy-ops run: a second run of the slot is refused (75) while the orphaned command lives, and runs once it is gone', async () => {
    const dir = tempProject({
      providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
      jobs: { sitemap: { schedule: '5 * * * *', command: ['true'] } },
    });
    const release = path.join(dir, 'release');
    const env = { LUCY_OPS_NOW: '2026-04-19T14:07:30Z', NO_COLOR: '1' };
    const first = execa(NODE, [BIN, 'run', 'sitemap', '--', NODE, path.join(FIXTURES, 'child-wait.mjs'), release], {
      cwd: dir,
      env,
      reject: false,
    });
    await new Promise<void>((resolve) => first.stdout!.on('data', (c: Buffer) => c.includes('ready') && resolve()));
    first.kill('SIGKILL');
    await first;

    const second = await runCli(['run', 'sitemap', '--json', '--', 'true'], { cwd: dir, env });
    expect(second.exitCode, second.stderr).toBe(75);
    expect(second.json).toMatchObject({ status: 'skipped', exitCode: 75 });
    const group = Number(/process group (\d+)\) is still running/.exec(second.stderr)?.[1]);
    expect(group).toBeGreaterThan(1);
    expect(() => process.kill(-group, 0)).not.toThrow(); // the orphan is really there

    fs.writeFileSync(release, ''); // the orphan finishes
    while (groupAlive(group)) await new Promise((resolve) => setTimeout(resolve, 20));
    const third = await runCli(['run', 'sitemap', '--json', '--', 'true'], { cwd: dir, env });
    expect(third.exitCode, third.stderr).toBe(0);
    expect(third.json.status).toBe('ok');
  });
});

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a run frozen past its lock', () => {
  it('logs that it lost its lease, writes nothing over the new holder, and sends no alert', async () => {
    const receiver = await startReceiver();
    try {
      sim.setScript({ '*': { kind: 'ok', latencyMs: 3000 } });
      // attempts that cannot time out and a far deadline: the frozen run's clock runs on while it
      // is stopped, and however long the taker takes, the frozen run resumes to its own answer
      const dir = tempProject({
        ...patient(simConfig({ primary: sim.url })),
        alerts: { afterConsecutiveFailures: 1, webhook: receiver.url, webhookFormat: 'json' },
      });
      const env = { LUCY_OPS_NOW: NOW, NO_COLOR: '1' };
      const slot = '2026-04-19T14:00:00Z';
      const frozen = execa(NODE, [BIN, 'generate', 'blog', '--json', '--slot', slot], { cwd: dir, env, reject: false });
      await logged(dir, (r) => r.event === 'run.start');
      frozen.kill('SIGSTOP');
      // its lock file as a freeze past the 10 s staleness leaves it: untouched since long ago
      const locks = path.join(dir, '.lucy-ops/locks');
      const [lockFile] = fs.readdirSync(locks).filter((f) => f.endsWith('.lock'));
      const past = new Date(Date.now() - 60_000);
      fs.utimesSync(path.join(locks, lockFile), past, past);
      const taker = await runCli(['generate', 'blog', '--json', '--slot', slot], { cwd: dir, env });
      expect(taker.exitCode, taker.stderr).toBe(0);
      expect(taker.json.status).toBe('ok');
      frozen.kill('SIGCONT');
      const resumed = await frozen;
      expect(String(resumed.stderr)).toMatch(/lost its lock while it ran/);
      const ends = readLog(dir).filter((l) => l.event === 'run.end');
      expect(ends.find((e) => e.runId !== taker.json.runId)).toMatchObject({ leaseLost: true });
      // exactly the taker's output, untouched; no alert from the frozen run
      const files = fs.readdirSync(path.join(dir, 'content/blog')).filter((f) => f.endsWith('.md'));
      expect(files).toHaveLength(1);
      expect(fs.readFileSync(path.join(dir, 'content/blog', files[0]), 'utf8')).toContain(taker.json.runId);
      expect(receiver.requests).toEqual([]);
      expect(readLog(dir).filter((l) => l.event === 'alert.sent')).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
