/**
 * How human views print instants: a wall-clock time in one zone (UTC unless a caller passes another),
 * with the date only when it is not the day of `now`, and how long ago. JSON keeps full ISO times;
 * these are for people reading a terminal at 3 a.m. ("down since 15:15 (3h 17m)").
 */
import { formatDuration } from '../time.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsOf(ms: number, tz: string): { date: string; time: string } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const seconds = p.second === '00' ? '' : `:${p.second}`;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}${seconds}` };
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
