/**
 * Slots as the system cron daemon makes them. The daemon matches wall-clock minutes in the host's
 * zone; when the clock jumps it catches up by its own rules (cron.c):
 *  - spring forward (the clock skips up to 3 h): a fixed-time entry runs once for each skipped
 *    wall time that matches, at the first minute after the jump; a wildcard entry runs only for
 *    the minutes that exist (a skipped one is lost);
 *  - fall back (up to 3 h repeat): a fixed-time entry runs at the first occurrence only; a wildcard
 *    entry runs at each real occurrence.
 * So: enumerate the matching wall times (croner does the field work, see fast-slots.ts) and place
 * each one on the real time line by those rules. Several skipped wall times of one entry in one
 * jump all run at the same minute, so they make one slot (a slot is an instant).
 */
import { Cron } from 'croner';
import { daemonEntry, type DaemonEntry } from './cron-entry.js';
import { arithmeticBatches, cronerBatches, planFor, segments } from './fast-slots.js';
import { datesOf, SlotBatch } from './slot-batch.js';
import { offsetAt } from './zone-offset.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Wall time lies within ±14 h of UTC, and we look a little further for the offsets in force. */
const SPAN = 17 * HOUR;

/**
 * Every wall-clock time in [start + offset, end + offset) (ms read as UTC fields) that the entry
 * matches, less `offset` (0: the wall times themselves), in order, into the batch.
 */
function* wallTimeBatches(
  entry: DaemonEntry,
  offset: number,
  start: number,
  end: number,
  batch: SlotBatch,
): Generator<SlotBatch> {
  const plan = planFor(entry.expression, entry.domAndDow);
  if (plan) yield* arithmeticBatches(plan, offset, start, end, batch);
  else yield* cronerBatches(wallCron(entry), start, end, batch, offset);
}

/** The wall times in [start, end) that the entry matches, as a list (for the few hours around a clock change). */
function wallTimeList(entry: DaemonEntry, start: number, end: number): number[] {
  const out: number[] = [];
  const batch = new SlotBatch(256);
  for (const full of wallTimeBatches(entry, 0, start, end, batch)) {
    for (let i = 0; i < full.length; i++) out.push(full.times[i]);
    full.clear();
  }
  for (let i = 0; i < batch.length; i++) out.push(batch.times[i]);
  return out;
}

const wallCrons = new Map<string, Cron>();
/** croner in UTC, i.e. on the wall clock itself, with the daemon's day rule. Throws on a bad expression. */
export function wallCron(entry: DaemonEntry): Cron {
  const key = `${entry.domAndDow ? '&' : '|'}${entry.expression}`;
  let cron = wallCrons.get(key);
  if (!cron) {
    cron = new Cron(entry.expression, {
      // UTC as a fixed offset, as cronFor does: croner's time-zone path makes an
      // Intl.DateTimeFormat, whose first use loads ICU's zone data (~20 ms of every start-up that
      // validates a schedule: each crontab line, `breaker status`)
      utcOffset: 0,
      paused: true,
      mode: '5-or-6-parts',
      domAndDow: entry.domAndDow,
    });
    wallCrons.set(key, cron);
  }
  return cron;
}

/** The instants at which the daemon runs an entry for one matching wall time (0, 1 or 2 of them). */
export function placeWallTime(tz: string, wall: number, fixedTime: boolean): number[] {
  const before = offsetAt(tz, wall - SPAN);
  const after = offsetAt(tz, wall + SPAN);
  const real: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    if (offsetAt(tz, wall - o) === o) real.push(wall - o);
  }
  real.sort((a, b) => a - b);
  if (real.length > 0) return fixedTime ? real.slice(0, 1) : real;
  // The wall time was skipped. A fixed-time entry catches up at the first minute after the jump.
  return fixedTime ? [jumpAfter(tz, wall - Math.max(before, after), wall - Math.min(before, after))] : [];
}

/** The first whole minute in (lo, hi] at which the zone's later offset is in force. */
function jumpAfter(tz: string, lo: number, hi: number): number {
  const later = offsetAt(tz, hi);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(tz, mid) === later) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi / MINUTE) * MINUTE;
}

/** Slots in [from, to] (both inclusive), in order, in batches. */
export function* daemonSlotBatches(
  schedule: string,
  tz: string,
  from: number,
  to: number,
  batch = new SlotBatch(),
): Generator<SlotBatch> {
  const entry = daemonEntry(schedule);
  wallCron(entry); // a bad expression throws here, as croner's reading would
  const end = to + 1;
  for (const seg of segments(tz, from, end)) {
    // one offset all along: each wall time is exactly one instant
    if (seg.offset !== undefined) yield* wallTimeBatches(entry, seg.offset, seg.start, seg.end, batch);
    else
      for (const t of placed(entry, tz, seg.start, seg.end))
        if (batch.push(t)) {
          yield batch;
          batch.clear();
        }
  }
  if (batch.length > 0) yield batch;
}

/** The same slots one at a time, as Dates. */
export function daemonSlots(schedule: string, tz: string, from: number, to: number): Generator<Date> {
  return datesOf(daemonSlotBatches(schedule, tz, from, to));
}

/** The slots in [start, end) of a stretch with a clock change in it, placed by the daemon's rules, in order. */
function placed(entry: DaemonEntry, tz: string, start: number, end: number): number[] {
  const out: number[] = [];
  const a = offsetAt(tz, start);
  const b = offsetAt(tz, end);
  // every wall time that lands in [start, end) lies in this range (an hour to spare on each side)
  for (const wall of wallTimeList(entry, start + Math.min(a, b) - HOUR, end + Math.max(a, b) + HOUR)) {
    for (const t of placeWallTime(tz, wall, entry.fixedTime)) if (t >= start && t < end) out.push(t);
  }
  out.sort((a, b) => a - b);
  return out.filter((t, i) => i === 0 || t !== out[i - 1]);
}

/** The same slots, every wall time placed one by one without the fast path (slow; the reference in tests). */
export function daemonSlotsReference(schedule: string, tz: string, from: number, to: number): Date[] {
  const entry = daemonEntry(schedule);
  const cron = wallCron(entry);
  const out: number[] = [];
  const [a, b] = [offsetAt(tz, from), offsetAt(tz, to)];
  const [first, last] = [from + Math.min(a, b) - HOUR, to + Math.max(a, b) + HOUR];
  for (let w = cron.nextRun(new Date(first - 1)); w && w.getTime() < last; w = cron.nextRun(w)) {
    for (const t of placeWallTime(tz, w.getTime(), entry.fixedTime)) if (t >= from && t <= to) out.push(t);
  }
  return [...new Set(out.sort((a, b) => a - b))].map((t) => new Date(t));
}
