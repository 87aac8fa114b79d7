/**
 * Fast slot enumeration. croner costs 15–450 µs per `nextRun` (time-zone maths each call), which
 * makes a year of `* * * * *` take minutes. A cron schedule is a day filter (day-of-month, month,
 * weekday) times a fixed set of times of day, and a zone's UTC offset is constant except near its
 * DST changes. So: away from offset changes, emit "matching day × times of day − offset" with
 * plain arithmetic; within a few hours of a change, ask croner slot by slot (it knows what cron
 * does with skipped and repeated hours). Both give the same slots (checked by the tests).
 */
import { Cron } from 'croner';
import { SlotBatch } from './slot-batch.js';
import { offsetAt } from './zone-offset.js';
import { isUtcZone } from './utc-zones.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** How often the zone's offset is sampled to find its changes. */
const SAMPLE_MS = 6 * HOUR;
/** croner alone handles this much time on each side of an offset change. */
const EXACT_MARGIN_MS = 3 * HOUR;

/** The crontab macros, as the cron daemon expands them. */
export const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface Plan {
  /** Times of day (ms after midnight), sorted. */
  timesOfDay: Float64Array;
  /** Whether a calendar day (given as its UTC-midnight ms, read as a wall date) matches; undefined = every day. */
  dayMatches?: (wallMidnight: number) => boolean;
}

const plans = new Map<string, Plan | null>();

/**
 * The schedule as wall-clock arithmetic, or null when croner must do it. `domAndDow` makes the
 * day filter need both day-of-month and day-of-week (croner's OR otherwise).
 */
export function planFor(schedule: string, domAndDow = false): Plan | null {
  const key = `${domAndDow ? '&' : '|'}${schedule}`;
  let plan = plans.get(key);
  if (plan !== undefined) return plan;
  plan = buildPlan(schedule, domAndDow);
  plans.set(key, plan);
  return plan;
}

function buildPlan(schedule: string, domAndDow: boolean): Plan | null {
  const name = schedule.trim().toLowerCase();
  // an own key only: a schedule read from a log may be "__proto__" or "constructor"
  const text = Object.hasOwn(NICKNAMES, name) ? NICKNAMES[name] : schedule.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return null;
  if (text.includes('?')) return null; // croner fills `?` from the current time: leave it to croner
  const [sec, min, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  try {
    const times = new Cron(`${sec} ${min} ${hour} * * *`, { utcOffset: 0, paused: true });
    const day0 = Date.UTC(2026, 0, 1);
    const tod: number[] = [];
    for (let t = times.nextRun(new Date(day0 - 1)); t && t.getTime() < day0 + DAY; t = times.nextRun(t))
      tod.push(t.getTime() - day0);
    const everyDay = [dom, month, dow].every((f) => f === '*');
    const days = everyDay
      ? undefined
      : new Cron(`0 0 0 ${dom} ${month} ${dow}`, { utcOffset: 0, paused: true, domAndDow });
    return {
      timesOfDay: Float64Array.from(tod),
      dayMatches: days && ((wallMidnight) => days.match(new Date(wallMidnight))),
    };
  } catch {
    return null;
  }
}

export interface Segment {
  start: number;
  /** Exclusive. */
  end: number;
  /** Fixed offset for the arithmetic path; undefined = ask croner. */
  offset?: number;
}

/** [start, end) cut into stretches of one fixed offset and croner-only stretches around changes. */
export function segments(tz: string, start: number, end: number): Segment[] {
  if (isUtcZone(tz)) return [{ start, end, offset: 0 }];
  const exact: [number, number][] = [];
  let prevT = start - SAMPLE_MS;
  let prev = offsetAt(tz, prevT);
  for (let t = start; t < end + SAMPLE_MS; t += SAMPLE_MS) {
    const o = offsetAt(tz, t);
    if (o !== prev) {
      const zone: [number, number] = [prevT - EXACT_MARGIN_MS, t + EXACT_MARGIN_MS];
      const last = exact[exact.length - 1];
      if (last && zone[0] <= last[1]) last[1] = zone[1];
      else exact.push(zone);
    }
    prev = o;
    prevT = t;
  }
  const out: Segment[] = [];
  let cursor = start;
  for (const [a, b] of exact) {
    const zoneStart = Math.max(a, start);
    const zoneEnd = Math.min(b, end);
    if (zoneStart >= zoneEnd) continue;
    if (cursor < zoneStart) out.push({ start: cursor, end: zoneStart, offset: offsetAt(tz, cursor) });
    out.push({ start: zoneStart, end: zoneEnd });
    cursor = zoneEnd;
  }
  if (cursor < end) out.push({ start: cursor, end, offset: offsetAt(tz, cursor) });
  return out;
}

/** Slots in [from, to] (both inclusive), in order, in batches; the same as croner's, only faster. */
export function* fastSlotBatches(
  cron: Cron,
  schedule: string,
  tz: string,
  from: number,
  to: number,
  batch = new SlotBatch(),
): Generator<SlotBatch> {
  const plan = planFor(schedule);
  const end = to + 1;
  if (!plan) yield* cronerBatches(cron, from, end, batch);
  else
    for (const seg of segments(tz, from, end)) {
      if (seg.offset === undefined) yield* cronerBatches(cron, seg.start, seg.end, batch);
      else yield* arithmeticBatches(plan, seg.offset, seg.start, seg.end, batch);
    }
  if (batch.length > 0) yield batch;
}

/**
 * croner's own times in [start + offset, end + offset), less `offset` (a croner reading wall time
 * as UTC gives instants at a fixed offset that way), into the batch, yielding it each time it fills.
 */
export function* cronerBatches(
  cron: Cron,
  start: number,
  end: number,
  batch: SlotBatch,
  offset = 0,
): Generator<SlotBatch> {
  const last = end + offset;
  // nextRun is strictly after its argument (at whole seconds): start just before `start`.
  for (let t = cron.nextRun(new Date(start + offset - 1)); t && t.getTime() < last; t = cron.nextRun(t))
    if (batch.push(t.getTime() - offset)) {
      yield batch;
      batch.clear();
    }
}

/**
 * The plan's instants in [start, end) at a fixed UTC offset (0: the wall-clock times themselves)
 * into the batch, yielding it each time it fills.
 */
export function* arithmeticBatches(
  plan: Plan,
  offset: number,
  start: number,
  end: number,
  batch: SlotBatch,
): Generator<SlotBatch> {
  const tod = plan.timesOfDay;
  if (tod.length === 0) return;
  for (let wallMidnight = Math.floor((start + offset) / DAY) * DAY; wallMidnight - offset < end; wallMidnight += DAY) {
    if (plan.dayMatches && !plan.dayMatches(wallMidnight)) continue;
    const base = wallMidnight - offset;
    for (let i = 0; i < tod.length; i++) {
      const t = base + tod[i];
      if (t < start) continue;
      if (t >= end) return;
      if (batch.push(t)) {
        yield batch;
        batch.clear();
      }
    }
  }
}
