import { describe, expect, it } from 'vitest';
import { featuredIncident, headline, type ReportIncident } from './report-incidents.js';

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
