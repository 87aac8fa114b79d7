import { describe, expect, it } from 'vitest';
import { mergeIncidents, type GapSpan } from './incidents.js';

/** A gap of `slots` quarter-hourly slots from `start`, unless `last` says otherwise. */
const gap = (
  job: string,
  start: string,
  end: string | null,
  slots = 1,
  causes: GapSpan['causes'] = [],
  last?: string,
): GapSpan => ({
  job,
  start: `2026-04-19T${start}:00.000Z`,
  end: end === null ? null : `2026-04-19T${end}:00.000Z`,
  lastSlot: last
    ? `2026-04-19T${last}:00.000Z`
    : new Date(Date.parse(`2026-04-19T${start}:00.000Z`) + (slots - 1) * 15 * 60_000).toISOString(),
  slots,
  failed: causes.length > 0 ? slots : 0,
  missing: causes.length > 0 ? 0 : slots,
  causes,
});
const UNTIL = new Date('2026-04-19T18:00:00Z');

describe('mergeIncidents', () => {
  it('merges overlapping gaps of different jobs, transitively, and sums their causes', () => {
    const incidents = mergeIncidents(
      [
        gap('threads', '14:15', '15:00', 3, [{ source: 'deepseek-v3', reason: '503', count: 9 }]),
        gap('stories', '14:30', '15:00', 1),
        gap('blog', '14:50', '16:00', 1, [
          { source: 'deepseek-v3', reason: '503', count: 3 },
          { source: 'deepseek-v3', reason: 'timeout', count: 1 },
        ]),
      ],
      UNTIL,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      start: '2026-04-19T14:15:00.000Z',
      end: '2026-04-19T16:00:00.000Z',
      jobs: ['blog', 'stories', 'threads'],
      slots: 5,
      failed: 4,
      missing: 1,
      gaps: 3,
      durationMs: 105 * 60_000,
      cause: 'deepseek-v3: 503 ×12, timeout ×1',
    });
  });

  it('keeps gaps that only touch or are apart as separate incidents', () => {
    const incidents = mergeIncidents(
      [gap('a', '16:00', '16:15'), gap('b', '12:00', '13:00'), gap('c', '13:00', '14:00')],
      UNTIL,
    );
    expect(incidents.map((i) => [i.start.slice(11, 16), i.jobs.join(',')])).toEqual([
      ['12:00', 'b'],
      ['13:00', 'c'],
      ['16:00', 'a'],
    ]);
    expect(incidents.every((i) => i.cause === undefined)).toBe(true);
  });

  it('lets an open gap reach the end of the window and keeps the incident open', () => {
    const incidents = mergeIncidents([gap('a', '17:00', null, 4), gap('b', '17:30', '17:45')], UNTIL);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ end: null, open: true, slots: 5, durationMs: 60 * 60_000 });
  });

  it('ends when its jobs are served again, not when the slowest schedule comes round', () => {
    // an hourly job failed at 14:00 and has had no slot since; the quarter-hourly job recovered at 14:45
    const recovered = mergeIncidents(
      [gap('blog', '14:00', null, 1, [], '14:00'), gap('threads', '14:00', '14:45', 3)],
      new Date('2026-04-19T14:50:00Z'),
    );
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ end: '2026-04-19T14:45:00.000Z', open: false, durationMs: 45 * 60_000 });
    // the job not served since is named beside it, with the slots it still owes
    expect(recovered[0].owing).toEqual([
      { job: 'blog', start: '2026-04-19T14:00:00.000Z', lastSlot: '2026-04-19T14:00:00.000Z', slots: 1 },
    ]);
    // but a slot of the hourly job that failed after the others recovered keeps it open
    const still = mergeIncidents(
      [gap('blog', '14:00', null, 2, [], '15:00'), gap('threads', '14:00', '14:45', 3)],
      new Date('2026-04-19T15:10:00Z'),
    );
    expect(still[0]).toMatchObject({ end: null, open: true, owing: [] });
  });

  it('owes what a span says is still unserved, not the slots a fallback served', () => {
    // the report's spans: blog served by a fallback at 14:00, then missed 15:00 (owed); stories'
    // last slot was served by a fallback (nothing owed); threads recovered at 15:15
    const span = (job: string, start: string, last: string, unserved: GapSpan['unserved']): GapSpan => ({
      ...gap(job, start, null, 2, [], last),
      unserved,
    });
    const [incident] = mergeIncidents(
      [
        span('blog', '14:00', '15:00', {
          start: '2026-04-19T15:00:00.000Z',
          lastSlot: '2026-04-19T15:00:00.000Z',
          slots: 1,
        }),
        span('stories', '14:00', '14:30', null),
        gap('threads', '14:00', '15:15', 5),
      ],
      new Date('2026-04-19T15:20:00Z'),
    );
    expect(incident).toMatchObject({ end: '2026-04-19T15:15:00.000Z', open: false });
    expect(incident.owing).toEqual([
      { job: 'blog', start: '2026-04-19T15:00:00.000Z', lastSlot: '2026-04-19T15:00:00.000Z', slots: 1 },
    ]);
  });

  it('returns nothing for no gaps', () => {
    expect(mergeIncidents([], UNTIL)).toEqual([]);
  });
});
