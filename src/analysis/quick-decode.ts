/**
 * The gap analysis's line reader. Lines written by JobLog start with the same seven fields in the
 * same order (`{"ts":..,"level":..,"event":..,"job":..,"runId":..,"scheduledFor":..,"trigger":..`),
 * so the common lines (run.start, ok run.end, ok attempts) are handled with a few indexOf calls on
 * the chunk's text, without a string or an object per line. Anything unusual (escapes, another
 * writer's key order, failed runs and attempts, rare events, `jobs.seen`) takes the full JSON.parse path, so
 * results never depend on the shortcut (the tests compare both).
 */
import type { LogRecord } from '../log/types.js';
import { looksLikeObject, toRecord } from '../log/reader.js';
import { decodeGapBytes, REPEATED_KEY, type GapByteSink } from './byte-decode.js';

/** Where decoded lines go (SlotLedger implements it). */
export interface GapSink extends GapByteSink {
  add(record: LogRecord): void;
  runStarted(
    job: string,
    scheduledFor: string,
    ts: string,
    trigger: string,
    schedule: string | undefined,
    tz: string | undefined,
    boundMs?: number,
  ): void;
  runServed(job: string, scheduledFor: string, ts: string, durationMs: number, trigger: string, runId: string): void;
}

const OK_OUTCOME = '"outcome":"ok"';
const DEGRADED = '"degraded":true';

/**
 * Feed the line `text[start, end)` to `sink`; false when it is not a record (to be counted as
 * skipped). `bytes`: the same characters at the same offsets, read first by byte-decode.ts.
 */
export function decodeGapLine(text: string, start: number, end: number, sink: GapSink, bytes?: Buffer): boolean {
  if (bytes !== undefined && decodeGapBytes(bytes, text, start, end, sink)) return true;
  const last = end - 1;
  if (text.charCodeAt(last) !== 125 /* } */ || !text.startsWith('{"ts":"', start))
    return slowPath(text.slice(start, end), sink);
  // ts, level, event: find the event without reading further
  const tsEnd = text.indexOf('"', start + 7);
  if (tsEnd < 0 || tsEnd >= last || !text.startsWith('","level":"', tsEnd))
    return slowPath(text.slice(start, end), sink);
  const levelEnd = text.indexOf('"', tsEnd + 11);
  if (levelEnd < 0 || levelEnd >= last || !text.startsWith('","event":"', levelEnd))
    return slowPath(text.slice(start, end), sink);
  const at = levelEnd + 11;

  let fieldsAt: number;
  if (text.startsWith('attempt.end"', at)) {
    // Only failed attempts matter (for the cause). Attempt records are flat, and in a flat record
    // this text cannot sit inside a string value (its quotes would be escaped there).
    return text.slice(at, last).includes(OK_OUTCOME) ? true : full(text.slice(start, end), sink);
  } else if (text.startsWith('run.start"', at)) {
    fieldsAt = at + 9;
  } else if (text.startsWith('run.end"', at)) {
    fieldsAt = at + 7;
  } else {
    // jobs.seen (the watchdog's note of new job names) and alert.sent (a watchdog's alert says when
    // it looked at the config): judging needs them, so the full parse reads them
    if (
      text.startsWith('run.', at) ||
      text.startsWith('attempt.', at) ||
      text.startsWith('jobs.seen"', at) ||
      text.startsWith('alert.sent"', at)
    )
      return full(text.slice(start, end), sink);
    // breaker.*, probe, alert.*: rare lines gaps does not use, parsed only so a garbled one is counted
    return toRecord(text.slice(start, end)) !== undefined;
  }

  // job, runId, scheduledFor, trigger, in that order
  if (!text.startsWith('","job":"', fieldsAt)) return full(text.slice(start, end), sink);
  const jobAt = fieldsAt + 9;
  const jobEnd = text.indexOf('"', jobAt);
  if (jobEnd < 0 || jobEnd >= last || !text.startsWith('","runId":"', jobEnd))
    return full(text.slice(start, end), sink);
  const runIdEnd = text.indexOf('"', jobEnd + 11);
  if (runIdEnd < 0 || runIdEnd >= last || !text.startsWith('","scheduledFor":"', runIdEnd))
    return full(text.slice(start, end), sink);
  const slotAt = runIdEnd + 18;
  const slotEnd = text.indexOf('"', slotAt);
  if (slotEnd < 0 || slotEnd >= last || !text.startsWith('","trigger":"', slotEnd))
    return full(text.slice(start, end), sink);
  const triggerAt = slotEnd + 13;
  const triggerEnd = text.indexOf('"', triggerAt);
  if (triggerEnd < 0 || triggerEnd >= last) return full(text.slice(start, end), sink);
  const restAt = triggerEnd + 1;
  const next = text.charCodeAt(restAt);
  if (next !== 44 /* , */ && next !== 125 /* } */) return full(text.slice(start, end), sink);
  const job = text.slice(jobAt, jobEnd);
  // An escaped quote ends a value early and fails a key check above; any other escape: parse fully.
  if (job.includes('\\')) return full(text.slice(start, end), sink);
  const scheduledFor = text.slice(slotAt, slotEnd);

  // a key JobLog writes once, written again later in the line: JSON.parse takes the last one, so
  // only the full parse may read such a line (a crafted log must not tell two stories)
  if (REPEATED_KEY.test(text.slice(restAt, last))) return full(text.slice(start, end), sink);
  if (fieldsAt === at + 9) {
    // JobLog writes the job's schedule and tz next (older records have neither)
    let schedule: string | undefined;
    let tz: string | undefined;
    if (text.startsWith(',"schedule":"', restAt)) {
      const scheduleAt = restAt + 13;
      const scheduleEnd = text.indexOf('"', scheduleAt);
      if (scheduleEnd < 0 || scheduleEnd >= last || !text.startsWith('","tz":"', scheduleEnd))
        return full(text.slice(start, end), sink);
      const tzAt = scheduleEnd + 8;
      const tzEnd = text.indexOf('"', tzAt);
      if (tzEnd < 0 || tzEnd >= last) return full(text.slice(start, end), sink);
      schedule = text.slice(scheduleAt, scheduleEnd);
      tz = text.slice(tzAt, tzEnd);
      if (schedule.includes('\\') || tz.includes('\\')) return full(text.slice(start, end), sink);
    }
    sink.runStarted(
      job,
      scheduledFor,
      text.slice(start + 7, tsEnd),
      text.slice(triggerAt, triggerEnd),
      schedule,
      tz,
      // the run's bound, written last by run-slot.ts (older records have none)
      trailingNumber(text, ',"deadlineMs":', restAt, last),
    );
    return true;
  }
  // run.end as JobLog writes it: outcome first after the common fields, durationMs last. Only then
  // are both surely top-level; any other shape (or a failed/skipped end: rare) is parsed fully.
  if (!text.startsWith(',"outcome":"ok"', restAt)) return full(text.slice(start, end), sink);
  const after = text.charCodeAt(restAt + 15);
  if (after !== 44 /* , */ && after !== 125 /* } */) return full(text.slice(start, end), sink);
  const durationMs = trailingNumber(text, ',"durationMs":', restAt, last);
  if (durationMs === undefined) return full(text.slice(start, end), sink);
  // served by a fallback (rare: only during an outage): the full parse gives provider and degraded
  if (text.slice(restAt, last).includes(DEGRADED)) return full(text.slice(start, end), sink);
  const runId = text.slice(jobEnd + 11, runIdEnd);
  if (runId.includes('\\')) return full(text.slice(start, end), sink);
  sink.runServed(job, scheduledFor, text.slice(start + 7, tsEnd), durationMs, text.slice(triggerAt, triggerEnd), runId);
  return true;
}

/** The number in `<key><number>}` ending at `last` (the closing brace), read backwards. */
function trailingNumber(text: string, key: string, notBefore: number, last: number): number | undefined {
  let start = last;
  while (start > notBefore) {
    const c = text.charCodeAt(start - 1);
    if (
      (c >= 48 && c <= 57) ||
      c === 46 /* . */ ||
      c === 45 /* - */ ||
      c === 43 /* + */ ||
      c === 101 /* e */ ||
      c === 69 /* E */
    )
      start--;
    else break;
  }
  if (start === last || start - key.length < notBefore || !text.startsWith(key, start - key.length)) return undefined;
  const n = Number(text.slice(start, last));
  return Number.isFinite(n) ? n : undefined;
}

function full(line: string, sink: GapSink): boolean {
  const record = toRecord(line);
  if (!record) return false;
  sink.add(record);
  return true;
}

/**
 * Not in JobLog's shape (hand-written or foreign lines: rare, so parsing them costs nothing that
 * matters): parse it if it may matter to gaps; otherwise it is still only a record when it is an
 * object with `ts` and `event` (`{}` or `{"weird":1}` are counted as skipped lines).
 */
function slowPath(line: string, sink: GapSink): boolean {
  if (
    line.includes('run.end') ||
    line.includes('run.start') ||
    line.includes('attempt.end') ||
    line.includes('jobs.seen') ||
    line.includes('alert.sent')
  )
    return full(line, sink);
  return looksLikeObject(line) && toRecord(line) !== undefined;
}
