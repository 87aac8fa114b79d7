/**
 * One time format across commands, and `--tz`: a job's slots in its own zone by default (the
 * offset printed beside each time), other instants in UTC, `--tz` one zone for all; JSON stays
 * ISO in UTC whatever `--tz` says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configWrittenAt, runCli, tempProject } from './helpers/cli.js';

const OK = ['node', '-e', '0'];
const NOW = '2026-04-19T15:40:00Z';

function project(): string {
  const dir = tempProject({
    log: 'logs/jobs.jsonl',
    providers: [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
    jobs: {
      berlin: { schedule: '0 * * * *', tz: 'Europe/Berlin', command: OK },
      utc: { schedule: '30 * * * *', command: OK },
    },
  });
  configWrittenAt(dir);
  fs.mkdirSync(path.join(dir, 'logs'));
  // each job served once long ago, then nothing: both have gaps in the window
  const served = (job: string, slot: string) =>
    [
      { event: 'run.start', lateMs: 1000, pid: 1 },
      { event: 'run.end', outcome: 'ok', durationMs: 900 },
    ]
      .map((r) =>
        JSON.stringify({
          ts: slot.replace(':00.000Z', ':01.000Z'),
          level: 'info',
          job,
          runId: job,
          scheduledFor: slot,
          trigger: 'cron',
          ...r,
        }),
      )
      .join('\n');
  fs.writeFileSync(
    path.join(dir, 'logs/jobs.jsonl'),
    served('berlin', '2026-04-19T12:00:00.000Z') + '\n' + served('utc', '2026-04-19T12:30:00.000Z') + '\n',
  );
  return dir;
}

const cli = (dir: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });

describe('times in human output', () => {
  it('default: each job’s slots in its own zone with the offset, the rest in UTC, and the view says so', async () => {
    const dir = project();
    const gaps = await cli(dir, ['postmortem', 'gaps', '--since', '3h']);
    expect(gaps.stdout).toMatch(/^Gaps from 2026-04-19 12:40Z to 2026-04-19 15:40Z/m);
    expect(gaps.stdout).toContain("times in UTC; slots in each job's zone (berlin: Europe/Berlin)");
    expect(gaps.stdout).toContain('berlin  15:00+02:00 → still open');
    expect(gaps.stdout).toContain('utc  13:30Z → still open');
    const status = await cli(dir, ['status', '--since', '3h']);
    expect(status.stdout).toMatch(/^berlin\s+17:00\+02:00\s+MISSING\s+3 unserved\s+18:00\+02:00 \(in 20m\)$/m);
    expect(status.stdout).toMatch(/^utc\s+15:30Z\s+MISSING/m);
    expect(status.stdout).toContain("times in UTC; slots in each job's zone (berlin: Europe/Berlin)");
    const plan = await cli(dir, ['backfill', '--since', '3h', '--dry-run']);
    expect(plan.stdout).toMatch(/^berlin\s+15:00\+02:00\s+missing/m);
    expect(plan.stdout).toMatch(/^utc\s+13:30Z\s+missing/m);
  });

  it('--tz puts every time in one zone (anywhere on the line); JSON is unchanged', async () => {
    const dir = project();
    const ny = await cli(dir, ['status', '--since', '3h', '--tz', 'America/New_York']);
    expect(ny.exitCode, ny.stderr).toBe(0);
    expect(ny.stdout).toMatch(/^berlin\s+11:00-04:00\s+MISSING/m);
    expect(ny.stdout).toMatch(/^utc\s+11:30-04:00\s+MISSING/m);
    expect(ny.stdout).toContain('times in America/New_York (--tz)');
    const utc = await cli(dir, ['--tz', 'UTC', 'postmortem', 'gaps', '--since', '3h']);
    expect(utc.stdout).toContain('berlin  13:00Z → still open');
    const json = await cli(dir, ['postmortem', 'gaps', '--since', '3h', '--json', '--tz', 'Asia/Kolkata']);
    expect(json.json.gaps.map((g: any) => g.start)).toEqual(['2026-04-19T13:00:00.000Z', '2026-04-19T13:30:00.000Z']);
  });

  it('an unknown zone is a usage error naming --tz (64), before any work', async () => {
    const dir = project();
    const r = await cli(dir, ['status', '--tz', 'Mars/Olympus']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain('--tz: unknown time zone "Mars/Olympus"');
    const json = await cli(dir, ['breaker', 'status', '--json', '--tz', 'nowhere']);
    expect(json.exitCode).toBe(64);
    expect(json.json.error.message).toContain('--tz');
  });
});
