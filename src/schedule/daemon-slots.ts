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
import { arithmeticRange, planFor, segments } from './fast-slots.js';
import { offsetAt } from './zone-offset.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Wall time lies within ±14 h of UTC, and we look a little further for the offsets in force. */
const SPAN = 17 * HOUR;

/** Every wall-clock time in [start, end) (ms read as UTC fields) that the entry matches, in order. */
function* wallTimes(entry: DaemonEntry, start: number, end: number): Generator<number> {
  const plan = planFor(entry.expression, entry.domAndDow);
  if (plan) {
    for (const wall of arithmeticRange(plan, 0, start, end)) yield wall.getTime();
    return;
  }
  const cron = wallCron(entry);
  for (let t = cron.nextRun(new Date(start - 1)); t && t.getTime() < end; t = cron.nextRun(t)) yield t.getTime();
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

/** Slots in [from, to] (both inclusive), in order, lazily. */
export function* daemonSlots(schedule: string, tz: string, from: number, to: number): Generator<Date> {
  const entry = daemonEntry(schedule);
  wallCron(entry); // a bad expression throws here, as croner's reading would
  const end = to + 1;
  for (const seg of segments(tz, from, end)) {
    if (seg.offset !== undefined) {
      // one offset all along: each wall time is exactly one instant
      for (const wall of wallTimes(entry, seg.start + seg.offset, seg.end + seg.offset))
        yield new Date(wall - seg.offset);
    } else {
      yield* placed(entry, tz, seg.start, seg.end);
    }
  }
}

/** The slots in [start, end) of a stretch with a clock change in it, placed by the daemon's rules. */
function* placed(entry: DaemonEntry, tz: string, start: number, end: number): Generator<Date> {
  const out: number[] = [];
  const a = offsetAt(tz, start);
  const b = offsetAt(tz, end);
  // every wall time that lands in [start, end) lies in this range (an hour to spare on each side)
  for (const wall of wallTimes(entry, start + Math.min(a, b) - HOUR, end + Math.max(a, b) + HOUR)) {
    for (const t of placeWallTime(tz, wall, entry.fixedTime)) if (t >= start && t < end) out.push(t);
  }
  out.sort((a, b) => a - b);
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) yield new Date(out[i]);
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
