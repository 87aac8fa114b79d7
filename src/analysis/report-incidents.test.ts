import { describe, expect, it } from 'vitest';
import type { Gap } from './gap-types.js';
import { featuredIncident, headline, reportIncidents, type ReportIncident } from './report-incidents.js';
import type { JobRow, SlotCell } from './slot-cells.js';

const inc = (start: string, end: string | null, o: Partial<ReportIncident> = {}): ReportIncident => ({
  start: `2026-12-07T${start}:00.000Z`,
  end: end === null ? null : `2026-12-07T${end}:00.000Z`,
  open: end === null,
  durationMs: 0,
  jobs: ['threads'],
  slots: 1,
  stillUnserved: 0,
  unserved: 0,
  filledLater: { slots: 0, by: [], at: null },
  noRecords: [],
  failed: 0,
  missing: 0,
  degraded: 1,
  filled: 0,
  owing: [],
  ...o,
  // ranked by its slots not served on time: those still unserved here, unless given
  notOnTime: o.notOnTime ?? (o.failed ?? 0) + (o.missing ?? 0),
});

describe('the incident the headline tells', () => {
  it('is the one going on, whatever came before it', () => {
    const incidents = [
      inc('01:15', '01:30', { cause: 'p1: 503 ×1', failed: 3, slots: 3, degraded: 0 }),
      inc('04:00', null, { jobs: ['blog', 'threads'], slots: 4, missing: 4, degraded: 0 }),
    ];
    expect(featuredIncident(incidents)).toBe(1);
    const h = headline([], incidents, Date.parse('2026-12-07T05:00:40Z'));
    // its own span, jobs and cause (none: its slots are missing), not the first incident's
    expect(h).toMatchObject({
      incident: 1,
      start: '2026-12-07T04:00:00.000Z',
      end: null,
      open: true,
      durationMs: 60 * 60_000 + 40_000,
      jobs: ['blog', 'threads'],
    });
    expect(h.cause).toBeUndefined();
  });

  it('else the latest that still owes a slot, over a worse one long closed', () => {
    const owes = [{ job: 'blog', start: '2026-12-07T05:00:00.000Z', lastSlot: '2026-12-07T05:00:00.000Z', slots: 1 }];
    const incidents = [
      inc('01:00', '02:15', { failed: 4, slots: 4, unserved: 4 }),
      inc('05:00', '05:30', { missing: 2, slots: 2, unserved: 2, owing: owes }),
      inc('07:00', '07:15', { failed: 1, slots: 1, unserved: 1 }),
    ];
    expect(featuredIncident(incidents)).toBe(1);
    // one going on comes first all the same
    expect(featuredIncident([...incidents, inc('08:00', null, { failed: 1 })])).toBe(3);
  });

  it('else the worst: most unserved, then most affected, then longest, then the latest', () => {
    expect(featuredIncident([inc('01:00', '02:00', { failed: 2 }), inc('03:00', '03:15', { missing: 3 })])).toBe(1);
    expect(featuredIncident([inc('01:00', '02:00', { slots: 5 }), inc('03:00', '03:15', { slots: 2 })])).toBe(0);
    expect(featuredIncident([inc('01:00', '02:00', { durationMs: 9 }), inc('03:00', '03:15', { durationMs: 3 })])).toBe(
      0,
    );
    expect(featuredIncident([inc('01:00', '01:15'), inc('03:00', '03:15')])).toBe(1);
    expect(featuredIncident([])).toBeNull();
    const h = headline([], [inc('01:00', '02:00', { cause: 'p1: 503 ×2', failed: 2 }), inc('03:00', '03:15')], 0);
    expect(h).toMatchObject({ incident: 0, end: '2026-12-07T02:00:00.000Z', open: false, cause: 'p1: 503 ×2' });
  });
});

describe('the report’s incidents, from the gaps before any fill', () => {
  const T = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
  const window = { since: new Date(T('00:00')), until: new Date(T('06:00')) };
  const gap = (start: string, lastSlot: string, slots: number, end: string | null = null): Gap => ({
    job: 'threads',
    start: T(start),
    end: end === null ? null : T(end),
    durationMs: 0,
    slots,
    failed: slots,
    missing: 0,
    open: end === null,
    lastSlot: T(lastSlot),
    causes: [{ source: 'p1', reason: '503', count: slots }],
  });
  const row = (cells: SlotCell[]): JobRow => ({
    job: 'threads',
    schedule: '*/15 * * * *',
    tz: 'UTC',
    cells,
    counts: {} as JobRow['counts'],
    outOfConfig: [],
    notJudgedOutOfConfig: 0,
  });
  const filled = (hhmm: string, at: string): SlotCell => ({
    slot: T(hhmm),
    outcome: 'filled',
    was: 'failed',
    filledBy: 'backfill',
    filledAt: at,
  });

  it('goes on while a slot of it is unserved now after the others recovered; over once all are filled, ended when the last was', () => {
    // threads failed 05:30 and 05:45, nothing served since: going on until both are filled
    const going = reportIncidents(
      [row([{ slot: T('05:30'), outcome: 'failed' }, filled('05:45', T('05:50'))])],
      [gap('05:30', '05:45', 2)],
      [gap('05:30', '05:30', 1)],
      window,
      ['p1'],
    );
    expect(going).toMatchObject([{ end: null, open: true, notOnTime: 2, stillUnserved: 1, filled: 1, owing: [] }]);
    const over = reportIncidents(
      [row([filled('05:30', T('05:50')), filled('05:45', T('05:52'))])],
      [gap('05:30', '05:45', 2)],
      [],
      window,
      ['p1'],
    );
    expect(over).toMatchObject([
      { start: T('05:30'), end: T('05:52'), open: false, notOnTime: 2, stillUnserved: 0, owing: [] },
    ]);
    expect(over[0].filledLater).toEqual({ slots: 2, by: ['backfill'], at: T('05:52') });
    // filled after the window: it ends at the window's end, the report tells no later time
    const afterWindow = reportIncidents(
      [row([filled('05:30', T('07:00')), filled('05:45', T('07:01'))])],
      [gap('05:30', '05:45', 2)],
      [],
      window,
      ['p1'],
    );
    expect(afterWindow).toMatchObject([{ end: T('06:00'), open: false, durationMs: 30 * 60_000 }]);
  });
});
