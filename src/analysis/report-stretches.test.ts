import { describe, expect, it } from 'vitest';
import type { ReportIncident } from './report-incidents.js';
import { reportStretches } from './report-stretches.js';
import type { CellOutcome, JobRow, SlotCell } from './slot-cells.js';

const T = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
const UNTIL = Date.parse(T('06:00'));

/** A row of quarter-hourly cells from 01:00, one per outcome given. */
function row(job: string, outcomes: Array<CellOutcome | SlotCell>): JobRow {
  const cells = outcomes.map((o, i): SlotCell => {
    const slot = new Date(Date.parse(T('01:00')) + i * 15 * 60_000).toISOString();
    return typeof o === 'string'
      ? { slot, outcome: o, ...(o === 'degraded' ? { provider: 'p2' } : {}) }
      : { ...o, slot };
  });
  return {
    job,
    schedule: '*/15 * * * *',
    tz: 'UTC',
    cells,
    counts: {} as JobRow['counts'],
    outOfConfig: [],
    notJudgedOutOfConfig: 0,
  };
}

const incident = (start: string, end: string | null): ReportIncident => ({
  start: T(start),
  end: end === null ? null : T(end),
  open: end === null,
  durationMs: 0,
  jobs: ['threads'],
  slots: 1,
  notOnTime: 1,
  stillUnserved: 1,
  unserved: 1,
  filledLater: { slots: 0, by: [], at: null },
  failed: 1,
  missing: 0,
  degraded: 0,
  filled: 0,
  noRecords: [],
  owing: [],
});

describe('report stretches', () => {
  it('runs of slots a fallback served, each ending at the next slot after it, open when nothing is judged after', () => {
    const stretches = reportStretches(
      [row('blog', ['served', 'degraded', 'degraded', 'served', 'degraded', 'pending'])],
      [],
      UNTIL,
    );
    expect(stretches.map((s) => [s.kind, s.start, s.lastSlot, s.end, s.slots, s.open, s.providers])).toEqual([
      ['degraded', T('01:15'), T('01:30'), T('01:45'), 2, false, ['p2']],
      ['degraded', T('02:00'), T('02:00'), null, 1, true, ['p2']],
    ]);
  });

  it('runs of filled slots apart from degraded ones, with their fillers and when the last was filled', () => {
    const filled = (by: string, at: string): SlotCell => ({
      slot: '',
      outcome: 'filled',
      provider: 'p1',
      filledBy: by,
      filledAt: T(at),
    });
    const [a, b] = reportStretches(
      [row('threads', ['degraded', filled('backfill', '05:10'), filled('manual', '04:00'), 'served'])],
      [],
      UNTIL,
    );
    expect(a).toMatchObject({ kind: 'degraded', start: T('01:00'), end: T('01:15'), slots: 1 });
    expect(b).toMatchObject({
      kind: 'filled',
      start: T('01:15'),
      lastSlot: T('01:30'),
      end: T('01:45'),
      filledBy: ['backfill', 'manual'],
      filledAt: T('05:10'),
    });
  });

  it('a filled stretch names the fallbacks that filled some of it, and how many; none when no fallback did', () => {
    const filled = (provider: string, degraded: boolean): SlotCell => ({
      slot: '',
      outcome: 'filled',
      provider,
      ...(degraded ? { degraded: true } : {}),
      filledBy: 'backfill',
      filledAt: T('03:50'),
    });
    const [primary, mixed] = reportStretches(
      [
        row('threads', [filled('p1', false), filled('llama', true), filled('llama', true), 'served']),
        row('blog', [filled('p1', false), 'served']),
      ],
      [],
      UNTIL,
    );
    expect(mixed).toMatchObject({ job: 'threads', slots: 3, fallback: { slots: 2, providers: ['llama'] } });
    expect(primary.job).toBe('blog');
    expect(primary.fallback).toBeUndefined();
  });

  it('ties each to the incident it overlaps or touches, else to none', () => {
    const stretches = reportStretches(
      [row('blog', ['degraded', 'served', 'served', 'served', 'served', 'degraded', 'degraded'])],
      [incident('01:15', '01:30'), incident('02:15', null)],
      UNTIL,
    );
    // 01:00 ends at 01:15, where the first incident starts; 02:15–02:30 lies inside the second
    expect(stretches.map((s) => [s.start, s.incident])).toEqual([
      [T('01:00'), 0],
      [T('02:15'), 1],
    ]);
    expect(
      reportStretches([row('blog', ['served', 'served', 'degraded', 'served'])], [incident('01:00', '01:15')], UNTIL)[0]
        .incident,
    ).toBeNull();
  });
});
