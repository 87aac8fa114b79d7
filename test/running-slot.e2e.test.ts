/**
 * A run still going, through the built CLI: a run.start 5 minutes after its slot with no run.end
 * is running (no gap, no page, nothing to backfill) until its run.start + its own bound
 * (`deadlineMs`, here run's --timeout 10m) + 1 minute; after that it is failed, killed or crashed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, runCli, tempProject } from './helpers/cli.js';
import { writeRecords } from './helpers/log-lines.js';

const slot = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(slot(hhmm)) + seconds * 1000).toISOString();

function project(): string {
  const dir = tempProject({
    log: 'logs/jobs.jsonl',
    providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
    deadlineMs: 120_000,
    jobs: { sitemap: { schedule: '*/15 * * * *', tz: 'UTC', command: ['true'] } },
  });
  const common = (runId: string, hhmm: string) => ({
    level: 'info',
    job: 'sitemap',
    runId,
    scheduledFor: slot(hhmm),
    trigger: 'cron',
  });
  writeRecords(path.join(dir, 'logs', 'jobs.jsonl'), [
    { ...common('a', '11:45'), ts: at('11:45', 1), event: 'run.start', schedule: '*/15 * * * *', tz: 'UTC' },
    { ...common('a', '11:45'), ts: at('11:45', 2), event: 'run.end', outcome: 'ok', durationMs: 1000 },
    // started 5 minutes late, with --timeout 10m, and not ended
    {
      ...common('b', '12:00'),
      ts: at('12:05', 0),
      event: 'run.start',
      schedule: '*/15 * * * *',
      tz: 'UTC',
      lateMs: 300_000,
      pid: 1,
      deadlineMs: 600_000,
    },
  ]);
  return dir;
}

describe('a slot whose run is still going', () => {
  const views = async (dir: string, now: string) => {
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
    return {
      gaps: await cli(['postmortem', 'gaps', '--since', '1h', '--fail-on-gap', '--json']),
      status: await cli(['status', '--json']),
      plan: await cli(['backfill', '--since', '1h', '--dry-run', '--json']),
    };
  };

  it('is running at start + 2 min: no gap, no page, nothing to backfill', async () => {
    const { gaps, status, plan } = await views(project(), at('12:07', 0));
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    expect(gaps.json.gaps).toEqual([]);
    expect(gaps.json.jobs[0]).toMatchObject({ failed: 0, pending: 1 });
    expect(status.json.jobs[0].last).toMatchObject({
      slot: slot('12:00'),
      outcome: 'running',
      judgedAfter: '2026-12-07T12:16:00.000Z',
    });
    expect(status.json.jobs[0].failuresInARow).toBe(0);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.json.slots).toEqual([]);
  });

  it('is failed, killed or crashed, after start + bound + 1 min: the watchdog pages, backfill plans it', async () => {
    const { gaps, status, plan } = await views(project(), at('12:16', 1));
    expect(gaps.exitCode).toBe(1);
    expect(gaps.json.gaps[0]).toMatchObject({
      start: slot('12:00'),
      failed: 1,
      cause: 'run: no run.end (killed or crashed) ×1',
    });
    expect(status.json.jobs[0].failuresInARow).toBeGreaterThanOrEqual(1);
    expect(plan.json.slots.map((s: { slot: string }) => s.slot)).toEqual([slot('12:00')]);
  });

  it("run.start records the run's own bound: run's --timeout, else none", async () => {
    const dir = project();
    const run = (args: string[]) =>
      runCli(['run', 'sitemap', ...args], { cwd: dir, env: { LUCY_OPS_NOW: at('12:30', 1) } });
    expect((await run(['--slot', slot('12:15'), '--timeout', '10m', '--', 'true'])).exitCode).toBe(0);
    expect((await run(['--slot', slot('12:30'), '--', 'true'])).exitCode).toBe(0);
    const starts = readLog(dir).filter((r) => r.event === 'run.start' && r.runId !== 'a' && r.runId !== 'b');
    expect(starts.map((r) => r.deadlineMs)).toEqual([600_000, undefined]);
  });
});
