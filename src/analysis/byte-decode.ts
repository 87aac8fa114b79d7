/**
 * The gap analysis's fastest line reader: the common JobLog lines (run.start, ok run.end, ok
 * attempt.end) read straight from the log's bytes, with times parsed from their digits and job
 * names found by a hash of their bytes, so such a line costs no string, no Date.parse and no
 * JSON.parse. Only pure-ASCII pieces come here (their bytes and text share offsets). A line that
 * is not exactly in JobLog's shape is left to quick-decode.ts (undefined), which decides it as
 * before: the results never depend on this shortcut (the tests compare both paths).
 */

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
  runServedAt(job: string, slotMs: number, tsMs: number, durationMs: number, trigger: string): void;
}

const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
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
/** `2026-04-19T14:15:00.000Z`: the length of every time JobLog writes. */
const ISO_LENGTH = 24;

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
  sink.runServedAt(job, slotMs, tsMs, durationMs, trigger);
  return true;
}

/** Whether `b` holds `key` at `pos`, ending before `last`. */
function at(b: Buffer, pos: number, key: Uint8Array, last: number): boolean {
  const n = key.length;
  if (pos + n > last) return false;
  for (let i = 0; i < n; i++) if (b[pos + i] !== key[i]) return false;
  return true;
}

/** The next `"` from `pos`, before `last`; -1 when none, or when a `\` comes first. */
function quote(b: Buffer, pos: number, last: number): number {
  for (let i = pos; i < last; i++) {
    const c = b[i];
    if (c === 34) return i;
    if (c === 92) return -1;
  }
  return -1;
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

// The day part of the last time read, and its epoch ms: a log's times share their day in runs.
let lastDayKey = -1;
let lastDayMs = 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` at `pos` (followed by `"`) as epoch ms, the value Date.parse gives;
 * NaN for anything else (even what Date.parse would accept: the text path decides those).
 */
function isoMs(b: Buffer, pos: number, last: number): number {
  if (pos + ISO_LENGTH >= last || b[pos + ISO_LENGTH] !== 34) return NaN;
  if (
    b[pos + 4] !== 45 /* - */ ||
    b[pos + 7] !== 45 ||
    b[pos + 10] !== 84 /* T */ ||
    b[pos + 13] !== 58 /* : */ ||
    b[pos + 16] !== 58 ||
    b[pos + 19] !== 46 /* . */ ||
    b[pos + 23] !== 90 /* Z */
  )
    return NaN;
  const year = digits(b, pos, 4);
  const month = digits(b, pos + 5, 2);
  const day = digits(b, pos + 8, 2);
  const hour = digits(b, pos + 11, 2);
  const minute = digits(b, pos + 14, 2);
  const second = digits(b, pos + 17, 2);
  const ms = digits(b, pos + 20, 3);
  if ((year | month | day | hour | minute | second | ms) < 0 || hour > 23 || minute > 59 || second > 59) return NaN;
  const dayKey = year * 10000 + month * 100 + day;
  if (dayKey !== lastDayKey) {
    // years below 1000 are left to Date.parse (Date.UTC reads 0–99 as 1900–1999)
    if (year < 1000 || month < 1 || month > 12 || day < 1) return NaN;
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
    if (day > DAYS_IN_MONTH[month - 1] + leap) return NaN;
    lastDayKey = dayKey;
    lastDayMs = Date.UTC(year, month - 1, day);
  }
  return lastDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The decimal number of `n` digits at `pos`; -1 if any is not a digit. */
function digits(b: Buffer, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[pos + i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
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
