/**
 * How human views print instants: a wall-clock time in one zone (UTC unless a caller passes another),
 * with the date only when it is not the day of `now`, and how long ago. JSON keeps full ISO times;
 * these are for people reading a terminal at 3 a.m. ("down since 15:15 (3h 17m)").
 */
import { offsetAt } from '../schedule/zone-offset.js';
import { formatDuration } from '../time.js';

/** The wall-clock date and time of `ms` in `tz` (the schedule code's zone offsets, one cache for both). */
function partsOf(ms: number, tz: string): { date: string; time: string } {
  const iso = new Date(ms + offsetAt(tz, ms)).toISOString();
  const seconds = iso.slice(17, 19) === '00' ? '' : `:${iso.slice(17, 19)}`;
  return { date: iso.slice(0, 10), time: `${iso.slice(11, 16)}${seconds}` };
}

/** "15:15" on the day of `now` (in `tz`), "2026-12-05 15:15" on any other; seconds only when there are any. */
export function wallClock(at: string | number, now: number, tz = 'UTC'): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(ms)) return String(at);
  const when = partsOf(ms, tz);
  return when.date === partsOf(now, tz).date ? when.time : `${when.date} ${when.time}`;
}

/** "15:15 (3h 17m)": when, and how long before `now` (or "in 5m" for a time still ahead). */
export function sinceLabel(at: string | number, now: number, tz = 'UTC'): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(ms)) return String(at);
  const d = now - ms;
  // a change recorded a moment "after" an overridden clock's now is still the past
  return `${wallClock(ms, now, tz)} (${d > -1000 ? formatDuration(Math.max(0, d)) : `in ${formatDuration(-d)}`})`;
}

/** "in 4m" for a time ahead of `now`, "due, 2m ago" for one passed. */
export function untilLabel(at: string | number, now: number): string {
  const ms = (typeof at === 'number' ? at : Date.parse(at)) - now;
  return ms > 0 ? `in ${formatDuration(ms)}` : `due, ${formatDuration(-ms)} ago`;
}

/** A human view's footnote on its times: "times in UTC". */
export function zoneNote(tz = 'UTC'): string {
  return `times in ${tz}`;
}
