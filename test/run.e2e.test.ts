/**
 * `lucy-ops run` end to end: the built CLI in a new process wrapping real child processes
 * (test/fixtures/child-*.mjs). Waits are on output lines, files and process exits, never sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, readLog, runCli, tempProject } from './helpers/cli.js';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');
const NODE = process.execPath;
const NOW = '2026-04-19T14:07:30Z';
const SLOT = '2026-04-19T14:05:00.000Z';
const SECRET = 'tgr-0123456789abcdef-secret';

function project(jobs: Record<string, unknown> = {}) {
  return tempProject({
    stateDir: '.lucy-ops',
    log: 'logs/jobs.jsonl',
    providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'RUN_TEST_API_KEY' }],
    jobs: {
      sitemap: { schedule: '5 * * * *', command: [NODE, path.join(FIXTURES, 'child-env.mjs')] },
      blog: { schedule: '0 * * * *', kind: 'blog', outDir: 'content/blog', prompt: 'x' },
      ...jobs,
    },
  });
}

const fixture = (name: string, ...args: string[]) => [NODE, path.join(FIXTURES, name), ...args];

function run(dir: string, args: string[], env: Record<string, string> = {}) {
  return runCli(['run', ...args], { cwd: dir, env: { LUCY_OPS_NOW: NOW, RUN_TEST_API_KEY: SECRET, ...env } });
}

/**
 * Starts `lucy-ops run` in the background; resolves once its stdout has shown `line`. The process
 * comes back wrapped: returning the (thenable) subprocess itself would wait for it to exit.
 */
async function startUntil(dir: string, args: string[], line: string): Promise<{ sub: ResultPromise }> {
  const sub = execa(NODE, [BIN, 'run', ...args], {
    cwd: dir,
    env: { LUCY_OPS_NOW: NOW, NO_COLOR: '1' },
    reject: false,
    timeout: 30_000,
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    sub.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) resolve();
    });
    sub.once('exit', (code) => reject(new Error(`lucy-ops exited (${code}) before "${line}": ${seen}`)));
  });
  return { sub };
}

function runEnd(dir: string) {
  const ends = readLog(dir).filter((r) => r.event === 'run.end');
  expect(ends).toHaveLength(1);
  return ends[0];
}

describe.concurrent('lucy-ops run', () => {
  it('passes the exit code back and records a failed run with the last lines of output', async () => {
    const dir = project();
    const r = await run(dir, ['sitemap', '--', ...fixture('child-lines.mjs', '50', '3', `key=${SECRET}`)]);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^line 1\nline 2\n/);
    expect(r.stderr).toContain('warning: on stderr');
    expect(r.stderr).toMatch(/sitemap 14:05Z failed: exited with code 3/);
    const log = readLog(dir);
    expect(log.map((l) => l.event)).toEqual(['run.start', 'run.end']);
    expect(log[1]).toMatchObject({
      job: 'sitemap',
      scheduledFor: SLOT,
      trigger: 'cron',
      runId: log[0].runId,
      outcome: 'failed',
      exitCode: 3,
    });
    const tail: string[] = log[1].outputTail.split('\n');
    // stdout and stderr are two pipes: their relative order is as the lines arrived
    expect(tail).toHaveLength(20);
    expect(tail).toContain('warning: on stderr');
    expect(tail.filter((l) => l.startsWith('line '))).toEqual([
      ...Array.from({ length: 18 }, (_, i) => `line ${i + 32}`),
      'line 50 key=[REDACTED]',
    ]);
    expect(fs.readFileSync(path.join(dir, 'logs/jobs.jsonl'), 'utf8')).not.toContain(SECRET);
  });

  it('records a clean run as ok and exits 0; --json keeps stdout one document', async () => {
    const dir = project();
    const r = await run(dir, ['sitemap', '--json', '--', ...fixture('child-lines.mjs', '3', '0')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toEqual({ job: 'sitemap', slot: SLOT, status: 'ok', exitCode: 0, durationMs: expect.any(Number) });
    expect(r.stderr).toContain('line 1\nline 2\nline 3');
    expect(runEnd(dir)).toMatchObject({ outcome: 'ok', exitCode: 0, outputTail: 'line 1\nline 2\nline 3' });
  });

  it('exits 128 + signal number when the command is killed (SIGKILL → 137)', async () => {
    const dir = project();
    const r = await run(dir, ['sitemap', '--', ...fixture('child-self-kill.mjs', 'SIGKILL')]);
    expect(r.exitCode).toBe(137);
    expect(runEnd(dir)).toMatchObject({
      outcome: 'failed',
      exitCode: 137,
      signal: 'SIGKILL',
      error: 'killed by SIGKILL',
      outputTail: 'about to die by SIGKILL',
    });
  });

  it('forwards SIGTERM to the whole process group of the command', async () => {
    const dir = project();
    const markers = fs.mkdtempSync(path.join(dir, 'markers-'));
    const { sub } = await startUntil(dir, ['sitemap', '--', ...fixture('child-trap.mjs', markers)], 'ready');
    sub.kill('SIGTERM');
    const r = await sub;
    // the command runs in its own process group: only forwarding can have delivered these
    expect(fs.existsSync(path.join(markers, 'leader.sigterm'))).toBe(true);
    expect(fs.existsSync(path.join(markers, 'grandchild.sigterm'))).toBe(true);
    expect(r.exitCode).toBe(143);
    expect(runEnd(dir)).toMatchObject({
      outcome: 'failed',
      exitCode: 143,
      signal: 'SIGTERM',
      forwardedSignal: 'SIGTERM',
    });
  });

  it('exits 75 without starting the command when the same job and slot is running', async () => {
    const dir = project();
    const release = path.join(dir, 'release');
    const { sub: first } = await startUntil(dir, ['sitemap', '--', ...fixture('child-wait.mjs', release)], 'ready');
    const marker = path.join(dir, 'second-started');
    const second = await run(dir, [
      'sitemap',
      '--json',
      '--',
      NODE,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
    ]);
    expect(second.exitCode).toBe(75);
    expect(second.json).toMatchObject({ job: 'sitemap', slot: SLOT, status: 'skipped', exitCode: 75 });
    expect(second.stderr).toMatch(/already running/);
    expect(fs.existsSync(marker)).toBe(false);
    fs.writeFileSync(release, '');
    const r = await first;
    expect(r.exitCode).toBe(0);
    const ends = readLog(dir).filter((l) => l.event === 'run.end');
    expect(ends.map((e) => [e.outcome, e.reason])).toEqual([
      ['skipped', 'locked'],
      ['ok', undefined],
    ]);
    expect(readLog(dir).filter((l) => l.event === 'run.start')).toHaveLength(1);
  });

  it('--timeout ends the command with SIGTERM and exits 124', async () => {
    const dir = project();
    const r = await run(dir, [
      'sitemap',
      '--timeout',
      '1s',
      '--',
      ...fixture('child-wait.mjs', path.join(dir, 'never')),
    ]);
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toContain('ready');
    expect(runEnd(dir)).toMatchObject({
      outcome: 'failed',
      exitCode: 124,
      signal: 'SIGTERM',
      timedOut: true,
      error: 'timed out after 1000 ms (ended by SIGTERM)',
    });
  });

  it('--kill-after sends SIGKILL to a command that ignores SIGTERM', async () => {
    const dir = project();
    const r = await run(dir, [
      'sitemap',
      '--timeout',
      '1500ms',
      '--kill-after',
      '200ms',
      '--',
      ...fixture('child-wait.mjs', path.join(dir, 'never'), '--ignore-term'),
    ]);
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toContain('ignoring SIGTERM');
    expect(runEnd(dir)).toMatchObject({ outcome: 'failed', exitCode: 124, signal: 'SIGKILL', timedOut: true });
  });

  it("runs the job's configured command in the config's folder with LUCY_OPS_* in its environment", async () => {
    const dir = project();
    const elsewhere = fs.mkdtempSync(path.join(dir, 'cwd-'));
    const r = await runCli(
      ['run', 'sitemap', '--config', path.join(dir, 'lucy-ops.config.json'), '--slot', '2026-04-19T12:05Z'],
      {
        cwd: elsewhere,
        env: { LUCY_OPS_NOW: NOW },
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout.trim());
    const end = runEnd(dir);
    expect(seen).toMatchObject({
      LUCY_OPS_JOB: 'sitemap',
      LUCY_OPS_SLOT: '2026-04-19T12:05:00.000Z',
      LUCY_OPS_TRIGGER: 'manual',
      LUCY_OPS_RUN_ID: end.runId,
    });
    expect(fs.realpathSync(seen.cwd)).toBe(fs.realpathSync(dir));
    expect(end).toMatchObject({ scheduledFor: '2026-04-19T12:05:00.000Z', trigger: 'manual', outcome: 'ok' });
  });

  it('a command that does not exist exits 127 with a clear message and a failed run.end', async () => {
    const dir = project();
    const r = await run(dir, ['sitemap', '--', 'lucy-ops-no-such-command-xyz', '--flag']);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/command not found: lucy-ops-no-such-command-xyz/);
    expect(runEnd(dir)).toMatchObject({
      outcome: 'failed',
      exitCode: 127,
      error: expect.stringMatching(/command not found/),
    });
  });

  it('refuses usage errors with 64 before running anything', async () => {
    const dir = project();
    const unknown = await run(dir, ['nope', '--', 'true']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/unknown job "nope"/);
    const generation = await run(dir, ['blog', '--', 'true']);
    expect(generation.exitCode).toBe(64);
    expect(generation.stderr).toMatch(/generation job.*lucy-ops generate blog/);
    const badTimeout = await run(dir, ['sitemap', '--timeout', 'soon', '--', 'true']);
    expect(badTimeout.exitCode).toBe(64);
    expect(badTimeout.stderr).toMatch(/--timeout: not a duration/);
    const badSlot = await run(dir, ['sitemap', '--slot', '2026-04-19T14:00Z', '--', 'true']);
    expect(badSlot.exitCode).toBe(64);
    expect(readLog(dir)).toEqual([]);
  });
});
