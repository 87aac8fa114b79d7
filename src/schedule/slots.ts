/**
 * Schedule slots: the instants a job's cron expression names in its time zone. Two readings:
 *  - 'daemon' (the default): as the system cron daemon runs a crontab line (daemon-slots.ts): the
 *    day-of-month/day-of-week star rule, and its own catch-up rules at DST changes;
 *  - 'croner': as croner schedules it in-process (fast-slots.ts), for jobs started by something
 *    else (systemd timers, Kubernetes, a croner-based scheduler).
 * Either way no slot is invented: each is an instant at which that scheduler starts the job.
 */
import { Cron } from 'croner';
import { DEFAULT_CRON_SEMANTICS, daemonEntry, type CronSemantics } from './cron-entry.js';
import { daemonSlotBatches, daemonSlots, wallCron } from './daemon-slots.js';
import { fastSlotBatches } from './fast-slots.js';
import { datesOf, SlotBatch } from './slot-batch.js';
import { isUtcZone } from './utc-zones.js';

export type { CronSemantics } from './cron-entry.js';

const cache = new Map<string, Cron>();

/** A paused croner instance (no timers) for this schedule and zone. Throws on a bad expression. */
export function cronFor(schedule: string, tz: string): Cron {
  const key = `${schedule}\u0000${tz}`;
  let cron = cache.get(key);
  if (!cron) {
    // UTC as a fixed offset: croner's time-zone path and its first Intl.DateTimeFormat (ICU's zone
    // data) cost a start-up ~35 ms, which every crontab line and `breaker status` would pay
    const zone = isUtcZone(tz) ? { utcOffset: 0 } : { timezone: tz };
    cron = new Cron(schedule, { ...zone, paused: true, mode: '5-or-6-parts' });
    cache.set(key, cron);
  }
  return cron;
}

/** Every slot in `[from, to]` (both inclusive), in order, one at a time. */
export function slotsBetween(
  schedule: string,
  tz: string,
  from: Date,
  to: Date,
  semantics: CronSemantics = DEFAULT_CRON_SEMANTICS,
): Generator<Date> {
  return datesOf(slotBatchesBetween(schedule, tz, from.getTime(), to.getTime(), semantics));
}

/**
 * The same slots as epoch ms, in batches (for walks over a long window: no Date per slot). Each
 * batch is refilled once the next is asked for. `batch`: the one to fill (its size is the batch size).
 */
export function slotBatchesBetween(
  schedule: string,
  tz: string,
  fromMs: number,
  toMs: number,
  semantics: CronSemantics = DEFAULT_CRON_SEMANTICS,
  batch = new SlotBatch(),
): Generator<SlotBatch> {
  return semantics === 'croner'
    ? fastSlotBatches(cronFor(schedule, tz), schedule, tz, fromMs, toMs, batch)
    : daemonSlotBatches(schedule, tz, fromMs, toMs, batch);
}

/** croner's slots straight from its `nextRun` chain, slot by slot (slow; the reference in tests). */
export function* cronerSlotsBetween(schedule: string, tz: string, from: Date, to: Date): Generator<Date> {
  const cron = cronFor(schedule, tz);
  const end = to.getTime();
  // nextRun is strictly after its argument (at whole seconds): start just before `from`.
  for (let slot = cron.nextRun(new Date(from.getTime() - 1)); slot && slot.getTime() <= end; slot = cron.nextRun(slot))
    yield slot;
}

const DAY = 86_400_000;
/** Search windows, growing: most schedules have a slot within a day; a leap day within 8 years. */
const REACH = [2 * 3_600_000, 2 * DAY, 40 * DAY, 400 * DAY, 3000 * DAY];

/** The slot a run started at `t` serves when nobody names one: the latest slot at or before `t`. */
export function latestSlotAtOrBefore(
  schedule: string,
  tz: string,
  t: Date,
  semantics: CronSemantics = DEFAULT_CRON_SEMANTICS,
): Date | undefined {
  if (semantics === 'croner') {
    // previousRuns is strictly before its reference; 1 ms later makes a slot exactly at `t` count.
    const [slot] = cronFor(schedule, tz).previousRuns(1, new Date(t.getTime() + 1));
    return slot;
  }
  let end = t.getTime();
  for (const reach of REACH) {
    let last: Date | undefined;
    for (const slot of daemonSlots(schedule, tz, t.getTime() - reach, end)) last = slot;
    if (last) return last;
    end = t.getTime() - reach - 1;
  }
  return undefined;
}

/** The first slot strictly after `t`. */
export function nextSlotAfter(
  schedule: string,
  tz: string,
  t: Date,
  semantics: CronSemantics = DEFAULT_CRON_SEMANTICS,
): Date | undefined {
  if (semantics === 'croner') return cronFor(schedule, tz).nextRun(t) ?? undefined;
  let start = t.getTime() + 1;
  for (const reach of REACH) {
    const first = daemonSlots(schedule, tz, start, t.getTime() + reach).next();
    if (!first.done) return first.value;
    start = t.getTime() + reach + 1;
  }
  return undefined;
}

const usable = new Map<string, boolean>();

/**
 * Whether slots can be named by this schedule and zone under both cron readings: for a schedule
 * read from a job log, which is untrusted text (the config's own are checked by validateSchedule,
 * with the reason). Remembered per schedule and zone.
 */
export function usableSchedule(schedule: unknown, tz: unknown): boolean {
  if (typeof schedule !== 'string' || typeof tz !== 'string') return false;
  const key = `${schedule}\u0000${tz}`;
  let ok = usable.get(key);
  if (ok === undefined) {
    ok =
      validateSchedule(schedule, tz, 'daemon') === undefined && validateSchedule(schedule, tz, 'croner') === undefined;
    usable.set(key, ok);
  }
  return ok;
}

/** Undefined when the schedule and zone are usable; otherwise what is wrong, for a config error. */
export function validateSchedule(
  schedule: string,
  tz: string,
  semantics: CronSemantics = DEFAULT_CRON_SEMANTICS,
): string | undefined {
  try {
    if (!isUtcZone(tz)) new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as UTC or Europe/Berlin)`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (!schedule.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    return `cron expression ${JSON.stringify(schedule)} has ${fields.length} fields; use 5 (minute hour day month weekday) or 6 (with seconds first)`;
  }
  let cron: Cron;
  try {
    cron = semantics === 'croner' ? cronFor(schedule, tz) : wallCron(daemonEntry(schedule));
  } catch (err) {
    return `invalid cron expression ${JSON.stringify(schedule)}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!cron.nextRun(new Date(0))) return `cron expression ${JSON.stringify(schedule)} never matches a date`;
  return undefined;
}
