import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { buildLedger, findGaps, unservedSlots, type JobSchedule } from './gaps.js';
import { mergeLedger, snapshotLedger } from './ledger-merge.js';
import { SlotLedger } from './ledger.js';
import { gatherReportFacts } from './report-facts.js';
import { jobStatuses } from './status.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import { headlineSentences } from '../report/headline.js';

const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(T(hhmm)) + seconds * 1000).toISOString();
const blog: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
const WINDOW = { since: new Date(T('12:00')), until: new Date(T('15:30')) };
const NOW = { now: new Date(T('15:30')) };

/** A cron run of blog for slot `hhmm` on one host: run.start, then its run.end. */
function run(hhmm: string, end: Record<string, unknown>, runId = `r${hhmm}`): LogRecord[] {
  const common = { level: 'info' as const, job: 'blog', runId, scheduledFor: T(hhmm), trigger: 'cron' as const };
  return [
    { ...common, ts: at(hhmm, 2), event: 'run.start', schedule: '0 * * * *', tz: 'UTC', lateMs: 2000, pid: 1 },
    { ...common, ts: at(hhmm, 9), event: 'run.end', durationMs: 7000, ...end },
  ];
}
const ok = (hhmm: string) => run(hhmm, { outcome: 'ok', provider: 'deepseek-v3' }, `a${hhmm}`);
/** Host B's run of a slot host A served: skipped, naming A's run. */
const skippedAsServed = (hhmm: string, extra: Record<string, unknown> = {}) =>
  run(
    hhmm,
    { outcome: 'skipped', reason: 'served', servedBy: 'host-a', servedRunId: `a${hhmm}`, ...extra },
    `b${hhmm}`,
  );

describe('a slot another host served (its run here skipped it as served there)', () => {
  // host B's log while Redis is down: 12:00 and 13:00 it served itself, 14:00 and 15:00 host A did
  const hostB = [...ok('12:00'), ...ok('13:00'), ...skippedAsServed('14:00'), ...skippedAsServed('15:00')];

  it('is served, not missing: no gap, nothing for backfill, never a double', async () => {
    const ledger = await buildLedger([blog], WINDOW, hostB, NOW);
    const report = findGaps([blog], ledger);
    expect(report.gaps).toEqual([]);
    expect(report.doubles).toEqual([]);
    expect(report.jobs[0]).toMatchObject({ slots: 4, served: 4, missing: 0, failed: 0, servedElsewhere: 2 });
    expect(unservedSlots([blog], ledger)).toEqual([]);
  });

  it('two hosts’ logs read together: the ok run on A and the skip on B are one serve', async () => {
    const hostA = [...ok('14:00'), ...ok('15:00')];
    const ledger = await buildLedger([blog], WINDOW, [...hostA, ...hostB], NOW);
    const report = findGaps([blog], ledger);
    expect(report.doubles).toEqual([]);
    // the serving runs are in the logs read: no slot was served by a run outside them
    expect(report.jobs[0]).toMatchObject({ served: 4, doubled: 0, servedElsewhere: 0 });
  });

  // host B skipped 14:00 as served by A's a14:00, then served it itself by hand (Redis was down)
  const manual = run('14:00', { outcome: 'ok', provider: 'deepseek-v3' }, 'b14:00m').map((r) => ({
    ...r,
    trigger: 'manual' as const,
    ts: at('14:00', r.event === 'run.start' ? 1200 : 1210),
  }));

  it('a skip naming a run outside the logs read and an ok run here are two serves; never late by this host', async () => {
    const ledger = await buildLedger([blog], WINDOW, [...hostB, ...manual], NOW);
    const report = findGaps([blog], ledger);
    expect(report.doubles).toEqual([{ job: 'blog', slot: T('14:00'), runs: 2 }]);
    expect(report.late).toEqual([]);
    expect(report.jobs[0]).toMatchObject({ doubled: 1, servedElsewhere: 2 });
  });

  it('read with the serving host’s log, in either order and as merged ranges, the slot is served exactly twice', async () => {
    const hostA = ok('14:00');
    const orders = [
      [...hostA, ...hostB, ...manual],
      [...hostB, ...manual, ...hostA],
      [...manual, ...hostA, ...hostB],
    ];
    for (const records of orders) {
      const ledger = await buildLedger([blog], WINDOW, records, NOW);
      const report = findGaps([blog], ledger);
      expect(report.doubles).toEqual([{ job: 'blog', slot: T('14:00'), runs: 2 }]);
      expect(report.jobs[0]).toMatchObject({ doubled: 1, servedElsewhere: 1 });
      expect(report.late).toEqual([]);
    }
    for (const [one, two] of [
      [hostA, [...hostB, ...manual]],
      [[...hostB, ...manual], hostA],
      [manual, [...hostA, ...hostB]],
    ]) {
      const first = await buildLedger([blog], WINDOW, one, { ...NOW, presize: false });
      mergeLedger(first, snapshotLedger(await buildLedger([blog], WINDOW, two, { ...NOW, presize: false })));
      expect(findGaps([blog], first).doubles).toEqual([{ job: 'blog', slot: T('14:00'), runs: 2 }]);
    }
  });

  it('the report: served on the other host on time (not filled later by the run here), and listed as a double', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-elsewhere-')), 'jobs.jsonl');
    fs.writeFileSync(file, [...hostB, ...manual].map((r) => JSON.stringify(r) + '\n').join(''));
    const facts = await gatherReportFacts([blog], WINDOW, [file], { chain: ['deepseek-v3'] });
    expect(facts.jobs[0].cells.find((c) => c.slot === T('14:00'))).toEqual({
      slot: T('14:00'),
      outcome: 'served',
      servedOn: 'host-a',
      unverified: true,
    });
    expect(facts.headline).toMatchObject({ affected: 0, filled: 0 });
    expect(facts.doubles).toEqual([{ job: 'blog', slot: T('14:00'), runs: 2 }]);
    const md = renderMarkdown(facts);
    expect(md).toContain(
      '## Served more than once\n\n| job | slot | serves |\n|---|---|---:|\n| blog | 2026-04-19 14:00Z | 2 |',
    );
    expect(md).toMatch(/^- 1 slot served more than once/m);
    const html = renderHtml(facts, { generatedAt: new Date(T('15:30')) });
    expect(html).toContain('<h2 id="h-doubles">Served more than once</h2>');
    expect(html).toContain('<tr><td>blog</td><td>2026-04-19 14:00Z</td><td class="num">2</td></tr>');
  });

  it('the report says which runs filled slots later: their triggers, not always backfill', async () => {
    const byHand = (hhmm: string, trigger: string) =>
      run(hhmm, { outcome: 'ok', provider: 'deepseek-v3' }, `${trigger}${hhmm}`).map((r) => ({
        ...r,
        trigger: trigger as LogRecord['trigger'],
        ts: at(hhmm, r.event === 'run.start' ? 1200 : 1210),
      }));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-filled-')), 'jobs.jsonl');
    const records = [...ok('12:00'), ...byHand('13:00', 'manual'), ...byHand('14:00', 'backfill'), ...ok('15:00')];
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const facts = await gatherReportFacts([blog], WINDOW, [file], { chain: ['deepseek-v3'] });
    expect(facts.affected.map((c) => c.filledBy)).toEqual(['manual', 'backfill']);
    // not served on time (no cron run), so an incident, over; what filled its slots is told
    expect(headlineSentences(facts)).toEqual([
      'This incident: 2 slots not served on time in blog (of 1 job); both filled later by a manual run and backfill (14:20:10Z); none owed now.',
      'Cause: blog: no records at all — the job did not run.',
      'Beside it: blog 13:00Z–14:00Z (2 slots) filled later by a manual run and backfill at 14:20:10Z.',
    ]);
    // the window's fillers in words, as a window without an incident would say them
    const manualOnly = {
      ...facts,
      incidents: [],
      affected: facts.affected.slice(0, 1),
      headline: { ...facts.headline, incident: null, start: null, filled: 1, affected: 1 },
    };
    expect(headlineSentences(manualOnly)[0]).toBe(
      'No incident: every slot of 1 job (4 slots) was served, 1 filled later by a manual run.',
    );
  });

  it('status shows the run it names: an ok run here is this host’s, not the other host’s', async () => {
    const { jobs } = await jobStatuses([blog], { ...WINDOW, until: new Date(T('14:30')) }, [
      ...hostB.slice(0, 6),
      ...manual,
    ]);
    expect(jobs[0].last).toMatchObject({ slot: T('14:00'), outcome: 'ok', provider: 'deepseek-v3', servedOn: null });
  });

  it('only a skip that names the serving run counts: a bare skip proves nothing', async () => {
    const records = [
      ...ok('12:00'),
      ...run('13:00', { outcome: 'skipped', reason: 'served' }), // found its own output: no servedRunId
      ...skippedAsServed('14:00', { servedRunId: '' }),
      ...run('15:00', { outcome: 'skipped', reason: 'locked', servedRunId: 'x' }),
    ];
    const ledger = await buildLedger([blog], WINDOW, records, NOW);
    expect(unservedSlots([blog], ledger).map((s) => s.slot)).toEqual([T('13:00'), T('14:00'), T('15:00')]);
  });

  it('is served even when a run here failed it first; the host it names is kept across merged ranges', async () => {
    const records = [...run('14:00', { outcome: 'failed', error: 'x' }, 'f'), ...skippedAsServed('14:00')];
    const window = { since: WINDOW.since, until: new Date(T('14:30')) };
    const one = await buildLedger([blog], window, [...hostB.slice(0, 4), ...records], NOW);
    // the same text read as two ranges and merged, as the threads do
    const first = await buildLedger([blog], window, hostB.slice(0, 4), { ...NOW, presize: false });
    const later = await buildLedger([blog], window, records, { ...NOW, presize: false });
    mergeLedger(first, snapshotLedger(later));
    for (const ledger of [one, first]) {
      expect(findGaps([blog], ledger).gaps).toEqual([]);
      expect(ledger.jobs.get('blog')!.elsewhere).toEqual(new Map([[7200, 'host-a']]));
    }
  });

  it('the shared ledger names the host of a slot this log does not show served, not of its own', () => {
    const ledger = new SlotLedger([blog], WINDOW, NOW);
    for (const r of ok('12:00')) ledger.add(r);
    ledger.servedElsewhere('blog', T('12:00'), at('12:00', 9), 'cron', undefined, 'host-b');
    ledger.servedElsewhere('blog', T('13:00'), at('13:00', 9), 'cron', undefined, 'host-a');
    const report = findGaps([blog], ledger);
    expect(report.jobs[0]).toMatchObject({ served: 2, doubled: 0, servedElsewhere: 1 });
    expect(ledger.jobs.get('blog')!.elsewhere).toEqual(new Map([[3600, 'host-a']]));
  });

  it('status shows the last slot served on the other host; the report says so too', async () => {
    const { jobs } = await jobStatuses([blog], WINDOW, hostB);
    expect(jobs[0].last).toEqual({
      slot: T('15:00'),
      outcome: 'ok',
      provider: null,
      degraded: false,
      servedOn: 'host-a',
      // only the skip here says so: A's run is in no log read
      unverified: true,
      // judged: a settled slot has no time it will be judged after
      judgedAfter: null,
    });
    expect(jobs[0]).toMatchObject({ failuresInARow: 0, lastGap: null, lastServed: { servedOn: 'host-a' } });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-elsewhere-')), 'jobs.jsonl');
    fs.writeFileSync(file, hostB.map((r) => JSON.stringify(r) + '\n').join(''));
    const facts = await gatherReportFacts([blog], WINDOW, [file], { chain: ['deepseek-v3'] });
    const cells = facts.jobs[0].cells;
    expect(cells.map((c) => c.outcome)).toEqual(['served', 'served', 'served', 'served']);
    expect(cells.map((c) => c.servedOn)).toEqual([undefined, undefined, 'host-a', 'host-a']);
    expect(facts.headline).toMatchObject({ affected: 0, unserved: 0 });
  });
});

describe('served elsewhere on a skip’s word alone: unverified, still served', () => {
  const hostB = [...ok('12:00'), ...skippedAsServed('13:00'), ...skippedAsServed('14:00'), ...skippedAsServed('15:00')];

  it('is unverified until a log read or the shared ledger shows the run it names', async () => {
    const ledger = await buildLedger([blog], WINDOW, [...hostB, ...ok('15:00')], NOW);
    // the shared ledger names a13:00 (the run the skip names) for 13:00, another run for 14:00
    ledger.servedElsewhere('blog', T('13:00'), at('13:00', 9), 'cron', undefined, 'host-a', 'a13:00');
    ledger.servedElsewhere('blog', T('14:00'), at('14:00', 9), 'cron', undefined, 'host-a', 'a14:00-other');
    const report = findGaps([blog], ledger);
    expect(report.gaps).toEqual([]);
    expect(report.jobs[0]).toMatchObject({ served: 4, servedElsewhere: 2, unverified: 1 });
    expect(report.elsewhere).toEqual([
      { job: 'blog', slot: T('13:00'), host: 'host-a', unverified: false },
      { job: 'blog', slot: T('14:00'), host: 'host-a', unverified: true },
    ]);
    const { jobs } = await jobStatuses([blog], { since: WINDOW.since, until: new Date(T('14:30')) }, hostB, [
      { job: 'blog', slot: T('13:00'), host: 'host-a', runId: 'a13:00', at: at('13:00', 9), trigger: 'cron' },
    ]);
    expect(jobs[0].last).toMatchObject({ slot: T('14:00'), servedOn: 'host-a', unverified: true });
  });

  it('the report flags the cells and lists them; the pages say so', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-unverified-')), 'jobs.jsonl');
    fs.writeFileSync(file, hostB.map((r) => JSON.stringify(r) + '\n').join(''));
    const facts = await gatherReportFacts([blog], WINDOW, [file], { chain: ['deepseek-v3'] });
    expect(facts.jobs[0].cells.map((c) => c.unverified ?? false)).toEqual([false, true, true, true]);
    expect(facts.unverified.map((u) => [u.slot, u.servedOn])).toEqual([
      [T('13:00'), 'host-a'],
      [T('14:00'), 'host-a'],
      [T('15:00'), 'host-a'],
    ]);
    expect(headlineSentences(facts).join(' ')).toContain('3 slots counted as served on another host');
    expect(renderMarkdown(facts)).toContain('| blog | 2026-04-19 14:00Z | host-a (its run not in the logs read) |');
    expect(renderHtml(facts, { generatedAt: new Date(T('15:30')) })).toContain(
      '<h2 id="h-unverified">Served on another host, unverified</h2>',
    );
  });
});
