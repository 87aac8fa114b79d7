/**
 * What `postmortem gaps` and `backfill` call a gap, through the built CLI: the slots the cron
 * daemon really runs, judged from when lucy-ops began, by the schedule in force, with gaps that
 * close and pending measured from now. Runs are real `lucy-ops run` processes where the log's
 * shape matters (run.start naming its schedule); hand-written records elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configWrittenAt, readLog, runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const OK = ['node', '-e', '0'];

function project(jobs: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs, ...extra });
}

function writeLog(dir: string, records: object[]): void {
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** A served cron run of `job` for `slot`, as JobLog writes it (run.start, then an ok run.end). */
function served(job: string, slot: string, outcome = 'ok'): object[] {
  const base = { level: 'info', job, runId: job + slot, scheduledFor: slot, trigger: 'cron' };
  const t = (s: number) => new Date(Date.parse(slot) + s * 1000).toISOString();
  return [
    { ts: t(2), ...base, event: 'run.start', lateMs: 2000, pid: 1 },
    { ts: t(5), ...base, event: 'run.end', outcome, durationMs: 3000 },
  ];
}

const gaps = (dir: string, now: string, args: string[]) =>
  runCli(['postmortem', 'gaps', '--json', ...args], { cwd: dir, env: { LUCY_OPS_NOW: now } });
const plan = (dir: string, now: string, args: string[]) =>
  runCli(['backfill', '--dry-run', '--json', ...args], { cwd: dir, env: { LUCY_OPS_NOW: now } });

describe('slots are the cron daemon’s, across DST', () => {
  // Europe/Berlin, 29 March 2026 (02:00 CET → 03:00 CEST at 01:00Z) and 25 October (03:00 → 02:00 at 01:00Z)
  const jobs = {
    nightly: { schedule: '15 1-3 * * *', tz: 'Europe/Berlin', command: OK },
    half: { schedule: '*/30 1-3 * * *', tz: 'Europe/Berlin', command: OK },
  };
  // what the daemon ran, written by hand in UTC
  const cronRan = {
    spring: {
      window: ['--since', '2026-03-28T23:00:00Z', '--until', '2026-03-29T02:00:00Z'],
      nightly: ['2026-03-29T00:15:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z'],
      half: [
        '2026-03-29T00:00:00.000Z',
        '2026-03-29T00:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:30:00.000Z',
      ],
    },
    autumn: {
      window: ['--since', '2026-10-24T22:00:00Z', '--until', '2026-10-25T02:59:00Z'],
      nightly: ['2026-10-24T23:15:00.000Z', '2026-10-25T00:15:00.000Z', '2026-10-25T02:15:00.000Z'],
      half: [
        '2026-10-24T23:00:00.000Z',
        '2026-10-24T23:30:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T01:30:00.000Z',
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T02:30:00.000Z',
      ],
    },
  };

  for (const [name, ran] of Object.entries(cronRan)) {
    it(`${name}: a log with exactly cron's runs has no gap; an empty log plans exactly those slots`, async () => {
      const now = '2026-12-01T00:00:00Z';
      const full = project(jobs);
      writeLog(full, [
        ...ran.nightly.flatMap((s) => served('nightly', s)),
        ...ran.half.flatMap((s) => served('half', s)),
      ]);
      const report = await gaps(full, now, ran.window);
      expect(report.exitCode, report.stderr).toBe(0);
      expect(report.json.gaps).toEqual([]);
      expect(report.json.jobs.map((j: any) => [j.job, j.slots, j.served])).toEqual([
        ['nightly', ran.nightly.length, ran.nightly.length],
        ['half', ran.half.length, ran.half.length],
      ]);

      // an empty log under a config older than the window: every slot cron ran is owed
      const empty = project(jobs);
      writeLog(empty, []);
      configWrittenAt(empty);
      const planned = await plan(empty, now, ran.window);
      expect(planned.exitCode, planned.stderr).toBe(0);
      expect(planned.json.slots.map((s: any) => [s.job, s.slot, s.was])).toEqual([
        ...ran.nightly.map((s) => ['nightly', s, 'missing']),
        ...ran.half.map((s) => ['half', s, 'missing']),
      ]);
    });
  }
});

describe('judging begins when lucy-ops began', () => {
  it('fresh install: after a first run, no gap and nothing to backfill from before it', async () => {
    const dir = project({
      blog: { schedule: '0 * * * *', command: OK },
      threads: { schedule: '*/15 * * * *', command: OK },
      stories: { schedule: '*/30 * * * *', command: OK },
      sitemap: { schedule: '5 * * * *', command: OK },
    });
    configWrittenAt(dir, '2026-04-19T14:03:00Z'); // `init` a moment before the first cron run
    const now = '2026-04-19T14:05:03Z';
    const first = await runCli(['run', 'sitemap', '--json', '--', ...OK], { cwd: dir, env: { LUCY_OPS_NOW: now } });
    expect(first.exitCode, first.stderr).toBe(0);
    // the run.start names the schedule it ran under
    expect(readLog(dir).find((r) => r.event === 'run.start')).toMatchObject({ schedule: '5 * * * *', tz: 'UTC' });

    const watchdog = await runCli(['postmortem', 'gaps', '--since', '2h', '--fail-on-gap'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: now },
    });
    expect(watchdog.exitCode, watchdog.stdout + watchdog.stderr).toBe(0);
    const planned = await plan(dir, now, ['--since', '6h']);
    expect(planned.json.slots).toEqual([]);
    // people see when judging began
    const human = await runCli(['postmortem', 'gaps', '--since', '2h'], { cwd: dir, env: { LUCY_OPS_NOW: now } });
    expect(human.stdout).toContain('Judged from when lucy-ops began: ');
    expect(human.stdout).toContain('sitemap from 14:05Z (its first record)');
    expect(human.stdout).toMatch(/blog from 14:05Z \(no record of its own: the first record of any job\)/);
  });

  it('fresh install before any run: the watchdog stays quiet until a slot after the config is owed', async () => {
    const dir = project({ blog: { schedule: '0 * * * *', command: OK } });
    configWrittenAt(dir, '2026-04-19T14:02:00Z'); // `init` at 14:02; the crontab line is in, nothing ran yet
    const watch = (now: string) =>
      runCli(['postmortem', 'gaps', '--since', '2h', '--fail-on-gap'], { cwd: dir, env: { LUCY_OPS_NOW: now } });
    const early = await watch('2026-04-19T14:30:00Z');
    expect(early.exitCode, early.stdout + early.stderr).toBe(0);
    const human = await runCli(['postmortem', 'gaps', '--since', '2h'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: '2026-04-19T14:30:00Z' },
    });
    expect(human.stdout).toContain('Judged from 14:02Z, when the config file was last written');
    expect((await plan(dir, '2026-04-19T14:30:00Z', ['--since', '6h'])).json.slots).toEqual([]);
    const json = await gaps(dir, '2026-04-19T14:30:00Z', ['--since', '2h']);
    expect(json.json.jobs[0]).toMatchObject({ judgedFrom: '2026-04-19T14:02:00.000Z', judgedBy: 'config' });
    // 15:00 came and went with no run (a broken crontab line): that slot is owed, and the watchdog fires
    const late = await watch('2026-04-19T15:40:00Z');
    expect(late.exitCode).toBe(1);
    expect((await plan(dir, '2026-04-19T15:40:00Z', ['--since', '6h'])).json.slots).toEqual([
      expect.objectContaining({ job: 'blog', slot: '2026-04-19T15:00:00.000Z', was: 'missing' }),
    ]);
  });

  it('a schedule change: slots before it are judged by the old schedule (real runs, config edited between)', async () => {
    const dir = project({ threads: { schedule: '*/30 * * * *', command: OK } });
    const runAt = (slot: string) =>
      runCli(['run', 'threads', '--', ...OK], { cwd: dir, env: { LUCY_OPS_NOW: slot.replace(':00Z', ':03Z') } });
    for (const slot of ['2026-04-19T13:00:00Z', '2026-04-19T13:30:00Z']) expect((await runAt(slot)).exitCode).toBe(0);
    // 13:50: the crontab line and the config become */15
    const file = path.join(dir, 'lucy-ops.config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    config.jobs.threads.schedule = '*/15 * * * *';
    fs.writeFileSync(file, JSON.stringify(config));
    for (const slot of ['2026-04-19T14:00:00Z', '2026-04-19T14:15:00Z', '2026-04-19T14:30:00Z'])
      expect((await runAt(slot)).exitCode).toBe(0);

    const report = await gaps(dir, '2026-04-19T14:35:00Z', ['--since', '2026-04-19T13:00Z']);
    expect(report.json.gaps).toEqual([]);
    expect(report.json.jobs[0]).toMatchObject({
      slots: 5,
      served: 5,
      schedules: [
        { from: null, schedule: '*/30 * * * *', tz: 'UTC' },
        { from: '2026-04-19T14:00:00.000Z', schedule: '*/15 * * * *', tz: 'UTC' },
      ],
    });
  });

  it('a new job is judged from its first run, not from the other jobs’ first records', async () => {
    const dir = project({
      threads: { schedule: '*/15 * * * *', command: OK },
      blog: { schedule: '0 * * * *', command: OK },
    });
    const threads = ['12:00', '12:15', '12:30', '12:45', '13:00', '13:15', '13:30', '13:45', '14:00'].flatMap((t) =>
      served('threads', `2026-04-19T${t}:00.000Z`),
    );
    writeLog(dir, [...threads, ...served('blog', '2026-04-19T14:00:00.000Z')]);
    const report = await gaps(dir, '2026-04-19T14:05:00Z', ['--since', '2026-04-19T12:00Z']);
    expect(report.json.gaps).toEqual([]);
    expect(report.json.jobs.find((j: any) => j.job === 'blog')).toMatchObject({
      judgedFrom: '2026-04-19T14:00:00.000Z',
      judgedBy: 'job',
      slots: 1,
    });
  });
});

describe('gaps that close, pending from now', () => {
  it('a gap ends at the next served slot even when a slot before it is still pending', async () => {
    const dir = project({ tick: { schedule: '* * * * *', command: OK } });
    const slot = (m: string) => `2026-04-19T10:${m}:00.000Z`;
    writeLog(dir, [
      ...served('tick', slot('04')),
      ...['05', '06', '07'].flatMap((m) => served('tick', slot(m), 'failed')),
      // nothing yet for 10:08: its run may still be going
      ...served('tick', slot('09')),
    ]);
    const report = await gaps(dir, '2026-04-19T10:09:30Z', ['--since', slot('04'), '--grace', '2m']);
    expect(report.json.gaps).toEqual([
      expect.objectContaining({ start: slot('05'), end: slot('09'), open: false, slots: 3, failed: 3 }),
    ]);
    expect(report.json.incidents).toEqual([expect.objectContaining({ end: slot('09'), open: false })]);
    expect(report.json.jobs[0]).toMatchObject({ pending: 1 });
  });

  it('pending is measured from now, not --until: an old window has nothing pending, for gaps and backfill', async () => {
    const dir = project({ blog: { schedule: '0 * * * *', command: OK } });
    writeLog(dir, served('blog', '2026-04-19T13:00:00.000Z'));
    const window = ['--since', '2026-04-19T14:00Z', '--until', '2026-04-19T15:00Z'];
    const months = '2026-08-01T00:00:00Z';
    const planned = await plan(dir, months, window);
    expect(planned.json.slots.map((s: any) => s.slot)).toEqual([
      '2026-04-19T14:00:00.000Z',
      '2026-04-19T15:00:00.000Z',
    ]);
    const report = await gaps(dir, months, window);
    expect(report.json.jobs[0]).toMatchObject({ missing: 2, pending: 0 });
    // right after 15:00 the 15:00 slot may still be running, for both; --grace 0s plans it anyway
    const soon = '2026-04-19T15:00:30Z';
    expect((await plan(dir, soon, window)).json.slots.map((s: any) => s.slot)).toEqual(['2026-04-19T14:00:00.000Z']);
    expect((await gaps(dir, soon, window)).json.jobs[0]).toMatchObject({ missing: 1, pending: 1 });
    expect((await plan(dir, soon, [...window, '--grace', '0s'])).json.slots).toHaveLength(2);
  });
});
