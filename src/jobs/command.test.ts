/** runCommandSlot in-process: the paths the CLI e2e tests do not reach (abort, lingering descendants). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { CommandJob } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { runCommandSlot } from './command.js';
import { openJobContext, type JobContext } from './context.js';

const SLOT = new Date('2026-04-19T14:05:00Z');
let ctx: JobContext | undefined;

async function context(): Promise<JobContext> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-command-'));
  const config = resolveConfig(
    {
      providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: 'CMD_TEST_KEY' }],
      jobs: { sitemap: { schedule: '5 * * * *', command: ['sh', '-c', 'pwd'] } },
    },
    path.join(dir, 'lucy-ops.config.json'),
    () => undefined,
  );
  ctx = await openJobContext(config, {
    clock: new ManualClock(Date.parse('2026-04-19T14:06:00Z')),
    env: { ...process.env, CMD_TEST_KEY: 'k3y-value-never-logged' },
  });
  return ctx;
}

function logOf(c: JobContext) {
  return fs
    .readFileSync(c.config.log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

afterEach(async () => {
  await ctx?.store.close();
  ctx = undefined;
});

describe('runCommandSlot', () => {
  it("runs the job's configured command in the config folder when none is given", async () => {
    const c = await context();
    const r = await runCommandSlot(c, c.config.jobs.sitemap as CommandJob, SLOT, {
      trigger: 'backfill',
      stdio: 'quiet',
    });
    expect(r).toMatchObject({ status: 'ok', exitCode: 0, timedOut: false, locked: false });
    const end = logOf(c).at(-1);
    expect(end).toMatchObject({
      event: 'run.end',
      trigger: 'backfill',
      scheduledFor: SLOT.toISOString(),
      outcome: 'ok',
    });
    expect(fs.realpathSync(end.outputTail)).toBe(fs.realpathSync(c.config.configDir));
  });

  it('an aborted run ends the command with SIGTERM and fails', async () => {
    const c = await context();
    const aborter = new AbortController();
    aborter.abort();
    const r = await runCommandSlot(c, c.config.jobs.sitemap as CommandJob, SLOT, {
      trigger: 'backfill',
      stdio: 'quiet',
      command: ['sleep', '30'],
      signal: aborter.signal,
    });
    expect(r).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
    expect(logOf(c).at(-1)).toMatchObject({ outcome: 'failed', error: 'aborted (ended by SIGTERM)' });
  });

  it('returns when the command exits even if a descendant still holds its output open', async () => {
    const c = await context();
    const listeners = process.listenerCount('SIGTERM');
    const started = performance.now();
    const r = await runCommandSlot(c, c.config.jobs.sitemap as CommandJob, SLOT, {
      trigger: 'manual',
      stdio: 'quiet',
      command: ['sh', '-c', 'sleep 600 & echo "$!"; echo "key $CMD_TEST_KEY"; exit 4'],
    });
    const lingering = Number(String(logOf(c).at(-1).outputTail).split('\n')[0]);
    process.kill(lingering, 'SIGKILL');
    // waiting for the output to close would last the descendant's 10 minutes; a loaded machine's
    // process start-up takes seconds at most
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(r).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(logOf(c).at(-1).outputTail).toBe(`${lingering}\nkey [REDACTED]`);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('refuses a job without a command', async () => {
    const c = await context();
    const job = { ...c.config.jobs.sitemap, command: undefined } as unknown as CommandJob;
    await expect(runCommandSlot(c, job, SLOT, { trigger: 'cron', stdio: 'quiet' })).rejects.toThrow(/has no command/);
  });
});
