/**
 * `postmortem gaps` and `postmortem report` tell the same incidents, through the built CLI, by one
 * rule: an incident ends when its jobs are served again, and an hourly job whose next slot has not
 * come does not keep it open (it is named as still owing its slot), while a slot of it unserved
 * after the others recovered does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarters, run, T, twoJobProject as project } from './helpers/two-jobs.js';

const pick = (i: any) => ({ start: i.start, end: i.end, open: i.open, jobs: i.jobs, owing: i.owing });

/** The incidents of `postmortem gaps --json` and `postmortem report --json` over the same window. */
async function bothViews(cli: ReturnType<typeof project>['cli'], since: string) {
  const gaps = await cli(['postmortem', 'gaps', '--since', since, '--json']);
  const report = await cli(['postmortem', 'report', '--since', since, '--json']);
  expect(report.exitCode, report.stderr).toBe(0);
  return { gaps: gaps.json, report: report.json };
}

describe('gaps and report agree on incidents', () => {
  it('ends an incident when the others recover, naming the hourly job that still owes its slot', async () => {
    // blog misses 05:00 and its next slot (06:00) has not come; threads fails 05:15, served again 05:30
    const { dir, cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 6).flatMap((t) => run('threads', t, t === '05:15' ? 'failed' : 'ok')),
      ],
      T('05:50', '10'),
    );
    const { gaps, report } = await bothViews(cli, '5h');
    // the gap stays open: blog has not been served since
    expect(gaps.gaps.find((g: any) => g.job === 'blog')).toMatchObject({ start: T('05:00'), end: null, open: true });
    const expected = {
      start: T('05:00'),
      end: T('05:30'),
      open: false,
      jobs: ['blog', 'threads'],
      owing: [{ job: 'blog', start: T('05:00'), lastSlot: T('05:00'), slots: 1 }],
    };
    expect(gaps.incidents.map(pick)).toEqual([expected]);
    expect(report.incidents.map(pick)).toEqual([expected]);
    expect(report.incidents[0].durationMs).toBe(gaps.incidents[0].durationMs);
    expect(report.headline).toMatchObject({ start: T('05:00'), end: T('05:30'), open: false });

    // every format of the report says it beside the incident
    const owes = 'blog still owes 05:00Z';
    const text = await cli(['postmortem', 'report', '--since', '5h', '--html', 'r.html']);
    expect(text.stdout.split('\n')[0]).toBe(`Incident 2026-12-07 05:00Z – 05:30Z (30m; ${owes})`);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain(`<h1>Incident 2026-12-07 05:00Z – 05:30Z (30m; ${owes})</h1>`);
    expect(html).toContain(`<li>Over at 05:30Z, when the other jobs were served again; ${owes}: its next slot has`);
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toMatch(new RegExp(`^# Incident 2026-12-07 05:00Z – 05:30Z \\(30m; ${owes}\\)\\n`));
    expect(md).toContain(`- Over at 05:30Z, when the other jobs were served again; ${owes}: its next slot has`);
  });

  it('keeps it open in both when the hourly job misses a slot after the others recovered', async () => {
    // as above an hour on: blog misses 05:00 and 06:00; threads recovered at 05:30
    const { cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 7).flatMap((t) => run('threads', t, t === '05:15' ? 'failed' : 'ok')),
      ],
      T('06:50', '10'),
    );
    const { gaps, report } = await bothViews(cli, '6h');
    const expected = { start: T('05:00'), end: null, open: true, jobs: ['blog', 'threads'], owing: [] };
    expect(gaps.incidents.map(pick)).toEqual([expected]);
    expect(report.incidents.map(pick)).toEqual([expected]);
    expect(report.headline).toMatchObject({ start: T('05:00'), end: null, open: true });
  });

  it('lists the same incidents when there are several, one of them over with nothing owed', async () => {
    // threads fails 01:30-01:45 (over: served 02:00); from 04:00 on, nothing runs at all
    const { cli } = project(
      [
        ...['01:00', '02:00', '03:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 4).flatMap((t) => run('threads', t, t === '01:30' || t === '01:45' ? 'failed' : 'ok')),
      ],
      T('05:00', '40'),
    );
    const { gaps, report } = await bothViews(cli, '4h');
    const expected = [
      { start: T('01:30'), end: T('02:00'), open: false, jobs: ['threads'], owing: [] },
      { start: T('04:00'), end: null, open: true, jobs: ['blog', 'threads'], owing: [] },
    ];
    expect(gaps.incidents.map(pick)).toEqual(expected);
    expect(report.incidents.map(pick)).toEqual(expected);
  });
});
