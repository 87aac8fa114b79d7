/**
 * Reading only the recent end of a job log. The log is appended in time order (each record's `ts`
 * is when it was written; writers on one host disagree by milliseconds), so the first line written
 * at or after a time can be found by bisecting byte offsets: about 30 small reads for a 1 GB log,
 * instead of reading it from the start. `lucy-ops status` reads a day this way.
 */
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { expandRotated, readRecords, toRecord } from './reader.js';
import type { LogRecord } from './types.js';

/** Bytes read at each probe: enough to hold a whole line after the cut in any normal log. */
const PROBE_BYTES = 16 * 1024;
/** Below this span the bisection stops and the rest is simply read. */
const LINEAR_BYTES = 64 * 1024;
const TS = /"ts":"([^"]+)"/;

/** The `ts` of the first whole line starting after `offset` (undefined: none readable there). */
function tsAfter(fd: number, offset: number, size: number): number | undefined {
  const buf = Buffer.allocUnsafe(Math.min(PROBE_BYTES, size - offset));
  const n = fs.readSync(fd, buf, 0, buf.length, offset);
  const text = buf.subarray(0, n).toString('utf8');
  // at offset 0 the first line is whole; elsewhere the line cut by the offset is skipped
  let at = 0;
  if (offset > 0) {
    at = text.indexOf('\n') + 1;
    if (at === 0) return undefined;
  }
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return undefined;
    const ms = Date.parse(TS.exec(text.slice(at, nl))?.[1] ?? '');
    if (!Number.isNaN(ms)) return ms;
    at = nl + 1; // not a record: try the next line
  }
}

/**
 * A byte offset from which reading to the end sees every line written at or after `sinceMs` (it
 * may also see some earlier ones). 0 when the file is small or starts after `sinceMs`.
 */
export function offsetBefore(file: string, sinceMs: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let lo = 0;
    let hi = size;
    while (hi - lo > LINEAR_BYTES) {
      const mid = Math.floor((lo + hi) / 2);
      const ts = tsAfter(fd, mid, size);
      // unreadable around mid (garbage, a huge line): stop narrowing; reading a little more is safe
      if (ts === undefined) break;
      if (ts < sinceMs) lo = mid;
      else hi = mid;
    }
    return lo;
  } finally {
    fs.closeSync(fd);
  }
}

/** The `ts` of a plain file's first record (undefined: empty, compressed, or none readable up front). */
function firstTs(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return undefined;
    const head = Buffer.alloc(2);
    fs.readSync(fd, head, 0, 2, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return undefined;
    return tsAfter(fd, 0, size);
  } finally {
    fs.closeSync(fd);
  }
}

const isGzip = (file: string): boolean => {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
};

/**
 * Every record of a log and its rotations written at or after about `sinceMs`, oldest first: the
 * live file from a bisected offset, and older rotations only while the newer file starts after
 * `sinceMs` (just after a rotation). A compressed rotation is read whole (it cannot be bisected).
 */
export async function* recentRecords(logPath: string, sinceMs: number, stats: TailStats): AsyncGenerator<LogRecord> {
  const files = expandRotated(logPath);
  const plan: Array<{ file: string; gzip: boolean }> = [];
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i];
    const gzip = isGzip(file);
    plan.unshift({ file, gzip });
    if (gzip) break;
    const first = firstTs(file);
    if (first !== undefined && first <= sinceMs) break;
  }
  for (const { file, gzip } of plan) {
    if (!gzip) {
      yield* recordsSince(file, sinceMs, stats);
      continue;
    }
    const read = { sources: [], bytes: 0, lines: 0, skippedLines: 0, errors: [] };
    yield* readRecords([file], { rotated: false, stats: read });
    stats.lines += read.lines;
    stats.skippedLines += read.skippedLines;
    stats.bytes += read.bytes;
  }
}

export interface TailStats {
  lines: number;
  skippedLines: number;
  /** Byte offset the reading started at (0: the whole file). */
  startedAt: number;
  bytes: number;
}

/**
 * Every record written at or after about `sinceMs`, in file order. Lines that are not records are
 * skipped and counted. A partial first line (the cut) is dropped without counting.
 */
export async function* recordsSince(file: string, sinceMs: number, stats: TailStats): AsyncGenerator<LogRecord> {
  const start = offsetBefore(file, sinceMs);
  stats.startedAt = start; // the live file is read last: its offset is the one reported
  const stream = fs.createReadStream(file, { start, encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let first = start > 0;
  for await (const line of lines) {
    stats.bytes += Buffer.byteLength(line) + 1;
    if (first) {
      first = false;
      continue;
    }
    if (line.trim() === '') continue;
    stats.lines++;
    const record = toRecord(line);
    if (record) yield record;
    else stats.skippedLines++;
  }
}
