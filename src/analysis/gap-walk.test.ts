/**
 * The batched walk (gap-walk.ts over slot batches) against a reference that enumerates every slot
 * as a Date through slotsBetween and judges it one at a time, on generated logs: DST nights in
 * Europe/Berlin and America/New_York, `*\/n` day-of-month rules, macros, second-level schedules,
 * schedule changes mid-log, both cron readings, failed, crashed, degraded, doubled, late, forced,
 * backfilled and pending slots.
 */
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { slotsBetween } from '../schedule/slots.js';
import { addTally, causeCounts, causeKey, CRASHED_REASON, formatCause, preferAttempts, RUN_SOURCE } from './cause.js';
import type { CauseTally } from './cause.js';
import { buildLedger, findGaps, judgeSlots, type JobSchedule } from './gaps.js';
import { judgingStart, scheduleTimeline } from './judging.js';
import type { SlotLedger } from './ledger.js';
import { counter, ENDS, FAILS, OKS, STARTS } from './slot-counters.js';
import { servedByRunNotRead, servedOnlyElsewhere, servesOf } from './slot-serves.js';
import { iso, isoOrder } from './gap-walk.js';
import { TimelineBuilder } from './timeline.js';

type Status = 'served' | 'failed' | 'missing' | 'pending';
interface Judged {
  slot: Date;
  status: Status;
  causes?: CauseTally;
  degradedBy?: string;
  servedOn?: string;
  unverified?: true;
}

/** Every slot one at a time, judged as the analysis has always judged them. */
function* referenceJudge(job: JobSchedule, ledger: SlotLedger, onOut?: (ms: number) => void): Generator<Judged> {
  const book = ledger.jobs.get(job.name);
  const pendingFrom = ledger.nowMs - (job.graceMs ?? 0);
  const judgingFrom = judgingStart(job, ledger).fromMs;
  const timeline = scheduleTimeline(job, ledger);
  // the slots the job's own run.start and run.end records name
  const own = [...(book?.slots.entries() ?? [])]
    .filter(([, packed]) => counter(packed, STARTS) + counter(packed, ENDS) > 0)
    .map(([key]) => ledger.sinceMs + key * 1000);
  for (let i = 0; i < timeline.length; i++) {
    const start = Math.max(ledger.sinceMs, timeline[i].fromMs);
    const end = Math.min(ledger.untilMs, (timeline[i + 1]?.fromMs ?? Infinity) - 1);
    if (start > end) continue;
    for (const slot of slotsBetween(timeline[i].schedule, timeline[i].tz, new Date(start), new Date(end), job.cron)) {
      const key = ledger.keyOf(slot.getTime());
      const packed = book?.slots.get(key) ?? 0;
      if (slot.getTime() < judgingFrom && packed === 0) continue;
      // out of the config then (the watchdog saw it taken out, and no run nor record has shown it back
      // since): only slots records name
      const out = ledger.jobsSeen.periodsOut(job.name);
      const t = slot.getTime();
      const ranSince = (afterMs: number) => own.some((ms) => ms > afterMs && ms <= t);
      if (packed === 0 && out.some((p) => t > p.afterMs && t < p.untilMs && !ranSince(p.afterMs))) {
        onOut?.(t);
        continue;
      }
      const running = counter(packed, STARTS) > counter(packed, ENDS);
      const servedOn = book?.elsewhere.get(key);
      if (counter(packed, OKS) > 0 || servedOn !== undefined) {
        const degradedBy = book?.degraded.get(key);
        const judged: Judged =
          degradedBy === undefined ? { slot, status: 'served' } : { slot, status: 'served', degradedBy };
        if (servedOn !== undefined) {
          judged.servedOn = servedOn;
          if (servedByRunNotRead(book!, key, counter(packed, OKS)) && !book!.vouched.has(key)) judged.unverified = true;
        }
        yield judged;
      } else if (slot.getTime() > pendingFrom && (running || counter(packed, FAILS) === 0)) {
        yield { slot, status: 'pending' };
      } else if (counter(packed, FAILS) > 0 || running) {
        let causes = book?.causes.get(key);
        if (running) {
          causes = new Map(causes ?? []);
          causes.set(causeKey(RUN_SOURCE, CRASHED_REASON), counter(packed, STARTS) - counter(packed, ENDS));
        }
        yield { slot, status: 'failed', causes };
      } else yield { slot, status: 'missing' };
    }
  }
}

/** The report's lists from the reference judgement, slot by slot. */
function referenceFindings(jobs: readonly JobSchedule[], ledger: SlotLedger, timeline?: TimelineBuilder) {
  const gaps: unknown[] = [];
  const degraded: Array<{ start: string; job: string }> = [];
  const doubles: unknown[] = [];
  const elsewhere: unknown[] = [];
  const late: Array<{ slot: string; job: string }> = [];
  const counts: Array<Record<string, number>> = [];
  for (const job of jobs) {
    const book = ledger.jobs.get(job.name);
    const n: Record<string, number> = {
      slots: 0,
      served: 0,
      failed: 0,
      missing: 0,
      pending: 0,
      doubled: 0,
      degraded: 0,
      servedElsewhere: 0,
      unverified: 0,
    };
    let stretch: { start: Date; last: Date; slots: number; providers: string[] } | undefined;
    let open:
      { start: Date; last: Date; slots: number; failed: number; missing: number; tally: CauseTally } | undefined;
    const closeStretch = (end: Date | null) => {
      if (!stretch) return;
      const { start, last, slots, providers } = stretch;
      degraded.push({
        job: job.name,
        start: start.toISOString(),
        end: end?.toISOString() ?? null,
        lastSlot: last.toISOString(),
        durationMs: (end?.getTime() ?? ledger.untilMs) - start.getTime(),
        slots,
        providers,
        open: end === null,
      } as { start: string; job: string });
      stretch = undefined;
    };
    const close = (end: Date | null) => {
      if (!open) return;
      const c = causeCounts(open.tally);
      gaps.push({
        job: job.name,
        start: open.start.toISOString(),
        end: end?.toISOString() ?? null,
        durationMs: (end?.getTime() ?? ledger.untilMs) - open.start.getTime(),
        slots: open.slots,
        failed: open.failed,
        missing: open.missing,
        ...(c.length > 0 ? { cause: formatCause(c) } : {}),
        open: end === null,
        lastSlot: open.last.toISOString(),
        causes: c,
      });
      open = undefined;
    };
    const out = (ms: number) => timeline?.add(job.name, ms, 'out-of-config');
    for (const judged of referenceJudge(job, ledger, out)) {
      n.slots++;
      n[judged.status]++;
      timeline?.add(job.name, judged.slot.getTime(), judged.degradedBy !== undefined ? 'degraded' : judged.status);
      if (judged.degradedBy !== undefined) {
        n.degraded++;
        stretch ??= { start: judged.slot, last: judged.slot, slots: 0, providers: [] };
        stretch.last = judged.slot;
        stretch.slots++;
        if (!stretch.providers.includes(judged.degradedBy)) stretch.providers.push(judged.degradedBy);
      } else closeStretch(judged.status === 'pending' ? null : judged.slot);
      if (judged.status === 'served') {
        const key = ledger.keyOf(judged.slot.getTime());
        const packed = book?.slots.get(key) ?? 0;
        const oks = counter(packed, OKS);
        const serves = book ? servesOf(book, key, packed) : oks;
        if (serves > 1) {
          n.doubled++;
          doubles.push({ job: job.name, slot: judged.slot.toISOString(), runs: serves });
        }
        if (book && servedOnlyElsewhere(book, key, oks)) {
          n.servedElsewhere++;
          // unverified: the skip's run is in no log read, and the shared ledger did not name it
          const unverified = servedByRunNotRead(book, key, oks) && !book.vouched.has(key);
          if (unverified) n.unverified++;
          elsewhere.push({ job: job.name, slot: judged.slot.toISOString(), host: judged.servedOn ?? '', unverified });
        }
        const lateRun = book && servedByRunNotRead(book, key, oks) ? undefined : book?.late.get(key);
        if (lateRun) late.push({ job: job.name, slot: judged.slot.toISOString(), ...lateRun });
        close(judged.slot);
      } else if (judged.status !== 'pending') {
        open ??= { start: judged.slot, last: judged.slot, slots: 0, failed: 0, missing: 0, tally: new Map() };
        open.last = judged.slot;
        open.slots++;
        open[judged.status]++;
        addTally(open.tally, preferAttempts(judged.causes));
      }
    }
    close(null);
    closeStretch(null);
    counts.push(n);
  }
  const order = (a: { start: string; job: string }, b: { start: string; job: string }) =>
    a.start.localeCompare(b.start) || a.job.localeCompare(b.job);
  gaps.sort(order as (a: unknown, b: unknown) => number);
  degraded.sort(order);
  late.sort((a, b) => a.slot.localeCompare(b.slot) || a.job.localeCompare(b.job));
  return { gaps, degraded, doubles, late, counts, elsewhere };
}

/** A log of runs for `job` over its slots, with a bit of everything, from a seeded generator. */
function messyRuns(job: JobSchedule, from: number, to: number, seed: number, schedule?: string): LogRecord[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out: LogRecord[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const slot of slotsBetween(schedule ?? job.schedule, job.tz, new Date(from), new Date(to), job.cron)) {
    const slotMs = slot.getTime();
    const roll = rnd();
    if (roll < 0.12) continue; // missing
    const common = { level: 'info' as const, job: job.name, scheduledFor: iso(slotMs) };
    const trigger = roll > 0.97 ? ('backfill' as const) : ('cron' as const);
    const late = roll > 0.9 && roll <= 0.93 ? 120_000 : 2_000;
    const run = (runId: string, outcome: string, extra: Record<string, unknown> = {}, started = true) => {
      const t = slotMs + late + Math.floor(rnd() * 500);
      if (started)
        out.push({
          ...common,
          runId,
          trigger,
          ts: iso(t),
          event: 'run.start',
          ...(schedule ? { schedule, tz: job.tz } : {}),
        });
      if (outcome === 'failed')
        out.push({
          ...common,
          runId,
          trigger,
          ts: iso(t + 1000),
          event: 'attempt.end',
          provider: 'p1',
          outcome: 'failed',
          httpStatus: 503,
        });
      if (outcome !== 'crash')
        out.push({
          ...common,
          runId,
          trigger,
          ts: iso(t + 2000),
          event: 'run.end',
          outcome,
          durationMs: 2000,
          ...extra,
        });
    };
    if (roll < 0.2) run('a' + slotMs, 'failed', { errorType: 'unavailable' });
    else if (roll < 0.24) run('a' + slotMs, 'crash');
    else if (roll < 0.3) run('a' + slotMs, 'ok', { degraded: true, provider: roll < 0.27 ? 'p2' : 'p3' });
    else if (roll < 0.33) {
      run('a' + slotMs, 'ok');
      run('b' + slotMs, 'ok'); // a double
    } else if (roll < 0.35) {
      run('a' + slotMs, 'ok');
      run('b' + slotMs, 'ok', { forced: true });
    } else if (roll < 0.39) {
      // this host skipped it: another host served it (it says so), or the lock was held
      const t = slotMs + 1000;
      const reason =
        roll < 0.38 ? { reason: 'served', servedRunId: 'r' + slotMs, servedBy: 'host-b' } : { reason: 'locked' };
      out.push({
        ...common,
        runId: 'c' + slotMs,
        trigger,
        ts: iso(t),
        event: 'run.end',
        outcome: 'skipped',
        ...reason,
        durationMs: 0,
      });
      if (roll < 0.375) run('a' + slotMs, 'ok', { degraded: true, provider: 'p2' });
    } else if (roll < 0.41) {
      run('a' + slotMs, 'failed', { errorType: 'unavailable' });
      run('b' + slotMs, 'ok', { degraded: true, provider: 'p2' });
    } else run('a' + slotMs, 'ok');
  }
  return out;
}

const H = 3_600_000;
/** The 2026 DST nights: Berlin 29 March and 25 October, New York 8 March and 1 November. */
const NIGHTS = {
  'Europe/Berlin': [Date.parse('2026-03-29T01:00:00Z'), Date.parse('2026-10-25T01:00:00Z')],
  'America/New_York': [Date.parse('2026-03-08T07:00:00Z'), Date.parse('2026-11-01T06:00:00Z')],
};
const SCHEDULES = [
  '30 2 * * *',
  '*/15 * * * *',
  '* * * * *',
  '@hourly',
  '15 1-3 * * *',
  '0 */2 */3 * *',
  '0 9 */2 * 1',
  '*/30 * * * * *',
];

describe('the batched walk gives the slot-by-slot report exactly', () => {
  for (const [tz, nights] of Object.entries(NIGHTS)) {
    for (const cron of ['daemon', 'croner'] as const) {
      it(`${tz}, ${cron} reading: DST nights, a schedule change mid-log, every kind of slot`, async () => {
        let seed = 7;
        for (const night of nights) {
          const since = night - 30 * H;
          const until = night + 30 * H;
          const jobs: JobSchedule[] = SCHEDULES.map((schedule, i) => ({
            name: `job${i}`,
            schedule,
            tz,
            cron,
            ...(i % 3 === 1 ? { graceMs: 2 * H } : {}),
          }));
          const records: LogRecord[] = [];
          for (const job of jobs) {
            const change = night + ((seed % 5) - 2) * H;
            // logs start a little after the window (judging begins then), and the schedule changes
            records.push(...messyRuns(job, since + 3 * H, change - 1, seed++, job.schedule));
            records.push(
              ...messyRuns(job, change, until, seed++, job.schedule === '* * * * *' ? '*/7 * * * *' : '*/20 * * * *'),
            );
          }
          // the watchdog saw some jobs taken out of the config, and put most of them back
          const watchdog = (at: number, fields: Record<string, unknown>): LogRecord => ({
            ts: iso(at),
            level: 'info',
            event: 'jobs.seen',
            job: 'watchdog',
            runId: `w${at}`,
            scheduledFor: iso(at),
            trigger: 'cron',
            jobs: [],
            ...fields,
          });
          const names = jobs.map((j) => j.name);
          records.push(watchdog(since + 3 * H, { jobs: names, seed: true }));
          records.push(
            watchdog(night - 5 * H, {
              removed: [names[2], names[3], names[6]],
              lastSeen: { [names[2]]: iso(night - 9 * H), [names[3]]: iso(night - 6 * H) },
            }),
          );
          records.push(watchdog(night + 2 * H, { jobs: [names[2], names[3]] }));
          records.sort((a, b) => a.ts.localeCompare(b.ts));
          const window = { since: new Date(since), until: new Date(until) };
          const ledger = await buildLedger(jobs, window, records, { now: new Date(until - H) });
          // the shared ledger names the run some skips name (checked), another run for some (not), or nothing
          const third = (id: string) => (Number(id.slice(1)) / 60_000) % 3;
          for (const r of records)
            if (r.reason === 'served' && typeof r.servedRunId === 'string' && third(r.servedRunId) !== 0)
              ledger.servedElsewhere(
                r.job,
                r.scheduledFor,
                r.ts,
                'cron',
                undefined,
                'host-b',
                third(r.servedRunId) === 1 ? r.servedRunId : 'other',
              );
          const columns = 200;
          const step = Math.ceil((until - since) / (columns - 1));
          const fast = new TimelineBuilder(jobs, window, step);
          const slow = new TimelineBuilder(jobs, window, step);
          const got = findGaps(jobs, ledger, fast);
          const want = referenceFindings(jobs, ledger, slow);
          expect(got.gaps).toEqual(want.gaps);
          expect(JSON.stringify(got.gaps)).toBe(JSON.stringify(want.gaps));
          expect(JSON.stringify(got.degraded)).toBe(JSON.stringify(want.degraded));
          expect(got.doubles).toEqual(want.doubles);
          expect(got.elsewhere).toEqual(want.elsewhere);
          expect(got.late).toEqual(want.late);
          expect(
            got.jobs.map(
              ({ slots, served, failed, missing, pending, doubled, degraded, servedElsewhere, unverified }) => ({
                slots,
                served,
                failed,
                missing,
                pending,
                doubled,
                degraded,
                servedElsewhere,
                unverified,
              }),
            ),
          ).toEqual(want.counts);
          expect(fast.result()).toEqual(slow.result());
          // the walk saw every kind of slot
          const total = (k: string) => want.counts.reduce((n, c) => n + c[k], 0);
          for (const k of [
            'served',
            'failed',
            'missing',
            'pending',
            'doubled',
            'degraded',
            'servedElsewhere',
            'unverified',
          ])
            expect(total(k)).toBeGreaterThan(0);
          expect(want.late.length).toBeGreaterThan(0);
          // some skips the shared ledger checked: served elsewhere, not unverified
          expect(total('servedElsewhere')).toBeGreaterThan(total('unverified'));
          // and judgeSlots, the per-slot view (status, backfill), agrees slot for slot
          for (const job of jobs) expect([...judgeSlots(job, ledger)]).toEqual([...referenceJudge(job, ledger)]);
        }
      });
    }
  }
});

describe('iso', () => {
  it('writes what toISOString writes, for any time', () => {
    let s = 17;
    const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const edges = [0, -1, 1, 86_399_999, 86_400_000, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999];
    const times = [...edges, 253_402_300_800_000, 1.5, -86_400_000.25];
    for (let i = 0; i < 20_000; i++) {
      const span = [1e5, 1e9, 1e13, 4e14][i % 4];
      times.push(Math.floor((rnd() * 2 - 1) * span) + (i % 3 === 0 ? Date.parse('2026-03-29T01:00:00Z') : 0));
    }
    // in order (the day is kept from one call to the next), then out of order
    for (const t of [...times.sort((a, b) => a - b), ...times.reverse()])
      expect(iso(t)).toBe(new Date(t).toISOString());
  });
});

describe('isoOrder', () => {
  it('orders ISO times as localeCompare does', () => {
    let s = 23;
    const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const base = Date.parse('2026-06-01T00:00:00Z');
    const times = Array.from({ length: 400 }, (_, i) =>
      iso(i % 50 === 0 ? -62_167_219_200_001 - i : base + Math.floor((rnd() * 2 - 1) * [1e3, 1e6, 1e9, 1e12][i % 4])),
    );
    for (const a of times)
      for (const b of times.slice(0, 40)) expect(Math.sign(isoOrder(a, b))).toBe(Math.sign(a.localeCompare(b)));
  });
});
