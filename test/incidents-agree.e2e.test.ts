/**
 * `postmortem gaps` and `postmortem report` tell the same incidents, through the built CLI, by one
 * rule: incidents are made of slots not served on time; an incident ends when its jobs are served
 * again, and an hourly job whose next slot has not come does not keep it open (it is named as still
 * owing its slot, with what the log says of its next slot), while a slot of it unserved after the
 * others recovered does; an incident that is over takes in no later failure. With no fill, both
 * list the same incidents (span, jobs, slots). After a backfill, gaps lists what is still owed and
 * the report keeps the incident that happened (its span unchanged): each slot gaps lists lies in a
 * report incident, whose still-unserved count is gaps' slots in it. Slots a fallback served (on
 * time) make no incident in either: the report tells them beside the incidents.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarters, run, T, twoJobProject as project } from './helpers/two-jobs.js';

/**
 * An incident of either view as both tell it: its span, jobs, slots (gaps' unserved slots; the
 * report's slots not served on time) and what it owes.
 */
const pick = (i: any) => ({
  start: i.start,
  end: i.end,
  open: i.open,
  jobs: i.jobs,
  slots: 'notOnTime' in i ? i.notOnTime : i.slots,
  owing: i.owing.map(({ job, start, lastSlot, slots }: any) => ({ job, start, lastSlot, slots })),
});

/** The report's incidents' spans and jobs: what a backfill must not change. */
const spans = (report: any) =>
  report.incidents.map((i: any) => ({ start: i.start, end: i.end, jobs: i.jobs, notOnTime: i.notOnTime }));

/** Lines a backfill run wrote, appended to the project's log. */
const backfill = (dir: string, lines: string[]) =>
  fs.appendFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');

/**
 * Each gap `postmortem gaps` lists now lies in one of the report's incidents (its job, its slots
 * within the span), and each report incident's still-unserved count is the slots of those gaps.
 */
function stillOwedWithin(gaps: any, report: any) {
  const owed = report.incidents.map(() => 0);
  for (const g of gaps.gaps) {
    const at = report.incidents.findIndex(
      (i: any) => i.jobs.includes(g.job) && g.start >= i.start && (i.end === null || g.lastSlot < i.end),
    );
    expect(at, `gap ${g.job} ${g.start} in no report incident`).toBeGreaterThanOrEqual(0);
    owed[at] += g.slots;
  }
  expect(report.incidents.map((i: any) => i.stillUnserved)).toEqual(owed);
}

/** The lines of `run(job, hhmm)` as a run with `trigger` wrote them at `at` ("HH:MM"). */
const later = (job: Parameters<typeof run>[0], hhmm: string, trigger: string, at: string) =>
  run(job, hhmm).map((line) => {
    const r = JSON.parse(line);
    return JSON.stringify({ ...r, trigger, runId: `${r.runId}-${trigger}`, ts: T(at, r.ts.slice(17, 19)) });
  });

/** The headline's sentences of the Markdown report. */
async function sentences(cli: ReturnType<typeof project>['cli'], args: string[]) {
  const md = (await cli(['postmortem', 'report', ...args, '--md', '-'])).stdout;
  return md.split('\n').filter((l) => l.startsWith('- '));
}

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
      slots: 2,
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
    const over = `Over at 05:30Z, when the other jobs were served again; ${owes}: its next slot, 06:00Z, has not come yet.`;
    expect(html).toContain(`<li>${over}</li>`);
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toMatch(new RegExp(`^# Incident 2026-12-07 05:00Z – 05:30Z \\(30m; ${owes}\\)\\n`));
    expect(md).toContain(`- ${over}`);
    // gaps' human view says it beside the incident too
    const human = (await cli(['postmortem', 'gaps', '--since', '5h'])).stdout;
    expect(human).toMatch(/05:00Z → 05:30Z \(blog still owes 05:00Z\) +30m +2: blog, threads/);
  });

  it("says what the log shows of the owing job's next slot, by the clock, not by the window's end", async () => {
    // as above, and the log goes on after a window that ends at 05:50
    const before = [
      ...['01:00', '02:00', '03:00', '04:00'].flatMap((t) => run('blog', t)),
      ...quarters(1, 6).flatMap((t) => run('threads', t, t === '05:15' ? 'failed' : 'ok')),
    ];
    const window = ['--since', T('01:00'), '--until', T('05:50')];
    const over =
      'Over at 05:30Z, when the other jobs were served again; blog still owes 05:00Z: its next slot, 06:00Z,';
    // served 70 minutes after the window's end
    const served = project([...before, ...run('blog', '06:00')], T('07:00'));
    expect(await sentences(served.cli, window)).toContain(
      `- ${over} was served at 06:00:05Z, so the job runs again (the owed slot stays unserved).`,
    );
    const json = (await served.cli(['postmortem', 'report', ...window, '--json'])).json;
    expect(json.incidents[0].owing[0].next).toEqual({ slot: T('06:00'), state: 'served', at: T('06:00', '05') });
    // running now: started, no end yet, within its grace
    const running = project([...before, run('blog', '06:00')[0]], T('06:01'));
    expect(await sentences(running.cli, window)).toContain(`- ${over} is running now (started 06:00:02Z).`);
    // due, and nothing of it in the log (inside the window, where it is pending, and after it)
    const due = project(before, T('06:01'));
    expect(await sentences(due.cli, window)).toContain(`- ${over} is due and not in the log yet.`);
    expect(await sentences(due.cli, ['--since', T('01:00')])).toContain(`- ${over} is due and not in the log yet.`);
  });

  it('does not glue a later failure of another job to an incident that is over through an owed slot', async () => {
    // blog misses 05:00 (06:00 not come); threads fails 05:15, is served 05:30, fails again 05:45
    const { cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 6).flatMap((t) => run('threads', t, t === '05:15' || t === '05:45' ? 'failed' : 'ok')),
      ],
      T('05:52', '10'),
    );
    const { gaps, report } = await bothViews(cli, '5h');
    const expected = [
      {
        start: T('05:00'),
        end: T('05:30'),
        open: false,
        jobs: ['blog', 'threads'],
        slots: 2,
        owing: [{ job: 'blog', start: T('05:00'), lastSlot: T('05:00'), slots: 1 }],
      },
      { start: T('05:45'), end: null, open: true, jobs: ['threads'], slots: 1, owing: [] },
    ];
    expect(gaps.incidents.map(pick)).toEqual(expected);
    expect(report.incidents.map(pick)).toEqual(expected);
    expect(report.headline).toMatchObject({ incident: 1, start: T('05:45'), open: true });
  });

  it('makes no incident of slots a fallback served, and tells them beside the incident, in both', async () => {
    // threads fails 02:45 and 03:00, served again 03:15; blog is served by the fallback p2 from 03:00 on
    const { cli } = project(
      [
        ...['01:00', '02:00'].flatMap((t) => run('blog', t)),
        ...['03:00', '04:00', '05:00'].flatMap((t) => run('blog', t, { fallback: 'p2' })),
        ...quarters(1, 6).flatMap((t) => run('threads', t, t === '02:45' || t === '03:00' ? 'failed' : 'ok')),
      ],
      T('05:50', '10'),
    );
    const { gaps, report } = await bothViews(cli, '5h');
    const expected = [{ start: T('02:45'), end: T('03:15'), open: false, jobs: ['threads'], slots: 2, owing: [] }];
    expect(gaps.incidents.map(pick)).toEqual(expected);
    expect(report.incidents.map(pick)).toEqual(expected);
    expect(report.headline).toMatchObject({ start: T('02:45'), end: T('03:15'), open: false, jobs: ['threads'] });
    // the fallback's service stays in view: gaps' degraded list and the report's stretches
    expect(gaps.degraded).toMatchObject([{ job: 'blog', start: T('03:00'), open: true, slots: 3 }]);
    expect(report.stretches).toEqual([
      expect.objectContaining({ job: 'blog', kind: 'degraded', start: T('03:00'), open: true, slots: 3, incident: 0 }),
    ]);
    const md = await sentences(cli, ['--since', '5h']);
    expect(md).toContain('- Beside it: blog served by a fallback since 03:00Z (3 slots, by p2, still).');
    expect((await cli(['postmortem', 'report', '--since', '5h'])).stdout.split('\n')[0]).toBe(
      'Incident 2026-12-07 02:45Z – 03:15Z (30m)',
    );
  });

  it('after a partial backfill: the report keeps the incident as it was, its filled slot told, and the slots gaps lists now lie in it', async () => {
    // threads 03:00 failed, 03:15 and 03:30 have no record; a backfill at 05:40 fills 03:00 only
    const lines = [
      ...['01:00', '02:00', '03:00', '04:00', '05:00'].flatMap((t) => run('blog', t)),
      ...quarters(1, 6, ['03:15', '03:30']).flatMap((t) => run('threads', t, t === '03:00' ? 'failed' : 'ok')),
    ];
    const { dir, cli } = project(lines, T('05:50', '10'));
    const before = await bothViews(cli, '5h');
    const expected = [{ start: T('03:00'), end: T('03:45'), open: false, jobs: ['threads'], slots: 3, owing: [] }];
    expect(before.gaps.incidents.map(pick)).toEqual(expected);
    expect(before.report.incidents.map(pick)).toEqual(expected);
    backfill(dir, later('threads', '03:00', 'backfill', '05:40'));
    const { gaps, report } = await bothViews(cli, '5h');
    // gaps lists what is still owed: 03:15-03:30
    expect(gaps.incidents.map(pick)).toEqual([{ ...expected[0], start: T('03:15'), slots: 2 }]);
    // the report tells the incident that happened, unchanged, and what became of its slots
    expect(spans(report)).toEqual(spans(before.report));
    expect(report.incidents).toMatchObject([
      {
        notOnTime: 3,
        stillUnserved: 2,
        unserved: 2,
        missing: 2,
        failed: 0,
        filled: 1,
        filledLater: { slots: 1, by: ['backfill'], at: T('05:40', '05') },
        cause: 'p1: 503 ×1', // threads had a record of 03:00: no job without records
      },
    ]);
    stillOwedWithin(gaps, report);
    const md = await sentences(cli, ['--since', '5h']);
    expect(md).toContain(
      '- This incident: 3 slots not served on time in threads (of 2 jobs); 1 filled later by backfill (05:40:05Z), 2 still unserved (2 missing (no record at all)): `lucy-ops backfill --since 2026-12-07T00:50:10Z --until 2026-12-07T05:50:10Z` fills them once.',
    );
    expect(md).toContain('- Beside it: threads 03:00Z filled later by backfill at 05:40:05Z.');
  });

  it('after a full backfill: gaps has nothing, the report still tells the incident (over, none owed), its span unchanged', async () => {
    // threads 03:00 and 03:15 failed, served again at 03:30; a backfill fills both at 05:40-05:41
    const { dir, cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00', '05:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 6).flatMap((t) => run('threads', t, t === '03:00' || t === '03:15' ? 'failed' : 'ok')),
      ],
      T('05:50', '10'),
    );
    const before = await bothViews(cli, '5h');
    const expected = [{ start: T('03:00'), end: T('03:30'), open: false, jobs: ['threads'], slots: 2, owing: [] }];
    expect(before.gaps.incidents.map(pick)).toEqual(expected);
    expect(before.report.incidents.map(pick)).toEqual(expected);
    backfill(dir, [
      ...later('threads', '03:00', 'backfill', '05:40'),
      ...later('threads', '03:15', 'backfill', '05:41'),
    ]);
    const { gaps, report } = await bothViews(cli, '5h');
    expect(gaps.gaps).toEqual([]);
    expect(gaps.incidents).toEqual([]);
    expect(spans(report)).toEqual(spans(before.report));
    expect(report.incidents.map(pick)).toEqual(expected);
    expect(report.incidents[0]).toMatchObject({
      notOnTime: 2,
      stillUnserved: 0,
      filledLater: { slots: 2, by: ['backfill'], at: T('05:41', '05') },
      cause: 'p1: 503 ×2',
    });
    stillOwedWithin(gaps, report);
    expect(report.headline).toMatchObject({ incident: 0, start: T('03:00'), end: T('03:30'), filled: 2, unserved: 0 });
    const text = await cli(['postmortem', 'report', '--since', '5h', '--md', 'r.md']);
    expect(text.stdout.split('\n')[0]).toBe('Incident 2026-12-07 03:00Z – 03:30Z (30m; all filled later)');
    await cli(['postmortem', 'report', '--since', '5h', '--html', 'r.html']);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<dt>Not served on time</dt><dd>2 <small>this incident</small></dd>');
    expect(html).toContain('<dt>Filled later</dt><dd>2 <small>in the window</small></dd>');
    expect(await sentences(cli, ['--since', '5h'])).toEqual([
      '- This incident: 2 slots not served on time in threads (of 2 jobs); both filled later by backfill (05:41:05Z); none owed now.',
      '- Cause: p1: 503 ×2.',
      '- Beside it: threads 03:00Z–03:15Z (2 slots) filled later by backfill at 05:41:05Z.',
    ]);
  });

  it('an incident going on whose slots were all filled is over: it ends when the last was filled', async () => {
    // threads fails 05:15 and 05:30 and nothing has served it since; a backfill fills both at 05:40-05:41
    const { dir, cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00', '05:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 5).flatMap((t) => run('threads', t)),
        ...['05:00', '05:15', '05:30'].flatMap((t) => run('threads', t, t === '05:00' ? 'ok' : 'failed')),
      ],
      T('05:42', '10'),
    );
    const before = await bothViews(cli, '5h');
    const going = [{ start: T('05:15'), end: null, open: true, jobs: ['threads'], slots: 2, owing: [] }];
    expect(before.gaps.incidents.map(pick)).toEqual(going);
    expect(before.report.incidents.map(pick)).toEqual(going);
    backfill(dir, [
      ...later('threads', '05:15', 'backfill', '05:40'),
      ...later('threads', '05:30', 'backfill', '05:41'),
    ]);
    const { gaps, report } = await bothViews(cli, '5h');
    expect(gaps.incidents).toEqual([]);
    expect(report.incidents.map(pick)).toEqual([{ ...going[0], end: T('05:41', '05'), open: false }]);
    expect(report.incidents[0]).toMatchObject({ notOnTime: 2, stillUnserved: 0, filled: 2 });
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
    const expected = { start: T('05:00'), end: null, open: true, jobs: ['blog', 'threads'], slots: 3, owing: [] };
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
      { start: T('01:30'), end: T('02:00'), open: false, jobs: ['threads'], slots: 2, owing: [] },
      { start: T('04:00'), end: null, open: true, jobs: ['blog', 'threads'], slots: 5, owing: [] },
    ];
    expect(gaps.incidents.map(pick)).toEqual(expected);
    expect(report.incidents.map(pick)).toEqual(expected);
  });
});
