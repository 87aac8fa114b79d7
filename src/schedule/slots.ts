/**
 * Schedule slots: the instants a job's cron expression names in its time zone. croner does the
 * calendar work and is DST-correct: a fixed-time job (`30 2 * * *`) whose time falls in a spring
 * gap runs at the first valid time after it, and only once when an autumn hour repeats; interval
 * jobs (`0 * * * *`) skip the missing hour and run in both repeated ones. We never invent slots.
 */
import { Cron } from 'croner';
import { fastSlots } from './fast-slots.js';

const cache = new Map<string, Cron>();

/** Zone names that are UTC, always valid: no Intl lookup needed for them. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/** A paused croner instance (no timers) for this schedule and zone. Throws on a bad expression. */
export function cronFor(schedule: string, tz: string): Cron {
  const key = `${schedule}\u0000${tz}`;
  let cron = cache.get(key);
  if (!cron) {
    // UTC as a fixed offset: croner's time-zone path and its first Intl.DateTimeFormat (ICU's zone
    // data) cost a start-up ~35 ms, which every crontab line and `breaker status` would pay
    const zone = UTC_ZONES.has(tz) ? { utcOffset: 0 } : { timezone: tz };
    cron = new Cron(schedule, { ...zone, paused: true, mode: '5-or-6-parts' });
    cache.set(key, cron);
  }
  return cron;
}

/**
 * Every slot in `[from, to]` (both inclusive), in order, one at a time. Same slots as croner's
 * `nextRun` chain (see fast-slots.ts for how it avoids croner's per-call cost).
 */
export function slotsBetween(schedule: string, tz: string, from: Date, to: Date): Generator<Date> {
  return fastSlots(cronFor(schedule, tz), schedule, tz, from.getTime(), to.getTime());
}

/** The same as slotsBetween, straight from croner, slot by slot (slow; the reference in tests). */
export function* cronerSlotsBetween(schedule: string, tz: string, from: Date, to: Date): Generator<Date> {
  const cron = cronFor(schedule, tz);
  const end = to.getTime();
  // nextRun is strictly after its argument (at whole seconds): start just before `from`.
  for (let slot = cron.nextRun(new Date(from.getTime() - 1)); slot && slot.getTime() <= end; slot = cron.nextRun(slot))
    yield slot;
}

/** The slot a run started at `t` serves when nobody names one: the latest slot at or before `t`. */
export function latestSlotAtOrBefore(schedule: string, tz: string, t: Date): Date | undefined {
  // previousRuns is strictly before its reference; 1 ms later makes a slot exactly at `t` count.
  const [slot] = cronFor(schedule, tz).previousRuns(1, new Date(t.getTime() + 1));
  return slot;
}

/** The first slot strictly after `t`. */
export function nextSlotAfter(schedule: string, tz: string, t: Date): Date | undefined {
  return cronFor(schedule, tz).nextRun(t) ?? undefined;
}

/** Undefined when the schedule and zone are usable; otherwise what is wrong, for a config error. */
export function validateSchedule(schedule: string, tz: string): string | undefined {
  try {
    if (!UTC_ZONES.has(tz)) new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as UTC or Europe/Berlin)`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (!schedule.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    return `cron expression ${JSON.stringify(schedule)} has ${fields.length} fields; use 5 (minute hour day month weekday) or 6 (with seconds first)`;
  }
  let cron: Cron;
  try {
    cron = cronFor(schedule, tz);
  } catch (err) {
    return `invalid cron expression ${JSON.stringify(schedule)}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!cron.nextRun(new Date(0))) return `cron expression ${JSON.stringify(schedule)} never matches a date`;
  return undefined;
}
