/**
 * The gap analysis's fastest line reader: the common JobLog lines (run.start, ok run.end, ok
 * attempt.end) read straight from the log's bytes, with times parsed from their digits and job
 * names found by a hash of their bytes, so such a line costs no string, no Date.parse and no
 * JSON.parse. Only pure-ASCII pieces come here (their bytes and text share offsets). A line that
 * is not exactly in JobLog's shape is left to quick-decode.ts (undefined), which decides it as
 * before: the results never depend on this shortcut (the tests compare both paths).
 */

import { atView, bytesOf, digits, isoMs, ISO_LENGTH, known, quote, sameText, viewOf, type Key } from './byte-scan.js';
import { failedAttemptCause } from './byte-attempt.js';
import { runIdHashBytes } from './serve-ids.js';

/** Where byte-decoded lines go (SlotLedger implements it): times as epoch ms. */
export interface GapByteSink {
  runStartedAt(
    job: string,
    slotMs: number,
    tsMs: number,
    trigger: string,
    schedule: string | undefined,
    tz: string | undefined,
    /** The `deadlineMs` it records (its last field), else undefined. */
    boundMs?: number,
  ): void;
  /** `degradedBy`: the fallback provider that served it (`degraded: true`), else undefined. */
  runServedAt(
    job: string,
    slotMs: number,
    tsMs: number,
    durationMs: number,
    trigger: string,
    runHash: number,
    degradedBy: string | undefined,
  ): void;
  /** A failed attempt of a run (`cause`: its cause.ts key). */
  attemptFailedAt(job: string, slotMs: number, tsMs: number, trigger: string, cause: string): void;
}

const TS_KEY = bytesOf('{"ts":"');
const LEVEL_KEY = bytesOf('","level":"');
const EVENT_KEY = bytesOf('","event":"');
const ATTEMPT_END = bytesOf('attempt.end"');
const RUN_START = bytesOf('run.start"');
const RUN_END = bytesOf('run.end"');
const JOB_KEY = bytesOf('","job":"');
const RUN_ID_KEY = bytesOf('","runId":"');
const SLOT_KEY = bytesOf('","scheduledFor":"');
const TRIGGER_KEY = bytesOf('","trigger":"');
const SCHEDULE_KEY = bytesOf(',"schedule":"');
const TZ_KEY = bytesOf('","tz":"');
const OUTCOME_OK = bytesOf(',"outcome":"ok"');
const DURATION_KEY = bytesOf(',"durationMs":');
const DEADLINE_KEY = bytesOf(',"deadlineMs":');
const CRON = bytesOf('cron');
/** `{"ts":"` + a time + `","level":"`: where every JobLog line's level begins. */
const LEVEL_AT = TS_KEY.length + ISO_LENGTH + LEVEL_KEY.length;

/**
 * Feed the line `text[start, end)` (the same characters as `b[start, end)`) to `sink`: true when
 * it was a record, undefined when it is not in JobLog's common shape (the caller decodes it).
 */
export function decodeGapBytes(
  b: Buffer,
  text: string,
  start: number,
  end: number,
  sink: GapByteSink,
): true | undefined {
  const last = end - 1;
  const view = viewOf(b);
  if (
    b[last] !== 125 /* } */ ||
    !atView(view, start, TS_KEY, last) ||
    !atView(view, start + TS_KEY.length + ISO_LENGTH, LEVEL_KEY, last)
  )
    return undefined;
  const levelEnd = quote(b, start + LEVEL_AT, last);
  if (levelEnd < 0 || !atView(view, levelEnd, EVENT_KEY, last)) return undefined;
  const eventAt = levelEnd + EVENT_KEY.length;
  if (atView(view, eventAt, ATTEMPT_END, last)) {
    // Only failed attempts matter (for the cause); in a flat record this text cannot sit inside a
    // string value (its quotes would be escaped there). Its time is not needed: only its shape.
    if (
      b[start + TS_KEY.length + ISO_LENGTH - 1] === 90 /* Z */ &&
      okOutcomeIn(text, eventAt + ATTEMPT_END.length, last) &&
      onlyOutcome(text, start, last)
    )
      return true;
    // a failed one: its cause, when the line is in JobLog's exact shape
    return runLine(b, view, text, start, eventAt + ATTEMPT_END.length - 1, last, FAILED_ATTEMPT, sink);
  }
  if (atView(view, eventAt, RUN_START, last))
    return runLine(b, view, text, start, eventAt + RUN_START.length - 1, last, RUN_START_LINE, sink);
  if (atView(view, eventAt, RUN_END, last))
    return runLine(b, view, text, start, eventAt + RUN_END.length - 1, last, RUN_END_LINE, sink);
  return undefined;
}

const RUN_START_LINE = 0;
const RUN_END_LINE = 1;
const FAILED_ATTEMPT = 2;

/** A run.start, run.end or failed attempt.end line (`kind`) from its fields after the event (`fieldsAt`: `,"job":"`). */
function runLine(
  b: Buffer,
  view: DataView,
  text: string,
  start: number,
  fieldsAt: number,
  last: number,
  kind: number,
  sink: GapByteSink,
): true | undefined {
  const tsMs = isoMs(b, start + TS_KEY.length, last);
  if (Number.isNaN(tsMs) || !atView(view, fieldsAt, JOB_KEY, last)) return undefined;
  const jobAt = fieldsAt + JOB_KEY.length;
  let hash = 0;
  let jobEnd = jobAt;
  for (; jobEnd < last; jobEnd++) {
    const c = b[jobEnd];
    if (c === 34 /* " */) break;
    if (c === 92 /* \ */) return undefined;
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  if (!atView(view, jobEnd, RUN_ID_KEY, last)) return undefined;
  const runIdEnd = quote(b, jobEnd + RUN_ID_KEY.length, last);
  if (runIdEnd < 0 || !atView(view, runIdEnd, SLOT_KEY, last)) return undefined;
  const slotAt = runIdEnd + SLOT_KEY.length;
  const slotMs = isoMs(b, slotAt, last);
  if (Number.isNaN(slotMs) || !atView(view, slotAt + ISO_LENGTH, TRIGGER_KEY, last)) return undefined;
  const triggerAt = slotAt + ISO_LENGTH + TRIGGER_KEY.length;
  const triggerEnd = quote(b, triggerAt, last);
  if (triggerEnd < 0) return undefined;
  const restAt = triggerEnd + 1;
  if (b[restAt] !== 44 /* , */ && b[restAt] !== 125 /* } */) return undefined;

  if (kind === FAILED_ATTEMPT) {
    const cause = failedAttemptCause(b, view, text, restAt, last);
    if (cause === undefined) return undefined;
    sink.attemptFailedAt(
      jobName(b, text, jobAt, jobEnd, hash),
      slotMs,
      tsMs,
      triggerOf(b, view, text, triggerAt, triggerEnd, last),
      cause,
    );
    return true;
  }
  if (kind === RUN_START_LINE) {
    // a key JobLog writes once, written again later in the line: JSON.parse takes the last one, so
    // only the full parse may read such a line (a crafted log must not tell two stories)
    if (foundInLine(START_REST, text, restAt, last)) return undefined;
    // JobLog writes the job's schedule and tz next (older records have neither)
    let schedule: string | undefined;
    let tz: string | undefined;
    if (atView(view, restAt, SCHEDULE_KEY, last)) {
      const scheduleAt = restAt + SCHEDULE_KEY.length;
      const scheduleEnd = quote(b, scheduleAt, last);
      if (scheduleEnd < 0 || !atView(view, scheduleEnd, TZ_KEY, last)) return undefined;
      const tzAt = scheduleEnd + TZ_KEY.length;
      const tzEnd = quote(b, tzAt, last);
      if (tzEnd < 0) return undefined;
      schedule = known(schedules, b, text, scheduleAt, scheduleEnd);
      tz = known(zones, b, text, tzAt, tzEnd);
    }
    sink.runStartedAt(
      jobName(b, text, jobAt, jobEnd, hash),
      slotMs,
      tsMs,
      triggerOf(b, view, text, triggerAt, triggerEnd, last),
      schedule,
      tz,
      // the run's bound, written last by run-slot.ts (older records have none)
      trailingNumber(b, view, text, restAt, last, DEADLINE_KEY),
    );
    return true;
  }
  // run.end as JobLog writes it: outcome first after the common fields, durationMs last (only
  // then are both surely top-level); a common key written again is left to the full parse
  if (!atView(view, restAt, OUTCOME_OK, last)) return undefined;
  const afterAt = restAt + OUTCOME_OK.length;
  const after = b[afterAt];
  if (after !== 44 /* , */ && after !== 125 /* } */) return undefined;
  let degradedBy: string | undefined;
  if (foundInLine(END_REST, text, afterAt, last)) {
    // served by a fallback (`"degraded":true`): read here only in a flat line that says it once
    const degradedAt = END_REST.lastIndex - DEGRADED_TRUE.length;
    if (!text.startsWith(DEGRADED_TRUE, degradedAt)) return undefined; // a common key again
    degradedBy = fallbackOf(b, text, afterAt, degradedAt, last);
    if (degradedBy === undefined) return undefined;
  }
  const durationMs = trailingNumber(b, view, text, afterAt, last, DURATION_KEY);
  if (durationMs === undefined) return undefined;
  // the run's id, for a skip elsewhere that names it (an escaped or non-ASCII id: the full parse)
  const runHash = runIdHashBytes(b, jobEnd + RUN_ID_KEY.length, runIdEnd);
  if (runHash === undefined) return undefined;
  sink.runServedAt(
    jobName(b, text, jobAt, jobEnd, hash),
    slotMs,
    tsMs,
    durationMs,
    triggerOf(b, view, text, triggerAt, triggerEnd, last),
    runHash,
    degradedBy,
  );
  return true;
}

const DEGRADED_TRUE = '"degraded":true';
const DEGRADED_KEY = '"degraded":';
const PROVIDER_KEY = ',"provider":"';
const providers: string[] = [];

/**
 * The provider of an ok run.end with `"degraded":true` at `degradedAt` (after `from`, the end of
 * its `"outcome":"ok"`): undefined unless the line reads one way only: `degraded` a top-level key
 * written once (no object in the rest of the line, no second `"degraded":`, no common key after
 * it), and one `"provider"` key whose value is a plain string. JSON.parse keeps the last of
 * repeated keys, and a nested object may hold keys of its own, so any other line goes to the full
 * parse (which reads a missing provider as "a fallback").
 */
function fallbackOf(b: Buffer, text: string, from: number, degradedAt: number, last: number): string | undefined {
  const next = text.charCodeAt(degradedAt + DEGRADED_TRUE.length);
  if (text.charCodeAt(degradedAt - 1) !== 44 /* , */ || (next !== 44 && next !== 125)) return undefined;
  if (foundInLine(END_REST, text, degradedAt + DEGRADED_TRUE.length, last)) return undefined;
  const nested = text.indexOf('{', from);
  if (nested >= 0 && nested < last) return undefined;
  const again = text.indexOf(DEGRADED_KEY, from);
  if (again !== degradedAt) return undefined;
  const later = text.indexOf(DEGRADED_KEY, degradedAt + 1);
  if (later >= 0 && later < last) return undefined;
  const keyAt = text.indexOf(PROVIDER_KEY, from);
  if (keyAt < 0 || keyAt >= last) return undefined;
  const second = text.indexOf('"provider":', keyAt + 2);
  if (second >= 0 && second < last) return undefined;
  const valueAt = keyAt + PROVIDER_KEY.length;
  const valueEnd = quote(b, valueAt, last);
  if (valueEnd < 0) return undefined;
  return known(providers, b, text, valueAt, valueEnd);
}

function triggerOf(b: Buffer, view: DataView, text: string, at: number, end: number, last: number): string {
  return end - at === CRON.length && atView(view, at, CRON, last) ? 'cron' : text.slice(at, end);
}

/**
 * After a run.start's common fields: any of them again (with `outcome`, which a run.start does not
 * have). After a run.end's `,"outcome":"ok"`: any of them again, or `"degraded":true`. In a flat
 * record these texts cannot sit inside a string value (their quotes would be escaped there).
 */
const START_REST = /"(?:ts|event|job|runId|scheduledFor|trigger|outcome)":/g;
const END_REST = /"(?:ts|event|job|runId|scheduledFor|trigger|outcome)":|"degraded":true/g;

/**
 * Whether `re` matches in `text[from, last)`, without a string for the line: the search may run on
 * into the next line (its `"ts":` stops it there), and a match that ends after `last` is past the
 * line's closing brace, so in a later line (no pattern holds a `}` or a newline).
 */
function foundInLine(re: RegExp, text: string, from: number, last: number): boolean {
  re.lastIndex = from;
  return re.test(text) && re.lastIndex <= last;
}

/**
 * Whether `"outcome":"ok"` is in `text[from, last)`. The search runs on past the line to the next
 * match, which is remembered: the lines before it need no search of their own (a long run of
 * failed attempts is searched once, not once per line).
 */
// (searched without its first quote: quotes are everywhere, so a search for one stops at each)
const OK_OUTCOME = 'outcome":"ok"';
const OUTCOME_KEY = 'outcome":"';
let okText = '';
let okFrom = 0;
let okAt = -1;
function okOutcomeIn(text: string, from: number, last: number): boolean {
  if (text !== okText || from < okFrom || (okAt >= 0 && okAt < from)) {
    okText = text;
    okFrom = from;
    okAt = text.indexOf(OK_OUTCOME, from);
  }
  // the quote before it is in the line too: the pattern begins one character after `from` at least
  return okAt > from && okAt + OK_OUTCOME.length <= last && text.charCodeAt(okAt - 1) === 34; /* " */
}

/**
 * Whether the ok outcome found is the line's only outcome and sits at its top level: JSON.parse
 * keeps the last of repeated keys, and an object value may hold an `"outcome":"ok"` of its own, so
 * a line with a second outcome key or a nested object goes to the full parse (where a failed
 * attempt's cause is read as JSON.parse reads it). Each search stops at the next line at the latest.
 */
function onlyOutcome(text: string, start: number, last: number): boolean {
  const second = text.indexOf(OUTCOME_KEY, okAt + OK_OUTCOME.length);
  if (second >= 0 && second < last) return false;
  const first = text.indexOf(OUTCOME_KEY, start);
  if (first !== okAt) return false;
  const nested = text.indexOf('{', start + 1);
  return nested < 0 || nested > last;
}

// Job names by a hash of their bytes (checked byte by byte): a log names few jobs, over and over.
// A table indexed by the hash's low bits, and behind it every name seen (two names that share a
// place in the table take turns in it without being made again).
const NAME_SLOTS = 1024;
const recent: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
const names = new Map<number, string>();
function jobName(b: Buffer, text: string, from: number, to: number, hash: number): string {
  const at = hash & (NAME_SLOTS - 1);
  const first = recent[at];
  if (first !== undefined && sameText(first, b, from, to)) return first;
  const known = names.get(hash);
  if (known !== undefined && sameText(known, b, from, to)) return (recent[at] = known);
  if (names.size >= 4096) names.clear();
  // a flat copy: a slice would keep the whole chunk of the log alive
  const name = Buffer.from(text.slice(from, to), 'latin1').toString('latin1');
  names.set(hash, name);
  return (recent[at] = name);
}

// Schedules and time zones as run.start lines name them, providers as degraded ends name them.
const schedules: string[] = [];
const zones: string[] = [];

/** The number in `<key><number>}` (`,"durationMs":`, …) ending at `last` (the closing brace), read backwards. */
function trailingNumber(
  b: Buffer,
  view: DataView,
  text: string,
  notBefore: number,
  last: number,
  key: Key,
): number | undefined {
  let from = last;
  let whole = true; // digits only: read here; anything else: Number() decides
  while (from > notBefore) {
    const c = b[from - 1];
    if (c >= 48 && c <= 57) from--;
    else if (c === 46 || c === 45 || c === 43 || c === 101 || c === 69 /* . - + e E */) {
      whole = false;
      from--;
    } else break;
  }
  if (from === last || from - key.length < notBefore || !atView(view, from - key.length, key, last)) return undefined;
  if (whole && last - from <= 15) return digits(b, from, last - from);
  const n = Number(text.slice(from, last));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The common fields and a run.end's outcome: each may appear once, before `restAt` (outcome at it).
 * Tested on the text after `restAt`; a match sends the line to the full parse (quick-decode.ts).
 */
export const REPEATED_KEY = /"(?:ts|event|job|runId|scheduledFor|trigger)":|(?<!^,)"outcome":/;
