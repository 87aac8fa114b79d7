/**
 * The field checks every config section shares: each reads one field, collects a problem as
 * "path: what is wrong" (the path from the config's root, e.g. `retry.attempts`) and hands back a
 * usable value, so one run of validation names every bad field at once.
 */
import { MAX_TIMER_MS } from '../time.js';

export type Obj = Record<string, unknown>;

/** `retry.attempts`, or `deadlineMs` for a top-level field (at is ''). */
export const field = (at: string, key: string): string => (at ? `${at}.${key}` : key);
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A breaker cooldown longer than a year is a slip (and a huge one overflows the dates it sets). */
export const MAX_COOLDOWN_MS = 365 * 86_400_000;
const MAX_NOTES = new Map([
  [MAX_TIMER_MS, ' (about 24.8 days: longer timers fire at once in Node)'],
  [MAX_COOLDOWN_MS, ' (a year)'],
]);

/** A value as a problem quotes it: short strings whole, anything else by its kind. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

export class Checker {
  problems: string[] = [];
  bad(at: string, what: string): void {
    this.problems.push(`${at}: ${what}`);
  }
  str(o: Obj, key: string, at: string, required = false): string | undefined {
    const v = o[key];
    if (v === undefined) {
      if (required) this.bad(field(at, key), 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.bad(field(at, key), `must be a non-empty string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  num(
    o: Obj,
    key: string,
    at: string,
    dflt: number,
    min: number,
    integer = true,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      this.bad(field(at, key), `must be ${integer ? 'a whole number' : 'a number'}, got ${describe(v)}`);
      return dflt;
    }
    if (v < min) {
      this.bad(field(at, key), `must be at least ${min}, got ${v}`);
      return dflt;
    }
    if (v > max) {
      this.bad(field(at, key), `must be at most ${max}${MAX_NOTES.get(max) ?? ''}, got ${v}`);
      return dflt;
    }
    return v;
  }
  bool(o: Obj, key: string, at: string, dflt: boolean): boolean {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.bad(field(at, key), `must be true or false, got ${describe(v)}`);
      return dflt;
    }
    return v;
  }
  /** `argv`: the array is a command line, run without a shell (so a string is a common slip). */
  strArray(o: Obj, key: string, at: string, argv = false): string[] | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (argv && typeof v === 'string' && v.trim() !== '') {
      const words = JSON.stringify(v.trim().split(/\s+/)).replaceAll('","', '", "');
      this.bad(
        field(at, key),
        `must be an array: the command and its arguments, run without a shell (e.g. ${words}), got ${describe(v)}`,
      );
      return undefined;
    }
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s === '')) {
      this.bad(field(at, key), `must be a non-empty array of non-empty strings, got ${describe(v)}`);
      return undefined;
    }
    return v as string[];
  }
  unknownKeys(o: Obj, allowed: readonly string[], at: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.bad(field(at, k), `is not a known field (known: ${allowed.join(', ')})`);
    }
  }
}
