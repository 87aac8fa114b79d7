/**
 * Option values beyond what commander parses itself: repeated options, and times and durations,
 * where a bad value is a usage error (exit 64) that names its flag. time.ts is small and imports
 * nothing, so this stays cheap to load.
 */
import { InvalidArgumentError } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { parseDuration, parseTimeArg } from '../time.js';
import { CliError } from './common.js';

/** What `parse` returns; what it throws becomes `<flag>: <message>`, exit 64. */
function flagValue<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`, ExitCode.usage);
  }
}

/** An ISO time or a duration before `now` (`45m`, `6h`, `2d`). */
export function timeFlag(flag: string, text: string, now: number | Date): Date {
  return flagValue(flag, () => parseTimeArg(text, now));
}

/** A duration (`90s`, `10m`; a bare number is ms). */
export function durationFlag(flag: string, text: string): number {
  return flagValue(flag, () => parseDuration(text));
}

/** A duration that must be more than 0 (a timeout, a hold). */
export function positiveDurationFlag(flag: string, text: string): number {
  const ms = durationFlag(flag, text);
  if (ms <= 0) throw new CliError(`${flag}: must be more than 0, got ${JSON.stringify(text)}`, ExitCode.usage);
  return ms;
}

/** Commander's argument parser for an option given more than once (`--job a --job b`): every value, in order. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Commander's argument parser for `--port` (serve, sim): 0-65535, 0 = any free port. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return port;
}
