/**
 * A job taken out of the config and put back later, through the built CLI: the watchdog
 * (`postmortem gaps --fail-on-gap`) notes the removal in the log (`jobs.seen` with `removed` and
 * the job's last record) and the return (`jobs` with `back`), so the slots from while it was out
 * neither page nor get planned by backfill; its slots after it is back are judged, and a job that
 * was never taken out is judged as always. gaps, backfill, status and the report judge alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTime } from '../src/schedule/time-label.js';
import { readLog, runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const hourly = { schedule: '0 * * * *', command: ['node', '-e', '0'] };
const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const SINCE = '2026-04-19T09:00Z';

/** A project with jobs sm and gone, its config's job list to set, and the CLI at a given time. */
function project(jobs: Record<string, object> = { sm: hourly, gone: hourly }) {
  const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs });
  const file = path.join(dir, 'lucy-ops.config.json');
  const full = JSON.parse(fs.readFileSync(file, 'utf8'));
  const setJobs = (names: string[], change: Record<string, object> = {}) =>
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...full,
        jobs: Object.fromEntries(names.map((name) => [name, { ...full.jobs[name], ...change[name] }])),
      }),
    );
  const cli = (now: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
  const cron = async (job: string, hhmm: string) =>
    expect((await cli(T(hhmm), ['run', job, '--json'])).exitCode).toBe(0);
  return { dir, setJobs, cli, cron };
}

describe('a job taken out of the config and put back is not judged while it was out', () => {
  it('no page and no backfill for the gone period; slots after it is back are judged; other jobs as always', async () => {
    const { dir, setJobs, cli, cron } = project();
    const watchdog = (hhmm: string) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, '--fail-on-gap']);
    const gapsOf = (r: any) => r.json.gaps.map((g: any) => `${g.job} ${g.start.slice(11, 16)} ${g.missing}`);
    const seen = () => readLog(dir).filter((r) => r.event === 'jobs.seen');

    for (const hhmm of ['10:00', '11:00']) {
      await cron('sm', hhmm);
      await cron('gone', hhmm);
    }
    expect((await watchdog('11:30')).exitCode).toBe(0); // the seed names both

    // `gone` leaves the config (and the crontab); sm's 12:00 run is lost
    setJobs(['sm']);
    const out = await watchdog('12:30');
    expect(gapsOf(out)).toEqual(['sm 12:00 1']);
    expect(out.json.jobs.map((j: any) => j.job)).toEqual(['sm']);
    const removal = seen()[1];
    expect(removal).toMatchObject({ ts: T('12:30'), jobs: [], removed: ['gone'] });
    // the last sign of it in the config: its last run (11:00), or the watchdog's look at 11:30, later
    expect(removal.lastSeen.gone.slice(0, 16)).toBe('2026-04-19T11:30');
    await cron('sm', '13:00');
    expect((await watchdog('13:30')).exitCode).toBe(1); // sm's 12:00 gap still there
    expect(seen()).toHaveLength(2);

    // put back at 13:40; its crontab line too late for 14:00
    setJobs(['sm', 'gone']);
    await cron('sm', '14:00');
    // before the watchdog has seen it back, backfill plans none of its slots since it left
    const early = await cli(T('14:10'), ['backfill', '--dry-run', '--json', '--since', SINCE]);
    expect(early.json.slots.map((s: any) => `${s.job} ${s.slot.slice(11, 16)}`)).toEqual(['sm 12:00']);

    const back = await watchdog('14:30');
    expect(gapsOf(back)).toEqual(['sm 12:00 1']); // no page for gone's 12:00, 13:00, 14:00
    // but its one stderr line says, once, that gone was not judged: a removal that never happened
    // (a stale or hand-written line) cannot hide a gap without a word
    expect(back.stderr.trim().split('\n')).toHaveLength(1);
    // from gone's last record, printed as every instant is (with its seconds when a loaded machine
    // wrote it a second or more after 11:00)
    expect(back.stderr).toContain(
      `; gone is back in the config; not judged while the log says it was out of it: from ${formatTime(removal.lastSeen.gone, NaN)} until now; if it never left the config, a gap there was not paged`,
    );
    expect(seen()[2]).toMatchObject({ ts: T('14:30'), jobs: ['gone'], back: { gone: removal.lastSeen.gone } });
    const gone = (r: any) => r.json.jobs.find((j: any) => j.job === 'gone');
    expect(gone(back)).toMatchObject({
      judgedBy: 'job',
      missing: 0,
      served: 2,
      outOfConfig: [{ after: removal.lastSeen.gone, until: T('14:30') }],
    });
    expect(back.json.jobs.find((j: any) => j.job === 'sm')).toMatchObject({ outOfConfig: [], missing: 1, served: 4 });
    const plan = await cli(T('14:30'), ['backfill', '--dry-run', '--json', '--since', SINCE]);
    expect(plan.json.slots.map((s: any) => `${s.job} ${s.slot.slice(11, 16)}`)).toEqual(['sm 12:00']);
    expect(plan.json.notJudgedOutOfConfig).toMatchObject([{ job: 'gone', slots: 3 }]);
    const planText = await cli(T('14:30'), ['backfill', '--dry-run', '--since', SINCE]);
    expect(planText.stdout).toMatch(
      /^3 slots of gone not judged \(out of the config after 11:30[0-9:]*Z until 14:30Z\), so not planned\.$/m,
    );

    // back, its 15:00 slot passes with no run: judged, paged, planned, shown
    await cron('sm', '15:00');
    const later = await watchdog('15:30');
    expect(later.exitCode).toBe(1);
    expect(later.stderr).not.toContain('not judged');
    expect(gapsOf(later)).toEqual(['sm 12:00 1', 'gone 15:00 1']);
    const plan2 = await cli(T('15:30'), ['backfill', '--dry-run', '--json', '--since', SINCE]);
    expect(plan2.json.slots.map((s: any) => `${s.job} ${s.slot.slice(11, 16)}`)).toEqual(['sm 12:00', 'gone 15:00']);
    const status = await cli(T('15:30'), ['status', '--json', '--job', 'gone']);
    expect(status.json.jobs[0]).toMatchObject({ last: { slot: T('15:00'), outcome: 'missing' }, failuresInARow: 1 });
    const report = await cli(T('15:30'), ['postmortem', 'report', '--json', '--since', SINCE]);
    expect(report.json.affected.map((a: any) => `${a.job} ${a.slot.slice(11, 16)} ${a.outcome}`)).toEqual([
      'sm 12:00 missing',
      'gone 15:00 missing',
    ]);
    const human = await cli(T('15:30'), ['postmortem', 'gaps', '--since', SINCE]);
    expect(human.stdout).toMatch(
      /^Not judged while out of the config \(slots with no run record\): gone after 11:30[0-9:]*Z until 14:30Z \(3 slots\)\.$/m,
    );
  });

  it('a job put back is judged from its first run back, before the watchdog has seen it back', async () => {
    const { dir, setJobs, cli, cron } = project();
    const gapsOf = (r: any) => r.json.gaps.map((g: any) => `${g.job} ${g.start.slice(11, 16)} ${g.missing}`);
    const slotsOf = (r: any) => r.json.slots.map((s: any) => `${s.job} ${s.slot.slice(11, 16)}`);
    const gaps = (hhmm: string, extra: string[] = []) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, ...extra]);

    for (const hhmm of ['10:00', '11:00']) {
      await cron('sm', hhmm);
      await cron('gone', hhmm);
    }
    expect((await gaps('11:30', ['--fail-on-gap'])).exitCode).toBe(0); // the seed
    setJobs(['sm']);
    await cron('sm', '12:00');
    expect((await gaps('12:30', ['--fail-on-gap'])).exitCode).toBe(0); // gone seen taken out
    // put back before 13:00: it runs at 13:00, then misses 14:00 and 15:00; no watchdog looks meanwhile
    setJobs(['sm', 'gone']);
    for (const hhmm of ['13:00', '14:00', '15:00']) await cron('sm', hhmm);
    await cron('gone', '13:00');

    const before = await gaps('15:30');
    expect(gapsOf(before)).toEqual(['gone 14:00 2']);
    expect(before.json.jobs.find((j: any) => j.job === 'gone').outOfConfig).toEqual([
      { after: expect.stringMatching(/^2026-04-19T11:30/), until: T('13:00') }, // the seed's watchdog saw it then
    ]);
    const plan = await cli(T('15:30'), ['backfill', '--dry-run', '--json', '--since', SINCE]);
    expect(slotsOf(plan)).toEqual(['gone 14:00', 'gone 15:00']);
    const status = await cli(T('15:30'), ['status', '--json', '--job', 'gone']);
    expect(status.json.jobs[0]).toMatchObject({ last: { slot: T('15:00'), outcome: 'missing' }, failuresInARow: 2 });

    // the watchdog pages, and its note that the job is back hides nothing afterwards
    const watchdog = await gaps('15:30', ['--fail-on-gap']);
    expect(watchdog.exitCode).toBe(1);
    // its one stderr line names the period's end: the job's first run back, not "now"
    expect(watchdog.stderr.trim().split('\n')).toHaveLength(1);
    expect(watchdog.stderr).toMatch(
      /; gone is back in the config; not judged while the log says it was out of it: from 2026-04-19 11:30[0-9:]*Z to 2026-04-19 13:00[0-9:]*Z; if it never left the config, a gap there was not paged$/m,
    );
    expect(gapsOf(watchdog)).toEqual(['gone 14:00 2']);
    expect(
      readLog(dir)
        .filter((r) => r.event === 'jobs.seen')
        .at(-1),
    ).toMatchObject({ jobs: ['gone'] });
    await cron('sm', '16:00');
    expect(gapsOf(await gaps('16:10'))).toEqual(['gone 14:00 3']);
  });

  it('a job whose last run was on another host (read with --log) is out from that run, not from the removal', async () => {
    const { dir, setJobs, cli, cron } = project();
    // host B ran gone from 10:00 to 12:00; this host runs sm
    const hostB = path.join(dir, 'host-b.jsonl');
    const record = (hhmm: string, event: string) => ({
      ts: T(hhmm).replace(':00.000Z', ':05.000Z'),
      level: 'info',
      event,
      job: 'gone',
      runId: `b${hhmm}`,
      scheduledFor: T(hhmm),
      trigger: 'cron',
      ...(event === 'run.start' ? { schedule: '0 * * * *', tz: 'UTC' } : { outcome: 'ok', durationMs: 100 }),
    });
    const runsB = (...slots: string[]) =>
      fs.appendFileSync(
        hostB,
        slots
          .flatMap((t) => [record(t, 'run.start'), record(t, 'run.end')].map((r) => JSON.stringify(r) + '\n'))
          .join(''),
      );
    const watchdog = (hhmm: string) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, '--fail-on-gap', '--log', hostB]);
    await cron('sm', '10:00');
    runsB('10:00');
    expect((await watchdog('10:30')).exitCode).toBe(0); // the seed
    runsB('11:00', '12:00');
    await cron('sm', '11:00');
    await cron('sm', '12:00');
    // gone leaves the config at 12:10; the watchdog sees it at 13:30
    setJobs(['sm']);
    await cron('sm', '13:00');
    const out = await watchdog('13:30');
    expect(out.exitCode).toBe(0);
    const removal = readLog(dir).filter((r) => r.event === 'jobs.seen')[1];
    expect(removal).toMatchObject({ removed: ['gone'], lastSeen: { gone: '2026-04-19T12:00:05.000Z' } });
    // put back: its 13:00 slot was while it was out, so nothing pages nor is planned for it
    setJobs(['sm', 'gone']);
    await cron('sm', '14:00');
    await cron('gone', '14:00');
    const back = await watchdog('14:30');
    expect(back.exitCode).toBe(0);
    expect(back.json.gaps).toEqual([]);
    expect(back.json.jobs.find((j: any) => j.job === 'gone').notJudgedOutOfConfig).toBe(1); // 13:00
    const human = await cli(T('14:30'), ['postmortem', 'gaps', '--since', SINCE, '--log', hostB]);
    expect(human.stdout).toContain('No gaps: every judged slot was served; 1 not judged (out of the config).');
    const plan = await cli(T('14:30'), ['backfill', '--dry-run', '--json', '--since', SINCE, '--log', hostB]);
    expect(plan.json.slots).toEqual([]);
    expect(plan.json.notJudgedOutOfConfig).toEqual([
      { job: 'gone', slots: 1, outOfConfig: back.json.jobs.find((j: any) => j.job === 'gone').outOfConfig },
    ]);
    // not "every slot is served": the slot gaps did not judge is named, as gaps names it
    const nothing = await cli(T('14:30'), ['backfill', '--dry-run', '--since', SINCE, '--log', hostB]);
    expect(nothing.stdout).toMatch(
      /^Nothing to backfill between 09:00Z and 14:30Z: every judged slot is served \(or still within its run's deadline\); 1 slot of gone not judged \(out of the config after 12:00:05Z until [0-9:]+Z\), so not planned\.$/m,
    );
  });

  it('a job put back on another schedule is judged by it from when the watchdog saw it back', async () => {
    const { dir, cli, cron, setJobs } = project();
    const watchdog = (hhmm: string) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, '--fail-on-gap']);
    await cron('sm', '10:00');
    await cron('gone', '10:00');
    expect((await watchdog('10:30')).exitCode).toBe(0); // the seed
    setJobs(['sm']);
    await cron('sm', '11:00');
    expect((await watchdog('11:30')).exitCode).toBe(0); // gone seen taken out
    // put back at half past the hour; its crontab line misses 12:30
    setJobs(['sm', 'gone'], { gone: { schedule: '30 * * * *' } });
    await cron('sm', '12:00');
    const back = await watchdog('12:10');
    expect(back.exitCode).toBe(0);
    expect(
      readLog(dir)
        .filter((r) => r.event === 'jobs.seen')
        .at(-1),
    ).toMatchObject({
      jobs: ['gone'],
      backSchedule: { gone: { schedule: '30 * * * *', tz: 'UTC' } },
    });
    await cron('sm', '13:00');
    const later = await watchdog('13:10');
    // the new schedule's 12:30 is missing; no slot of the old one (13:00) is judged or planned
    expect(later.json.gaps.map((g: any) => `${g.job} ${g.start.slice(11, 16)} ${g.missing}`)).toEqual(['gone 12:30 1']);
    const plan = await cli(T('13:10'), ['backfill', '--dry-run', '--json', '--since', SINCE]);
    expect(plan.json.slots.map((s: any) => `${s.job} ${s.slot.slice(11, 16)}`)).toEqual(['gone 12:30']);
  });
  it('a removal line no watchdog of this config wrote (hand-written, stale) cannot hide a silent job without a word', async () => {
    const { dir, cli, cron } = project();
    const watchdog = (hhmm: string) =>
      cli(T(hhmm), ['postmortem', 'gaps', '--json', '--since', SINCE, '--fail-on-gap']);
    expect((await watchdog('09:30')).exitCode).toBe(0); // the seed names both
    for (const hhmm of ['10:00', '11:00', '12:00', '13:00', '14:00']) await cron('sm', hhmm);
    await cron('gone', '10:00'); // then gone goes silent, though it never leaves the config
    expect((await watchdog('12:30')).exitCode).toBe(1); // its 11:00 and 12:00 page
    fs.appendFileSync(
      path.join(dir, 'logs/jobs.jsonl'),
      JSON.stringify({ ts: T('10:30'), level: 'info', event: 'jobs.seen', jobs: [], removed: ['gone'] }) + '\n',
    );
    const quiet = await watchdog('14:30');
    // the forged span is not judged (the log's word is all a reader has), but the watchdog says so;
    // the line names no lastSeen, so the span begins at gone's last run before it (10:00), as a
    // watchdog's removal would have said (with its seconds when a loaded machine wrote that run's
    // record a second or more after 10:00)
    expect(quiet.json.gaps).toEqual([]);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr.trim()).toMatch(
      /^lucy-ops: gone is back in the config; not judged while the log says it was out of it: from 2026-04-19 10:00(:\d\d)?Z until now; if it never left the config, a gap there was not paged$/,
    );
  });
});
