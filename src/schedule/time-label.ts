/**
 * How an instant reads for people, in one format across lucy-ops: `14:15Z` on the day of now,
 * `2026-04-18 23:45Z` on another, `16:15+02:00` in a zone other than UTC (the offset is always
 * printed, so a time read at 3 a.m. never leaves its zone to guess); seconds only when there are
 * any. The commands' views (cli/time-format.ts `DisplayTimes`) and the drill's narrative use it.
 */
import { offsetAt } from './zone-offset.js';

/** "+02:00", "-04:00", "+05:30": an offset in ms as ISO 8601 writes it. */
function offsetLabel(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** The wall-clock date, time and zone suffix of `ms` in `tz`. */
function partsOf(ms: number, tz: string): { date: string; time: string; zone: string } {
  const offset = tz === 'UTC' ? 0 : offsetAt(tz, ms);
  const iso = new Date(ms + offset).toISOString();
  const seconds = iso.slice(17, 19) === '00' ? '' : `:${iso.slice(17, 19)}`;
  return {
    date: iso.slice(0, 10),
    time: `${iso.slice(11, 16)}${seconds}`,
    zone: tz === 'UTC' ? 'Z' : offsetLabel(offset),
  };
}

/** `14:15Z` on the day of `now` (in `tz`), `2026-04-18 23:45Z` on any other (always, when `now` is NaN). */
export function formatTime(at: string | number, now: number, tz = 'UTC'): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(ms)) return String(at);
  const when = partsOf(ms, tz);
  const day = !Number.isNaN(now) && when.date === partsOf(now, tz).date ? '' : `${when.date} `;
  return `${day}${when.time}${when.zone}`;
}
