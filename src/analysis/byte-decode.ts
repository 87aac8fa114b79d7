/**
 * The gap analysis's fastest line reader: the common JobLog lines (run.start, ok run.end, ok
 * attempt.end) read straight from the log's bytes, with times parsed from their digits and job
 * names found by a hash of their bytes, so such a line costs no string, no Date.parse and no
 * JSON.parse. Only pure-ASCII pieces come here (their bytes and text share offsets). A line that
 * is not exactly in JobLog's shape is left to quick-decode.ts (undefined), which decides it as
 * before: the results never depend on this shortcut (the tests compare both paths).
 */

import { at, bytesOf, digits, isoMs, ISO_LENGTH, quote } from './byte-scan.js';
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
  ): void;
  runServedAt(job: string, slotMs: number, tsMs: number, durationMs: number, trigger: string, runHash: number): void;
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
const CRON = bytesOf('cron');
const OK_OUTCOME = '"outcome":"ok"';

const DEGRADED = '"degraded":true';

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
  if (b[last] !== 125 /* } */ || !at(b, start, TS_KEY, last)) return undefined;
  const tsAt = start + TS_KEY.length;
  if (!at(b, tsAt + ISO_LENGTH, LEVEL_KEY, last)) return undefined;
  const levelEnd = quote(b, tsAt + ISO_LENGTH + LEVEL_KEY.length, last);
  if (levelEnd < 0 || !at(b, levelEnd, EVENT_KEY, last)) return undefined;
  const eventAt = levelEnd + EVENT_KEY.length;

  let fieldsAt: number;
  if (at(b, eventAt, ATTEMPT_END, last)) {
    // Only failed attempts matter (for the cause); in a flat record this text cannot sit inside a
    // string value (its quotes would be escaped there). Its time is not needed: only its shape.
    return b[tsAt + ISO_LENGTH - 1] === 90 /* Z */ && text.slice(eventAt, last).includes(OK_OUTCOME) ? true : undefined;
  } else if (at(b, eventAt, RUN_START, last)) {
    fieldsAt = eventAt + RUN_START.length - 1;
  } else if (at(b, eventAt, RUN_END, last)) {
    fieldsAt = eventAt + RUN_END.length - 1;
  } else return undefined;
  const tsMs = isoMs(b, tsAt, last);
  if (Number.isNaN(tsMs) || !at(b, fieldsAt, JOB_KEY, last)) return undefined;

  const jobAt = fieldsAt + JOB_KEY.length;
  let hash = 0;
  let jobEnd = jobAt;
  for (; jobEnd < last; jobEnd++) {
    const c = b[jobEnd];
    if (c === 34 /* " */) break;
    if (c === 92 /* \ */) return undefined;
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  if (!at(b, jobEnd, RUN_ID_KEY, last)) return undefined;
  const runIdEnd = quote(b, jobEnd + RUN_ID_KEY.length, last);
  if (runIdEnd < 0 || !at(b, runIdEnd, SLOT_KEY, last)) return undefined;
  const slotAt = runIdEnd + SLOT_KEY.length;
  const slotMs = isoMs(b, slotAt, last);
  if (Number.isNaN(slotMs) || !at(b, slotAt + ISO_LENGTH, TRIGGER_KEY, last)) return undefined;
  const triggerAt = slotAt + ISO_LENGTH + TRIGGER_KEY.length;
  const triggerEnd = quote(b, triggerAt, last);
  if (triggerEnd < 0) return undefined;
  const restAt = triggerEnd + 1;
  if (b[restAt] !== 44 /* , */ && b[restAt] !== 125 /* } */) return undefined;
  // a key JobLog writes once, written again later in the line: JSON.parse takes the last one, so
  // only the full parse may read such a line (a crafted log must not tell two stories)
  if (REPEATED_KEY.test(text.slice(restAt, last))) return undefined;
  const trigger =
    triggerEnd - triggerAt === CRON.length && at(b, triggerAt, CRON, last) ? 'cron' : text.slice(triggerAt, triggerEnd);
  const job = jobName(b, text, jobAt, jobEnd, hash);

  if (fieldsAt === eventAt + RUN_START.length - 1) {
    // JobLog writes the job's schedule and tz next (older records have neither)
    let schedule: string | undefined;
    let tz: string | undefined;
    if (at(b, restAt, SCHEDULE_KEY, last)) {
      const scheduleAt = restAt + SCHEDULE_KEY.length;
      const scheduleEnd = quote(b, scheduleAt, last);
      if (scheduleEnd < 0 || !at(b, scheduleEnd, TZ_KEY, last)) return undefined;
      const tzAt = scheduleEnd + TZ_KEY.length;
      const tzEnd = quote(b, tzAt, last);
      if (tzEnd < 0) return undefined;
      schedule = text.slice(scheduleAt, scheduleEnd);
      tz = text.slice(tzAt, tzEnd);
      if (schedule.includes('\\') || tz.includes('\\')) return undefined;
    }
    sink.runStartedAt(job, slotMs, tsMs, trigger, schedule, tz);
    return true;
  }
  // run.end as JobLog writes it: outcome first after the common fields, durationMs last (only
  // then are both surely top-level); served by a fallback (rare) is left to the full parse
  if (!at(b, restAt, OUTCOME_OK, last)) return undefined;
  const after = b[restAt + OUTCOME_OK.length];
  if (after !== 44 /* , */ && after !== 125 /* } */) return undefined;
  const durationMs = trailingNumber(b, text, restAt, last);
  if (durationMs === undefined || text.slice(restAt, last).includes(DEGRADED)) return undefined;
  // the run's id, for a skip elsewhere that names it (an escaped or non-ASCII id: the full parse)
  const runHash = runIdHashBytes(b, jobEnd + RUN_ID_KEY.length, runIdEnd);
  if (runHash === undefined) return undefined;
  sink.runServedAt(job, slotMs, tsMs, durationMs, trigger, runHash);
  return true;
}

// Job names by a hash of their bytes (checked byte by byte): a log names few jobs, over and over.
const names = new Map<number, string>();
function jobName(b: Buffer, text: string, from: number, to: number, hash: number): string {
  const known = names.get(hash);
  if (known !== undefined && known.length === to - from) {
    let same = true;
    for (let i = 0; i < known.length && same; i++) same = known.charCodeAt(i) === b[from + i];
    if (same) return known;
  }
  if (names.size >= 4096) names.clear();
  // a flat copy: a slice would keep the whole chunk of the log alive
  const name = Buffer.from(text.slice(from, to), 'latin1').toString('latin1');
  names.set(hash, name);
  return name;
}

/** The number in `,"durationMs":<number>}` ending at `last` (the closing brace), read backwards. */
function trailingNumber(b: Buffer, text: string, notBefore: number, last: number): number | undefined {
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
  if (from === last || from - DURATION_KEY.length < notBefore || !at(b, from - DURATION_KEY.length, DURATION_KEY, last))
    return undefined;
  if (whole && last - from <= 15) return digits(b, from, last - from);
  const n = Number(text.slice(from, last));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The common fields and a run.end's outcome: each may appear once, before `restAt` (outcome at it).
 * Tested on the text after `restAt`; a match sends the line to the full parse (quick-decode.ts too).
 */
export const REPEATED_KEY = /"(?:ts|event|job|runId|scheduledFor|trigger)":|(?<!^,)"outcome":/;
