/**
 * A job taken out of the config and put back, through the built CLI, where the period out must not
 * swallow what was owed: a slot the watchdog judged (and paged for) before it saw the job gone stays
 * judged; and removal and return records of an older writer (no `lastSeen`, no `backSchedule`) are
 * read by the documented fallbacks (the job's own last run; the config's schedule), neither hiding
 * an owed slot nor paging for one of the old schedule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const hourly = { schedule: '0 * * * *', command: ['node', '-e', '0'] };
const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const SINCE = '2026-04-19T09:00Z';

function project() {
  const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs: { sm: hourly, gone: hourly } });
  const file = path.join(dir, 'lucy-ops.config.json');
  const full = JSON.parse(fs.readFileSync(file, 'utf8'));
  const setJobs = (names: string[], change: Record<string, object> = {}) =>
    fs.writeFileSync(
      file,
      JSON.stringify({ ...full, jobs: Object.fromEntries(names.map((n) => [n, { ...full.jobs[n], ...change[n] }])) }),
    );
  const cli = (now: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
  const cron = async (job: string, hhmm: string) =>
    expect((await cli(T(hhmm), ['run', job, '--json'])).exitCode).toBe(0);
  const gaps = (hhmm: string, extra: string[] = []) =>
    cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, ...extra]);
  const plan = async (hhmm: string) =>
    (await cli(T(hhmm), ['backfill', '--dry-run', '--json', '--since', SINCE])).json.slots.map(
      (s: any) => `${s.job} ${s.slot.slice(11, 16)}`,
    );
  /** Appends a jobs.seen record as an older watchdog wrote it. */
  const oldSeen = (hhmm: string, fields: Record<string, unknown>) =>
    fs.appendFileSync(
      path.join(dir, 'logs/jobs.jsonl'),
      JSON.stringify({
        ts: T(hhmm),
        level: 'info',
        event: 'jobs.seen',
        job: 'watchdog',
        runId: `old-${hhmm}`,
        scheduledFor: T(hhmm),
        trigger: 'cron',
        jobs: [],
        ...fields,
      }) + '\n',
    );
  return { dir, setJobs, cli, cron, gaps, plan, oldSeen };
}

const gapsOf = (r: any) => r.json.gaps.map((g: any) => `${g.job} ${g.start.slice(11, 16)} ${g.missing}`);

describe('the period out of the config swallows nothing that was owed', () => {
  it('a slot the watchdog paged for before it saw the job gone stays judged, paged and planned', async () => {
    const { dir, setJobs, cron, gaps, plan, cli } = project();
    await cron('sm', '10:00');
    await cron('gone', '10:00');
    expect((await gaps('10:30', ['--fail-on-gap'])).exitCode).toBe(0); // the seed
    // gone's crontab line breaks: its 11:00 never runs, and the watchdog pages for it
    await cron('sm', '11:00');
    const paged = await gaps('11:30', ['--fail-on-gap']);
    expect(paged.exitCode).toBe(1);
    expect(gapsOf(paged)).toEqual(['gone 11:00 1']);
    expect(readLog(dir).filter((r) => r.event === 'alert.sent')).toHaveLength(1);
    // then it is taken out (11:40); the watchdog sees it gone at 12:30: its last run was at 10:00,
    // its last look with gone in the config at 11:30
    setJobs(['sm']);
    await cron('sm', '12:00');
    expect((await gaps('12:30', ['--fail-on-gap'])).exitCode).toBe(0);
    const removal = readLog(dir).filter((r) => r.event === 'jobs.seen')[1];
    // (the clock an override sets runs on from it: the look's time may be a few ms past the minute)
    expect(removal).toMatchObject({
      removed: ['gone'],
      lastSeen: { gone: expect.stringMatching(/^2026-04-19T11:30/) },
    });
    // put back; both run at 13:00
    setJobs(['sm', 'gone']);
    await cron('sm', '13:00');
    await cron('gone', '13:00');

    // 11:00 was owed (the watchdog judged it at 11:30 with gone in the config): still a gap; 12:00,
    // after that look and before the removal was seen, may have been after gone left: not judged
    const after = await gaps('13:30');
    expect(gapsOf(after)).toEqual(['gone 11:00 1']);
    expect(after.json.jobs.find((j: any) => j.job === 'gone')).toMatchObject({
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T11:30/), until: T('13:00') }], // the alert's time
      notJudgedOutOfConfig: 1,
      missing: 1,
    });
    expect(await plan('13:30')).toEqual(['gone 11:00']);
    const report = await cli(T('13:30'), ['postmortem', 'report', '--json', '--since', SINCE]);
    expect(report.json.affected.map((a: any) => `${a.job} ${a.slot.slice(11, 16)} ${a.outcome}`)).toEqual([
      'gone 11:00 missing',
    ]);
    // the watchdog that sees it back says the period began at that look
    expect((await gaps('13:30', ['--fail-on-gap'])).exitCode).toBe(1);
    expect(readLog(dir).filter((r) => r.event === 'jobs.seen')[2]).toMatchObject({
      jobs: ['gone'],
      back: { gone: expect.stringMatching(/^2026-04-19T11:30/) },
    });
  });

  it('a quiet watchdog run (it writes nothing to the log) is remembered: a slot owed before it stays judged', async () => {
    const { dir, setJobs, cron, gaps, plan } = project();
    await cron('sm', '10:00');
    await cron('gone', '10:00');
    expect((await gaps('10:30', ['--fail-on-gap'])).exitCode).toBe(0); // the seed
    await cron('sm', '11:00');
    expect((await gaps('11:30', ['--fail-on-gap'])).exitCode).toBe(1); // gone's 11:00: paged
    await cron('sm', '12:00');
    // gone's 12:00 is missed too: the same gap, so this run pages no one anew, and writes nothing
    const lines = readLog(dir).length;
    expect((await gaps('12:30', ['--fail-on-gap'])).exitCode).toBe(1);
    expect(readLog(dir)).toHaveLength(lines);
    // taken out at 12:40, seen gone at 13:30: it was in the config at the 12:30 look
    setJobs(['sm']);
    await cron('sm', '13:00');
    expect((await gaps('13:30', ['--fail-on-gap'])).exitCode).toBe(0);
    expect(readLog(dir).filter((r) => r.event === 'jobs.seen')[1]).toMatchObject({
      removed: ['gone'],
      lastSeen: { gone: expect.stringMatching(/^2026-04-19T12:30/) }, // a few ms past it, as the clock ran
    });
    setJobs(['sm', 'gone']);
    await cron('sm', '14:00');
    await cron('gone', '14:00');
    // the whole gap is still told: 11:00 and 12:00; only 13:00, after the last look, is not judged
    const after = await gaps('14:30');
    expect(gapsOf(after)).toEqual(['gone 11:00 2']);
    expect(after.json.jobs.find((j: any) => j.job === 'gone')).toMatchObject({
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T12:30/), until: T('14:00') }],
      notJudgedOutOfConfig: 1,
    });
    expect(await plan('14:30')).toEqual(['gone 11:00', 'gone 12:00']);
  });

  it('a watchdog run whose look finds state.json corrupt says so (breaker state and alert memory were reset), and stays quiet otherwise', async () => {
    const { dir, cron, gaps } = project();
    await cron('sm', '10:00');
    await cron('gone', '10:00');
    fs.mkdirSync(path.join(dir, '.lucy-ops'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.lucy-ops/state.json'), '{"version":1,"entries":{"breaker:p1":');
    const quiet = await gaps('10:30', ['--fail-on-gap']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toMatch(/warning: .*state\.json was not valid JSON .*moved it to .*state\.json\.corrupt-/);
    // the look was kept all the same, and the next run has nothing to say
    expect((await gaps('11:00', ['--fail-on-gap'])).stderr).toBe('');
  });

  it("an older writer's records: a removal without lastSeen counts from the job's last run, a return without backSchedule by the config's schedule", async () => {
    const { setJobs, cron, gaps, plan, oldSeen } = project();
    await cron('sm', '10:00');
    await cron('gone', '10:00');
    expect((await gaps('10:30', ['--fail-on-gap'])).exitCode).toBe(0); // the seed (this build's)
    await cron('sm', '11:00');
    await cron('gone', '11:00');
    // an older watchdog saw gone taken out at 12:30 and wrote no lastSeen
    setJobs(['sm']);
    await cron('sm', '12:00');
    oldSeen('12:30', { removed: ['gone'] });
    // gone's 12:00 is not judged: its last run (11:00) is the last sign it was in the config, and
    // the removal record's own time would call 12:00 missing though gone may have left at 11:10
    await cron('sm', '13:00');
    const out = await gaps('13:30');
    expect(gapsOf(out)).toEqual([]);
    // put back on half past the hour; the older watchdog's return record names no schedule
    setJobs(['sm', 'gone'], { gone: { schedule: '30 * * * *' } });
    oldSeen('14:10', { jobs: ['gone'], back: { gone: T('11:00') } });
    await cron('sm', '14:00');
    await cron('sm', '15:00');
    // its 14:30 and 15:30 were missed: judged by the config's schedule, not by its last run's
    // ('0 * * * *': 15:00 would be called missing and planned, a run the job never owed)
    const back = await gaps('15:40');
    expect(gapsOf(back)).toEqual(['gone 14:30 2']);
    const gone = back.json.jobs.find((j: any) => j.job === 'gone');
    expect(gone).toMatchObject({
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T11:00/), until: T('14:10') }],
      notJudgedOutOfConfig: 3, // 12:00, 13:00, 14:00
      missing: 2,
    });
    expect(gone.schedules.at(-1)).toMatchObject({ from: T('14:10'), schedule: '30 * * * *' });
    expect(await plan('15:40')).toEqual(['gone 14:30', 'gone 15:30']);
  });
});
