/**
 * The gap analysis's line decoder. Lines written by JobLog start with the same seven fields in
 * the same order (`{"ts":..,"level":..,"event":..,"job":..,"runId":..,"scheduledFor":..,"trigger":..`),
 * so the common records (run.start, ok run.end, ok attempts) are read with a few indexOf calls
 * instead of JSON.parse. Anything unusual (escapes, nested values, other writers' key order, rare
 * events) goes through the full JSON.parse path, so results never depend on the shortcut.
 */
import type { LogRecord } from '../log/types.js';
import { toRecord } from '../log/reader.js';

/** A record for run.start / run.end / failed attempt.end lines; null for lines gaps never need. */
export function decodeGapLine(line: string): LogRecord | null | undefined {
  const last = line.length - 1;
  if (line.charCodeAt(last) !== 125 /* } */ || !line.startsWith('{"ts":"')) return slowPath(line);
  // ts, then level, then event: find the event without reading the rest
  const tsEnd = line.indexOf('"', 7);
  if (tsEnd < 0 || !line.startsWith('","level":"', tsEnd)) return slowPath(line);
  const levelEnd = line.indexOf('"', tsEnd + 11);
  if (levelEnd < 0 || !line.startsWith('","event":"', levelEnd)) return slowPath(line);
  const at = levelEnd + 11;

  let event: 'run.start' | 'run.end';
  if (line.startsWith('attempt.end"', at)) {
    // Only failed attempts matter (for the cause). Attempt records are flat, and in a flat record
    // this text cannot sit inside a string value (its quotes would be escaped).
    return line.lastIndexOf('"outcome":"ok"') > at ? null : toRecord(line);
  } else if (line.startsWith('run.start"', at)) {
    event = 'run.start';
  } else if (line.startsWith('run.end"', at)) {
    event = 'run.end';
  } else {
    const rest = line.slice(at, at + 8);
    return rest.startsWith('run.') || rest.startsWith('attempt.') ? toRecord(line) : null;
  }

  const fields = readFields(line, at + event.length);
  if (!fields) return toRecord(line);
  const record = { ts: line.slice(7, tsEnd), level: 'info', event, job: fields.job, runId: '', scheduledFor: fields.scheduledFor, trigger: fields.trigger } as LogRecord;
  if (event === 'run.start') return record;

  // run.end as JobLog writes it: outcome first after the common fields, durationMs last. Only then
  // are both surely top-level; any other shape (or a failed/skipped end, which is rare) is parsed.
  const restAt = fields.restAt;
  if (!line.startsWith(',"outcome":"ok"', restAt)) return toRecord(line);
  const after = line.charCodeAt(restAt + 15);
  if (after !== 44 /* , */ && after !== 125 /* } */) return toRecord(line);
  const durationMs = trailingNumber(line, ',"durationMs":', restAt);
  if (durationMs === undefined) return toRecord(line);
  record.outcome = 'ok';
  record.durationMs = durationMs;
  return record;
}

/** The number in a line that ends with `<key><number>}`, reading backwards from the end. */
function trailingNumber(line: string, key: string, notBefore: number): number | undefined {
  const last = line.length - 1;
  let start = last;
  while (start > notBefore) {
    const c = line.charCodeAt(start - 1);
    if ((c >= 48 && c <= 57) || c === 46 /* . */ || c === 45 /* - */ || c === 43 /* + */ || c === 101 /* e */ || c === 69 /* E */) start--;
    else break;
  }
  if (start === last || !line.startsWith(key, start - key.length) || start - key.length < notBefore) return undefined;
  const n = Number(line.slice(start, last));
  return Number.isFinite(n) ? n : undefined;
}

/** Not in JobLog's shape: parse fully if it may matter to gaps; otherwise only check its shape. */
function slowPath(line: string): LogRecord | null | undefined {
  if (!(line.includes('run.end') || line.includes('run.start') || line.includes('attempt.end'))) {
    const t = line.trim();
    return t.charCodeAt(0) === 123 && t.charCodeAt(t.length - 1) === 125 ? null : undefined;
  }
  return toRecord(line);
}

interface SlotFields {
  job: string;
  scheduledFor: string;
  trigger: string;
  /** Index just past the trigger's closing quote. */
  restAt: number;
}

/** job, runId, scheduledFor, trigger in JobLog's order (runId skipped); undefined for anything else. */
function readFields(line: string, from: number): SlotFields | undefined {
  if (!line.startsWith('","job":"', from)) return undefined;
  const jobAt = from + 9;
  const jobEnd = line.indexOf('"', jobAt);
  if (jobEnd < 0 || !line.startsWith('","runId":"', jobEnd)) return undefined;
  const runIdEnd = line.indexOf('"', jobEnd + 11);
  if (runIdEnd < 0 || !line.startsWith('","scheduledFor":"', runIdEnd)) return undefined;
  const slotAt = runIdEnd + 18;
  const slotEnd = line.indexOf('"', slotAt);
  if (slotEnd < 0 || !line.startsWith('","trigger":"', slotEnd)) return undefined;
  const triggerAt = slotEnd + 13;
  const triggerEnd = line.indexOf('"', triggerAt);
  if (triggerEnd < 0) return undefined;
  const next = line.charCodeAt(triggerEnd + 1);
  if (next !== 44 /* , */ && next !== 125 /* } */) return undefined;
  const job = line.slice(jobAt, jobEnd);
  // An escaped quote ends a value early and fails a key check above; any other escape: parse fully.
  if (job.includes('\\')) return undefined;
  return { job, scheduledFor: line.slice(slotAt, slotEnd), trigger: line.slice(triggerAt, triggerEnd), restAt: triggerEnd + 1 };
}
