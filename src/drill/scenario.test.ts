import { describe, expect, it } from 'vitest';
import { latestSlotAtOrBefore, nextSlotAfter } from '../schedule/slots.js';
import { dueRuns } from './replay.js';
import { EXPECTED, JOBS, OUTAGE, REPLAY, type DrillJob } from './scenario.js';

// The checks assert hand-written numbers; here they are derived again from the schedules alone.
describe('the drill scenario', () => {
  const runs = dueRuns();
  const [from, until] = [Date.parse(OUTAGE.from), Date.parse(OUTAGE.until)];
  const inOutage = runs.filter((r) => r.startAt >= from && r.startAt < until);

  it('replays every slot of the three jobs from 13:00 to 16:00, in start order', () => {
    expect(runs).toHaveLength(EXPECTED.slots);
    expect(runs.map((r) => r.startAt)).toEqual([...runs.map((r) => r.startAt)].sort((a, b) => a - b));
    expect(runs[0].slot.toISOString()).toBe(REPLAY.from);
    expect(runs.at(-1)!.slot.toISOString()).toBe(REPLAY.to);
  });

  it('puts exactly the expected runs inside the outage (the blog never meets it)', () => {
    expect(inOutage.map((r) => ({ job: r.job, slot: r.slot.toISOString() }))).toEqual(EXPECTED.outageSlots);
    expect(inOutage.some((r) => r.job === 'blog')).toBe(false);
  });

  it('expects each gap to end at the job’s first slot after the outage', () => {
    for (const gap of EXPECTED.gaps) {
      const job = JOBS[gap.job as DrillJob];
      const last = inOutage.filter((r) => r.job === gap.job).at(-1)!;
      expect(nextSlotAfter(job.schedule, job.tz, last.slot)?.toISOString()).toBe(gap.end);
      expect(latestSlotAtOrBefore(job.schedule, job.tz, new Date(until))!.getTime()).toBeLessThan(until);
    }
    const incident = EXPECTED.incident;
    expect((Date.parse(incident.end) - Date.parse(incident.start)) / 60_000).toBe(incident.durationMinutes);
  });

  it('expects 3 tries per failed run before, and 3 + one per later trial after', () => {
    expect(EXPECTED.beforePrimaryRequests).toBe(3 * EXPECTED.outageSlots.length);
    // threads runs after the trip each get a half-open trial; stories 14:30 finds it open again
    const threadsAfterTrip = inOutage.filter((r) => r.job === 'threads').length - 1;
    expect(EXPECTED.afterPrimaryRequests).toBe(3 + threadsAfterTrip);
  });
});
