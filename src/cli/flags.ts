/**
 * Option values beyond what commander parses itself: repeated options, and times and durations,
 * where a bad value is a usage error (exit 64) that names its flag. time.ts is small and imports
 * nothing, so this stays cheap to load.
 *
 * The rules every command shares (docs/commands.md states them):
 * - a duration takes a unit (`500ms`, `30s`, `10m`, `6h`, `2d`, `1h30m`); a bare number is refused,
 *   because `--since 6` or `--for 30` meant as hours or minutes silently became milliseconds;
 * - only flags documented in milliseconds (`probe --timeout`, `serve --grace`) also take a bare
 *   number, as ms, and refuse one below {@link BARE_MS_FLOOR} (`--grace 10` is surely seconds);
 * - an ISO time without an offset is UTC, like a date alone and like every time lucy-ops prints.
 */
import { InvalidArgumentError } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { MAX_TIMER_MS, parseDuration, parseTimeArg } from '../time.js';
import { CliError } from './common.js';

/** A bare number of ms below this is refused: no request, no grace is meant to be that short. */
export const BARE_MS_FLOOR = 100;

const BARE_NUMBER = /^\d+(?:\.\d+)?$/;
/** `-6`, `6 ago`: parseTimeArg's relative forms, reduced to their number. */
const BARE_AGO = /^-?\s*(\d+(?:\.\d+)?)(?:\s*ago)?$/i;
/** An ISO date and time with no `Z` or `±hh:mm`: JavaScript would read it in the host's TZ. */
const ZONELESS_ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/i;

function usage(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

/** What `parse` returns; what it throws becomes `<flag>: <message>`, exit 64. */
function flagValue<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw usage(`${flag}: ${(err as Error).message}`);
  }
}

/** An ISO time (no offset = UTC), `now`, or a duration before `now` with a unit (`45m`, `6h`, `2d`). */
export function timeFlag(flag: string, text: string, now: number | Date): Date {
  const s = text.trim();
  const bare = BARE_AGO.exec(s);
  if (bare) throw usage(`${flag} ${text}: add a unit (${bare[1]}m, ${bare[1]}h, ${bare[1]}d) or give an ISO time`);
  const zoneless = ZONELESS_ISO.exec(s);
  return flagValue(flag, () => parseTimeArg(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : s, now));
}

/** A duration with a unit (`90s`, `10m`, `1h30m`); a bare number is a usage error. */
export function durationFlag(flag: string, text: string): number {
  const s = text.trim();
  if (BARE_NUMBER.test(s)) throw usage(`${flag} ${text}: add a unit (${s}s, ${s}m, ${s}h; also ms and d)`);
  return flagValue(flag, () => parseDuration(s));
}

/** A duration that must be more than 0 (a timeout, a hold). */
export function positiveDurationFlag(flag: string, text: string): number {
  return positive(flag, text, durationFlag(flag, text));
}

/** A positive duration that a timer waits out (`run --timeout`): at most ~24.8 days. */
export function timerDurationFlag(flag: string, text: string): number {
  return timer(flag, text, positiveDurationFlag(flag, text));
}

/**
 * A flag documented in milliseconds: a bare number is ms (at least {@link BARE_MS_FLOOR}, or 0
 * when `allowZero`), and a duration with a unit is read as any other. With a unit, a short value
 * is taken as meant (`50ms`).
 */
export function msFlag(flag: string, text: string, opts: { allowZero?: boolean } = {}): number {
  const s = text.trim();
  if (!BARE_NUMBER.test(s)) {
    const ms = durationFlag(flag, s);
    return timer(flag, text, opts.allowZero ? ms : positive(flag, text, ms));
  }
  const ms = Number(s);
  if (ms === 0 && opts.allowZero) return 0;
  if (!Number.isInteger(ms))
    throw usage(`${flag} ${text}: a bare number is whole milliseconds here; add a unit for anything else (${s}s)`);
  if (ms < BARE_MS_FLOOR) {
    throw usage(
      `${flag} ${text}: a bare number is milliseconds here, and ${s} ms is surely not meant: write ${s}s (or ${s}ms if you do mean it)`,
    );
  }
  return timer(flag, text, ms);
}

/** Timers (timeouts, graces) fire at once past 2^31-1 ms: refuse such a value instead. */
function timer(flag: string, text: string, ms: number): number {
  if (ms > MAX_TIMER_MS)
    throw usage(`${flag} ${text}: at most 24d (a Node timer cannot wait longer; it would fire at once)`);
  return ms;
}

function positive(flag: string, text: string, ms: number): number {
  if (ms <= 0) throw usage(`${flag}: must be more than 0, got ${JSON.stringify(text)}`);
  return ms;
}

/** Commander's argument parser for an option given more than once (`--job a --job b`): every value, in order. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Commander's argument parser for `--port` (serve, sim): 0-65535, 0 = any free port. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return port;
}
