/**
 * A job just added to the config, through the built CLI: the watchdog (`postmortem gaps
 * --fail-on-gap`) notes job names new to the config in the log (`jobs.seen`), so the new job is
 * judged from then, not from the log's first record; a job in the config when the watchdog first
 * looked (the seed) keeps the old rule, so one whose crontab line was never installed is caught.
 * gaps, backfill and status judge alike, and a touch of the config moves nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const hourly = { schedule: '0 * * * *', command: ['node', '-e', '0'] };
const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;

describe('a job added to the config is judged from when the watchdog first saw it', () => {
  it('no false page for the new job; a never-installed job of the old config is still caught', async () => {
    const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs: { sm: hourly, never: hourly } });
    const cli = (now: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
    const cron = async (hhmm: string) => expect((await cli(`${T(hhmm)}`, ['run', 'sm', '--json'])).exitCode).toBe(0);
    const watchdog = (hhmm: string) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', '2026-04-19T09:00Z', '--fail-on-gap']);
    const seen = () => readLog(dir).filter((r) => r.event === 'jobs.seen');
    await cron('10:00');
    await cron('11:00');

    // the watchdog's first look: it names the jobs already there (the seed), which keep the old rule
    const first = await watchdog('11:30');
    expect(first.exitCode).toBe(1);
    expect(first.json.gaps.map((g: any) => [g.job, g.missing])).toEqual([['never', 2]]);
    expect(seen()).toEqual([
      expect.objectContaining({ job: 'watchdog', ts: T('11:30'), jobs: ['sm', 'never'], seed: true }),
    ]);

    // a job added at 11:40 whose crontab line is never installed
    const file = path.join(dir, 'lucy-ops.config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...config, jobs: { ...config.jobs, fresh: hourly } }));
    await cron('12:00');
    const second = await watchdog('12:30');
    const fresh = (r: any) => r.json.jobs.find((j: any) => j.job === 'fresh');
    // judged from the watchdog's run that first saw it: its 10:00–12:00 slots are not owed
    expect(fresh(second)).toMatchObject({ judgedFrom: T('12:30'), judgedBy: 'added', missing: 0, slots: 0 });
    expect(second.json.gaps.map((g: any) => g.job)).toEqual(['never']);
    expect(second.json.skippedLines).toBe(0);
    expect(seen().map((r) => [r.ts, r.jobs, r.seed])).toEqual([
      [T('11:30'), ['sm', 'never'], true],
      [T('12:30'), ['fresh'], undefined],
    ]);

    // its first slot after that passes with no run: caught; the set did not change, nothing written
    const third = await watchdog('13:30');
    expect(third.json.gaps.filter((g: any) => g.job === 'fresh')).toEqual([
      expect.objectContaining({ start: T('13:00'), missing: 1 }),
    ]);
    expect(seen()).toHaveLength(2);

    // a touch of the config (any date) moves nothing; backfill and status judge as gaps does
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(file, old, old);
    const plan = await cli(T('13:30'), ['backfill', '--dry-run', '--json', '--since', '2026-04-19T09:00Z']);
    expect(plan.json.slots.filter((s: any) => s.job === 'fresh').map((s: any) => s.slot)).toEqual([T('13:00')]);
    const status = await cli(T('13:30'), ['status', '--json', '--since', '6h', '--job', 'fresh']);
    expect(status.json.jobs[0]).toMatchObject({ last: { slot: T('13:00'), outcome: 'missing' }, failuresInARow: 1 });
    // plain gaps (not the watchdog) reads the note and writes none
    const plain = await cli(T('13:30'), ['postmortem', 'gaps', '--json', '--since', '2026-04-19T09:00Z']);
    expect(fresh(plain)).toMatchObject({ judgedBy: 'added', missing: 1 });
    expect(seen()).toHaveLength(2);
  });
});
