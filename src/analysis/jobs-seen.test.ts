import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { buildLedger, findGaps, unservedSlots, type JobSchedule } from './gaps.js';
import { JobsSeen } from './jobs-seen.js';
import { mergeLedger, snapshotLedger } from './ledger-merge.js';
import { jobStatuses } from './status.js';

const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const blog: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
const fresh: JobSchedule = { name: 'fresh', schedule: '0 * * * *', tz: 'UTC' };
const never: JobSchedule = { name: 'never', schedule: '0 * * * *', tz: 'UTC' };
const JOBS = [blog, fresh, never];
const WINDOW = { since: new Date(T('08:00')), until: new Date(T('15:30')) };
const NOW = { now: new Date(T('15:30')) };

function served(hhmm: string): LogRecord[] {
  const base = {
    level: 'info' as const,
    job: 'blog',
    runId: `r${hhmm}`,
    scheduledFor: T(hhmm),
    trigger: 'cron' as const,
  };
  return [
    { ...base, ts: T(hhmm).replace(':00.000Z', ':02.000Z'), event: 'run.start' },
    { ...base, ts: T(hhmm).replace(':00.000Z', ':05.000Z'), event: 'run.end', outcome: 'ok', durationMs: 3000 },
  ];
}
function seen(hhmm: string, jobs: unknown, seed = false): LogRecord {
  const ts = T(hhmm);
  const base = {
    level: 'info' as const,
    job: 'watchdog',
    runId: `w${hhmm}`,
    scheduledFor: ts,
    trigger: 'cron' as const,
  };
  return { ...base, ts, event: 'jobs.seen', jobs, ...(seed ? { seed: true } : {}) };
}
const blogRuns = ['10:00', '11:00', '12:00', '13:00', '14:00', '15:00'].flatMap(served);

describe('jobs.seen: a job added to the config is judged from when the watchdog first saw it', () => {
  it('the seed moves nothing (a never-installed job is caught); a later record starts the added job', async () => {
    const records = [...blogRuns.slice(0, 4), seen('11:30', ['blog', 'never'], true), seen('12:30', ['fresh'])];
    const ledger = await buildLedger(JOBS, WINDOW, [...records, ...blogRuns.slice(4)], NOW);
    const report = findGaps(JOBS, ledger);
    expect(report.jobs.map((j) => [j.job, j.judgedFrom, j.judgedBy])).toEqual([
      ['blog', T('10:00'), 'job'],
      ['fresh', T('12:30'), 'added'],
      ['never', T('10:00'), 'log'],
    ]);
    // fresh owes 13:00 on (no run: missing, caught), never everything since the log began
    expect(unservedSlots(JOBS, ledger).map((s) => `${s.job} ${s.slot.slice(11, 16)}`)).toEqual([
      'fresh 13:00',
      'fresh 14:00',
      'fresh 15:00',
      'never 10:00',
      'never 11:00',
      'never 12:00',
      'never 13:00',
      'never 14:00',
      'never 15:00',
    ]);
    // status judges with the same rule
    const { jobs } = await jobStatuses([fresh], WINDOW, [...records, ...blogRuns.slice(4)]);
    expect(jobs[0]).toMatchObject({ failuresInARow: 3, lastGap: { start: T('13:00'), slots: 3 } });
  });

  it('a job with records of its own is judged from them, whatever jobs.seen says', async () => {
    const ledger = await buildLedger(
      [blog],
      WINDOW,
      [seen('09:00', ['blog']), ...blogRuns, seen('14:30', ['blog'])],
      NOW,
    );
    expect(findGaps([blog], ledger).jobs[0]).toMatchObject({ judgedFrom: T('10:00'), judgedBy: 'job' });
  });

  it('a note before the log’s first record, or dated ahead of the clock, bounds nothing beyond it', async () => {
    const early = await buildLedger(JOBS, WINDOW, [seen('09:00', ['fresh']), ...blogRuns], NOW);
    expect(findGaps([fresh], early).jobs[0]).toMatchObject({ judgedFrom: T('10:00'), judgedBy: 'log' });
    const ahead = await buildLedger(JOBS, WINDOW, [...blogRuns, seen('23:00', ['fresh'])], NOW);
    expect(findGaps([fresh], ahead).jobs[0]).toMatchObject({ judgedFrom: T('15:30'), judgedBy: 'added' });
  });

  it('a seed naming a job wins over any other note of it; broken notes are passed over', async () => {
    const records = [...blogRuns, seen('12:30', ['fresh']), seen('13:30', ['fresh'], true), seen('14:00', 'fresh')];
    const ledger = await buildLedger(JOBS, WINDOW, records, NOW);
    expect(findGaps([fresh], ledger).jobs[0]).toMatchObject({ judgedBy: 'log' });
    const notes = new JobsSeen();
    notes.note(seen('12:00', ['a', 7, 'b']));
    notes.note({ ...seen('12:00', ['c']), ts: 'garbled' });
    notes.note({ ...seen('12:00', ['d']), ts: '1970-01-01T00:00:00.000Z' });
    expect([notes.has('a'), notes.has('b'), notes.has('c'), notes.has('d')]).toEqual([true, true, false, false]);
    expect(notes.unseen(['a', 'c', 'b', 'e', 'e'])).toEqual(['c', 'e']);
  });

  it('ranges read apart and merged say what one reading says, in either order', async () => {
    const one = await buildLedger(JOBS, WINDOW, [...blogRuns, seen('13:30', ['fresh']), seen('12:30', ['fresh'])], NOW);
    const a = await buildLedger(JOBS, WINDOW, [...blogRuns, seen('13:30', ['fresh'])], { ...NOW, presize: false });
    const b = await buildLedger(JOBS, WINDOW, [seen('12:30', ['fresh']), seen('11:00', ['never'], true)], NOW);
    mergeLedger(a, snapshotLedger(b));
    expect(findGaps(JOBS, a).jobs.find((j) => j.job === 'fresh')).toEqual(
      findGaps(JOBS, one).jobs.find((j) => j.job === 'fresh'),
    );
    expect(findGaps(JOBS, a).jobs.find((j) => j.job === 'fresh')).toMatchObject({ judgedFrom: T('12:30') });
    expect([a.jobsSeen.any, a.jobsSeen.addedAt('never')]).toEqual([true, undefined]);
  });
});

describe('jobs.seen: a job taken out of the config and put back is not judged while it was out', () => {
  const out = (hhmm: string, names: string[], lastSeen?: Record<string, string>): LogRecord => ({
    ...seen(hhmm, []),
    removed: names,
    ...(lastSeen ? { lastSeen } : {}),
  });
  const back = (hhmm: string, names: string[], from?: Record<string, string>): LogRecord => ({
    ...seen(hhmm, names),
    ...(from ? { back: from } : {}),
  });
  // blog ran 10:00 and 11:00, was taken out (seen at 11:30), put back (seen at 13:30), ran 14:00 on
  const gone = [...blogRuns.slice(0, 4), ...blogRuns.slice(8)];
  const cycle = [
    seen('09:30', ['blog', 'fresh'], true),
    out('11:30', ['blog'], { blog: T('11:00') }),
    back('13:30', ['blog']),
  ];

  it('skips the slots after its last record until the watchdog saw it back, in gaps, backfill and status alike', async () => {
    const ledger = await buildLedger([blog], WINDOW, [...gone, ...cycle], NOW);
    const report = findGaps([blog], ledger);
    expect(report.jobs[0]).toMatchObject({
      missing: 0,
      served: 4,
      outOfConfig: [{ after: T('11:00'), until: T('13:30') }],
    });
    expect(report.gaps).toEqual([]);
    expect(unservedSlots([blog], ledger)).toEqual([]);
    const { jobs } = await jobStatuses([blog], WINDOW, [...gone, ...cycle]);
    expect(jobs[0]).toMatchObject({ failuresInARow: 0, lastGap: null });
    // without the watchdog's notes the same log has two missing slots: the rule is what hides them
    const blind = await buildLedger([blog], WINDOW, gone, NOW);
    expect(unservedSlots([blog], blind).map((s) => s.slot)).toEqual([T('12:00'), T('13:00')]);
  });

  it('judges the slots after it is back, and those records name while it was out', async () => {
    // a run that failed at 12:00 was lucy-ops at work: the job was back in the config then (only a
    // job in the config runs), so its 13:00 slot is owed before the watchdog saw it back at 13:30
    const failed12: LogRecord = { ...served('12:00')[1], outcome: 'failed' };
    const ledger = await buildLedger(
      [blog],
      WINDOW,
      [...blogRuns.slice(0, 4), failed12, ...blogRuns.slice(10), ...cycle],
      NOW,
    );
    expect(unservedSlots([blog], ledger).map((s) => `${s.slot.slice(11, 16)} ${s.status}`)).toEqual([
      '12:00 failed',
      '13:00 missing',
      '14:00 missing',
    ]);
  });

  it('a job never taken out is judged as before; one still out is not judged at all after its last record', async () => {
    const records = [...blogRuns.slice(0, 4), ...cycle];
    const ledger = await buildLedger([blog, fresh], WINDOW, records, NOW);
    expect(findGaps([fresh], ledger).jobs[0]).toMatchObject({ judgedBy: 'log', missing: 6, outOfConfig: [] });
    const still = await buildLedger([blog], WINDOW, records.slice(0, -1), NOW);
    expect(findGaps([blog], still).jobs[0]).toMatchObject({
      missing: 0,
      outOfConfig: [{ after: T('11:00'), until: null }],
    });
  });

  it('the period starts at the later of its last record and its last naming; a naming back alone gives it too', () => {
    const notes = new JobsSeen();
    // no lastSeen: from the last record naming it (12:30), not the seed
    for (const r of [seen('09:30', ['a'], true), back('12:30', ['a']), out('13:30', ['a']), out('14:00', ['a'])])
      notes.note(r);
    expect(notes.periodsOut('a')).toEqual([{ afterMs: Date.parse(T('12:30')), untilMs: Infinity }]);
    expect([notes.unseen(['a', 'b']), notes.gone(['b'])]).toEqual([['a', 'b'], []]);
    // a lastSeen before that naming does not reach back past it
    notes.note(out('13:30', ['c'], { c: T('10:00') }));
    notes.note(back('12:45', ['c']));
    notes.note(back('15:00', ['c']));
    expect(notes.periodsOut('c')).toEqual([{ afterMs: Date.parse(T('12:45')), untilMs: Date.parse(T('15:00')) }]);
    expect(notes.gone(['b'])).toEqual(['c']);
    // the removal rotated away (or older than status reads): the naming that put it back says when it left
    const tail = new JobsSeen();
    tail.note(back('15:00', ['d'], { d: T('11:00') }));
    expect(tail.periodsOut('d')).toEqual([{ afterMs: Date.parse(T('11:00')), untilMs: Date.parse(T('15:00')) }]);
    // a seed removes nothing; broken times and names are passed over
    tail.note({ ...seen('09:00', ['e'], true), removed: ['e'] });
    tail.note(out('15:30', ['f', 7 as unknown as string], { f: 'garbled' }));
    expect([tail.periodsOut('e'), tail.periodsOut('f')]).toEqual([
      [],
      [{ afterMs: Date.parse(T('15:30')), untilMs: Infinity }],
    ]);
  });

  it('a watchdog that looked and wrote so (a record, a gap alert) after its naming and before the removal moves the start', () => {
    const alert = (hhmm: string, job = 'watchdog'): LogRecord => ({
      ...seen(hhmm, []),
      event: 'alert.sent',
      job,
      kind: 'gap',
    });
    const notes = new JobsSeen();
    for (const r of [
      seen('09:30', ['a', 'b'], true),
      seen('10:30', ['c']),
      out('12:30', ['a', 'b'], { a: T('10:00') }),
    ])
      notes.note(r);
    notes.noteLook(Date.parse(alert('11:30').ts)); // what the ledger hands on from a watchdog's alert.sent
    notes.noteLook(Date.parse(T('12:45'))); // after the removal: says nothing of it
    // the look at 11:30 saw both in the config: a slot it judged then stays judged
    expect(notes.periodsOut('a')).toEqual([{ afterMs: Date.parse(T('11:30')), untilMs: Infinity }]);
    expect(notes.periodsOut('b')).toEqual([{ afterMs: Date.parse(T('11:30')), untilMs: Infinity }]);
    // a look before its naming, or with no naming read, proves nothing of it
    const later = new JobsSeen();
    later.noteLook(Date.parse(T('10:00')));
    later.note(seen('10:30', ['d']));
    later.note(out('12:30', ['d', 'e']));
    expect([later.periodsOut('d'), later.periodsOut('e')]).toEqual([
      [{ afterMs: Date.parse(T('10:30')), untilMs: Infinity }],
      [{ afterMs: Date.parse(T('12:30')), untilMs: Infinity }],
    ]);
  });

  it('a removal without lastSeen (an older writer) counts from its own last record before it; a return without backSchedule by the config', async () => {
    const notes = new JobsSeen();
    for (const r of [seen('09:30', ['a'], true), out('12:30', ['a']), back('14:00', ['a'], { a: T('11:00') })])
      notes.note(r);
    const ownBefore = (ms: number) => (ms >= Date.parse(T('11:00')) ? Date.parse(T('11:00')) : undefined);
    expect(notes.periodsOut('a', { ownBefore })).toEqual([
      { afterMs: Date.parse(T('11:00')), untilMs: Date.parse(T('14:00')) },
    ]);
    // with no own record either: the removal record itself, as before
    expect(notes.periodsOut('a')).toEqual([{ afterMs: Date.parse(T('12:30')), untilMs: Date.parse(T('14:00')) }]);
    const config = { schedule: '30 * * * *', tz: 'UTC' };
    expect(notes.schedulesBack('a', config)).toEqual([{ fromMs: Date.parse(T('14:00')), ...config }]);
    // a first naming (added, or the seed) is no return: it takes no schedule
    const added = new JobsSeen();
    added.note(seen('10:30', ['n']));
    expect(added.schedulesBack('n', config)).toEqual([]);
    // through the ledger: the job's own runs are the evidence
    const ledger = await buildLedger(
      [blog],
      WINDOW,
      [...gone, seen('09:30', ['blog'], true), out('11:30', ['blog']), back('13:30', ['blog'])],
      NOW,
    );
    expect(findGaps([blog], ledger).jobs[0]).toMatchObject({
      outOfConfig: [{ after: T('11:00'), until: T('13:30') }],
      missing: 0,
    });
  });

  it('ranges read apart and merged say what one reading says, in either order', async () => {
    const one = await buildLedger([blog], WINDOW, [...gone, ...cycle], NOW);
    const a = await buildLedger([blog], WINDOW, [...gone, cycle[2]], { ...NOW, presize: false });
    const b = await buildLedger([blog], WINDOW, cycle.slice(0, 2), NOW);
    mergeLedger(a, snapshotLedger(b));
    expect(findGaps([blog], a).jobs).toEqual(findGaps([blog], one).jobs);
    expect(a.jobsSeen.periodsOut('blog')).toEqual([
      { afterMs: Date.parse(T('11:00')), untilMs: Date.parse(T('13:30')) },
    ]);
  });
});
