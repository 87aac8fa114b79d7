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
  if (!line.startsWith('{"ts":"') || line.charCodeAt(last) !== 125 /* } */) return slowPath(line);
  // ts, then level, then event: find the event without reading the rest
  const tsEnd = line.indexOf('"', 7);
  if (tsEnd < 0 || !line.startsWith('","level":"', tsEnd)) return slowPath(line);
  const levelEnd = line.indexOf('"', tsEnd + 11);
  if (levelEnd < 0 || !line.startsWith('","event":"', levelEnd)) return slowPath(line);
  const eventStart = levelEnd + 11;
  const eventEnd = line.indexOf('"', eventStart);
  if (eventEnd < 0) return slowPath(line);
  const event = line.slice(eventStart, eventEnd);

  if (event === 'attempt.end') return line.includes('"outcome":"ok"', eventEnd) ? null : toRecord(line);
  if (event !== 'run.start' && event !== 'run.end') return event.startsWith('run.') || event.startsWith('attempt.') ? toRecord(line) : null;

  const fields = readFields(line, eventEnd);
  if (!fields) return toRecord(line);
  const record = { ts: line.slice(7, tsEnd), level: line.slice(tsEnd + 11, levelEnd), event, job: fields.job, runId: fields.runId, scheduledFor: fields.scheduledFor, trigger: fields.trigger } as LogRecord;
  if (event === 'run.start') return record;

  // run.end as JobLog writes it: outcome first after the common fields, durationMs last. Only then
  // are both surely top-level; any other shape (or a failed/skipped end, which is rare) is parsed.
  const restAt = fields.restAt;
  if (!line.startsWith(',"outcome":"ok"', restAt)) return toRecord(line);
  const after = line.charCodeAt(restAt + 15);
  if (after !== 44 /* , */ && after !== 125 /* } */) return toRecord(line);
  const durationAt = line.lastIndexOf(',"durationMs":');
  const durationMs = durationAt > restAt ? Number(line.slice(durationAt + 14, last)) : NaN;
  if (!Number.isFinite(durationMs)) return toRecord(line);
  record.outcome = 'ok';
  record.durationMs = durationMs;
  return record;
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
  runId: string;
  scheduledFor: string;
  trigger: string;
  /** Index just past the trigger's closing quote. */
  restAt: number;
}

const SLOT_KEYS = ['","job":"', '","runId":"', '","scheduledFor":"', '","trigger":"'] as const;

/** job, runId, scheduledFor, trigger in JobLog's order; undefined for anything else. */
function readFields(line: string, from: number): SlotFields | undefined {
  const values: string[] = [];
  let pos = from;
  for (const key of SLOT_KEYS) {
    if (!line.startsWith(key, pos)) return undefined;
    pos += key.length;
    const close = line.indexOf('"', pos);
    if (close < 0) return undefined;
    values.push(line.slice(pos, close));
    pos = close;
  }
  const next = line.charCodeAt(pos + 1);
  if (next !== 44 /* , */ && next !== 125 /* } */) return undefined;
  // An escaped quote ends a value early and fails a key check above; any other escape: parse fully.
  if (values[0].includes('\\') || values[2].includes('\\') || values[3].includes('\\')) return undefined;
  return { job: values[0], runId: values[1], scheduledFor: values[2], trigger: values[3], restAt: pos + 1 };
}
