import { describe, expect, it } from 'vitest';
import { latestSlotAtOrBefore, nextSlotAfter } from '../schedule/slots.js';
import { bySlot } from './checks.js';
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

  it('puts exactly the expected runs inside the outage: the blog generator three times in a row', () => {
    expect(inOutage.map((r) => ({ job: r.job, slot: r.slot.toISOString() }))).toEqual(EXPECTED.outageSlots);
    expect(inOutage.filter((r) => r.job === 'blog-generate').map((r) => r.slot.toISOString().slice(11, 16))).toEqual([
      '14:15',
      '14:30',
      '14:45',
    ]);
    expect(new Set(inOutage.map((r) => r.job))).toEqual(new Set(Object.keys(JOBS)));
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

  it('expects 3 tries per failed run before; after, a trial for each run past the cooldown, the rest skip', () => {
    expect(EXPECTED.beforePrimaryRequests).toBe(3 * EXPECTED.outageSlots.length);
    // the breaker opens in the first outage run (its 3 attempts take at most 1.5 s of backoff);
    // each later run gets a trial when the last (re-)trip is 5 minutes old, else skips the primary
    const COOLDOWN = 300_000;
    const [first, ...later] = [...inOutage, ...runs.filter((r) => r.startAt >= until).slice(0, 1)];
    expect({ job: first.job, slot: first.slot.toISOString() }).toEqual(EXPECTED.trip);
    let openedAt = first.startAt + 1_500; // the latest the trip can come
    const trials: Array<{ job: string; slot: string; result: string }> = [];
    const skipped: Array<{ job: string; slot: string }> = [];
    for (const r of later) {
      const slot = { job: r.job, slot: r.slot.toISOString() };
      // a trial or a skip must not depend on the trip's jitter: no run starts within 1.5 s of the cooldown's end
      expect(Math.abs(r.startAt - (openedAt + COOLDOWN)) > 1_500 || r.startAt > openedAt + COOLDOWN + 1_500).toBe(true);
      if (r.startAt < openedAt + COOLDOWN) skipped.push(slot);
      else {
        const inside = r.startAt < until;
        trials.push({ ...slot, result: inside ? 're-opened' : 'closed' });
        openedAt = r.startAt;
      }
    }
    expect(trials).toEqual(EXPECTED.trials);
    expect(bySlot(skipped)).toEqual(bySlot([...EXPECTED.skippedOpenRuns]));
    expect(EXPECTED.afterPrimaryRequests).toBe(3 + trials.filter((t) => t.result === 're-opened').length);
    expect(EXPECTED.breaker).toEqual({ open: 1 + trials.length - 1, halfOpen: trials.length, close: 1 });
  });
});
