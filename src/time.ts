/**
 * Time arguments of the CLI (`--since`, `--until`, `--slot`, `--for`, `--grace`): ISO 8601 or a
 * relative duration such as `45m`, `6h`, `2d` (meaning that long before now).
 */

/** The longest wait a Node timer holds (2^31-1 ms, ~24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** One or more `<number><unit>` parts, e.g. `90s`, `1h30m`, `1.5h`, `2d`. */
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
/** ISO 8601 as `Date.parse` reads it: a date, optionally a time and an offset. */
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Milliseconds of a duration: `45m`, `6h`, `2d`, `1h30m`, `500ms`; a bare integer is milliseconds.
 * Throws an Error whose message says what is accepted.
 */
export function parseDuration(text: string): number {
  const s = text.trim().toLowerCase();
  if (/^\d+$/.test(s)) return Number(s);
  if (!DURATION_RE.test(s)) {
    throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 45m, 6h, 2d, 1h30m)`);
  }
  let total = 0;
  for (const [, n, unit] of s.matchAll(PART_RE)) total += Number(n) * UNIT_MS[unit];
  return Math.round(total);
}

/**
 * A point in time: ISO 8601 (`2026-04-19T14:00:00Z`; without an offset it is local time, as in
 * JavaScript), `now`, or a duration before `now` (`45m`, `6h`, `2d`). The CLI goes through
 * cli/flags.ts, which reads a zone-less time as UTC and refuses a bare number.
 */
export function parseTimeArg(text: string, now: number | Date): Date {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const s = text.trim();
  if (s.toLowerCase() === 'now') return new Date(nowMs);
  if (ISO_RE.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t);
  } else {
    try {
      return new Date(nowMs - parseDuration(s.replace(/^-/, '').replace(/\s*ago$/i, '')));
    } catch {
      // fall through to the message below, which names both forms
    }
  }
  throw new Error(
    `not a time: ${JSON.stringify(text)} (use ISO 8601 like 2026-04-19T14:00:00Z, or a duration ago like 45m, 6h, 2d)`,
  );
}

/**
 * A short human duration: `850ms`, `12s`, `45m`, `1h 5m`, `2d 3h`. Two units at most, rounded to
 * the smaller one shown (1h 59m 59.8s is `2h`, not `1h 59m`), so two views of one instant whose
 * clocks are a few ms apart (status, breaker status) print the same.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const units = [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const;
  const top = units.findIndex(([, size]) => rest >= size);
  const step = units[Math.min(top + 1, units.length - 1)][1];
  rest = Math.round(rest / step) * step;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  const shown = parts.slice(0, 2).filter((p, i) => i === 0 || !p.startsWith('0'));
  return sign + shown.join(' ');
}

/** An ISO time as one would type it after --since: "2026-04-19T12:00Z" (no zero seconds or milliseconds). */
export function timeArg(iso: string): string {
  return iso.replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}
