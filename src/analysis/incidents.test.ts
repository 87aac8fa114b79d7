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
      cause: 'deepseek-v3: 503 ×12, timeout ×1; stories: no records at all — the job did not run',
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
    expect(incidents.every((i) => i.cause?.endsWith(': no records at all — the job did not run'))).toBe(true);
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

  it('glues no later gap to an incident that is over through a slot it still owes', () => {
    // blog missed 05:00 (its 06:00 has not come); threads failed 05:15, served 05:30, failed again
    // 05:45: the first incident is over at 05:30 (blog owing 05:00), the 05:45 failure is another
    const at = (t: string) => `2026-04-19T${t}:00.000Z`;
    const incidents = mergeIncidents(
      [
        gap('blog', '05:00', null, 1, [], '05:00'),
        gap('threads', '05:15', '05:30', 1, [{ source: 'p1', reason: '503', count: 1 }]),
        gap('threads', '05:45', null, 1, [{ source: 'p1', reason: '503', count: 2 }], '05:45'),
      ],
      new Date('2026-04-19T05:50:00Z'),
    );
    expect(incidents.map((i) => [i.start, i.end, i.open, i.jobs])).toEqual([
      [at('05:00'), at('05:30'), false, ['blog', 'threads']],
      [at('05:45'), null, true, ['threads']],
    ]);
    expect(incidents[0].owing).toEqual([{ job: 'blog', start: at('05:00'), lastSlot: at('05:00'), slots: 1 }]);
    // a gap that starts before the others recovered still joins it
    const joined = mergeIncidents(
      [
        gap('blog', '05:00', null, 1, [], '05:00'),
        gap('threads', '05:15', '05:30', 1),
        gap('stories', '05:20', '05:40', 1),
      ],
      new Date('2026-04-19T05:50:00Z'),
    );
    expect(joined.map((i) => [i.start, i.end, i.open, i.jobs])).toEqual([
      [at('05:00'), at('05:40'), false, ['blog', 'stories', 'threads']],
    ]);
  });

  it('says which jobs have no record at all in it instead of blaming a provider for them', () => {
    const [incident] = mergeIncidents(
      [
        gap('blog', '14:00', '15:00', 1),
        gap('threads', '14:00', '14:30', 2, [{ source: 'ghost', reason: '503', count: 2 }]),
      ],
      UNTIL,
      ['p1'],
    );
    expect(incident.noRecords).toEqual(['blog']);
    expect(incident.cause).toBe('ghost (not in config): 503 ×2; blog: no records at all — the job did not run');
    const [silent] = mergeIncidents([gap('blog', '14:00', '15:00'), gap('threads', '14:00', '14:30')], UNTIL);
    expect(silent.cause).toBe('blog, threads: no records at all — the jobs did not run');
  });

  it('returns nothing for no gaps', () => {
    expect(mergeIncidents([], UNTIL)).toEqual([]);
  });
});
