/**
 * Streaming reader of job logs: files, rotated siblings, gzip, stdin. Constant memory (one chunk
 * and one partial line at a time), never fatal on bad lines: they are skipped and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { LogRecord } from './types.js';

export interface ReadStats {
  /** Files (and stdin) read, in order. */
  sources: string[];
  bytes: number;
  /** Non-blank lines seen. */
  lines: number;
  /** Lines that were not a JSON object with the required fields (truncated lines included). */
  skippedLines: number;
  /** Sources that ended in an error (e.g. a corrupt .gz); what was read before the error counts. */
  errors: string[];
}

export interface ReadOptions {
  stats?: ReadStats;
  /**
   * A cheap test on the raw line. Lines it rejects are not parsed nor yielded; they are only
   * checked for shape (`{...}`), so a truncated one is still counted as skipped.
   */
  want?: (line: string) => boolean;
  /** Also read rotated siblings of each path (`jobs.jsonl.1`, `jobs.jsonl.2.gz`). Default true. */
  rotated?: boolean;
  /**
   * Turns a line into a record (replaces the default JSON.parse + field check, and `want`): for
   * readers that know a faster way for the lines they care about.
   */
  decode?: LineDecoder;
  /** What `-` reads. Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

export function newReadStats(): ReadStats {
  return { sources: [], bytes: 0, lines: 0, skippedLines: 0, errors: [] };
}

// 64 KiB: each chunk's text stays a young-generation string, which keeps peak memory low (measured).
const CHUNK_BYTES = 64 * 1024;
/** Events whose records must say which job and slot they belong to. */
const SLOT_EVENT_PREFIXES = ['run.', 'attempt.'];

/** Every record of every source, oldest rotated file first. */
export async function* readRecords(sources: string[], opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  for await (const batch of readRecordBatches(sources, opts)) yield* batch;
}

/** The same records, one array per chunk read: much cheaper per record for bulk analysis. */
export async function* readRecordBatches(sources: string[], opts: ReadOptions = {}): AsyncGenerator<LogRecord[]> {
  const stats = opts.stats ?? newReadStats();
  const decode = lineDecoder(opts);
  for (const source of expandSources(sources, opts.rotated ?? true)) {
    stats.sources.push(source);
    const input = source === '-' ? (opts.stdin ?? process.stdin) : fs.createReadStream(source, { highWaterMark: CHUNK_BYTES });
    // Bytes of a line not finished in the previous chunk (kept small: one line at most).
    let carry: Buffer | undefined;
    let dropping = false; // inside an absurdly long line: skip to its end
    try {
      for await (const buf of maybeGunzip(input)) {
        stats.bytes += buf.length;
        const batch: LogRecord[] = [];
        const first = buf.indexOf(10);
        if (first < 0) {
          if (!dropping) carry = carry ? Buffer.concat([carry, buf]) : Buffer.from(buf);
          if (carry && carry.length > MAX_LINE_BYTES) {
            stats.lines++;
            stats.skippedLines++;
            carry = undefined;
            dropping = true;
          }
          continue;
        }
        // the line that straddles the chunk boundary
        if (!dropping) {
          const head = carry ? Buffer.concat([carry, buf.subarray(0, first + 1)]) : buf.subarray(0, first + 1);
          parseLines(toText(head), batch, stats, decode);
        }
        dropping = false;
        const last = buf.lastIndexOf(10);
        if (last > first) parseLines(toText(buf.subarray(first + 1, last + 1)), batch, stats, decode);
        carry = last + 1 < buf.length ? Buffer.from(buf.subarray(last + 1)) : undefined;
        if (batch.length > 0) yield batch;
      }
    } catch (err) {
      stats.errors.push(`${source}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A last line without a newline is kept if it is whole; a truncated one is counted as skipped.
    if (carry && !dropping) {
      const batch: LogRecord[] = [];
      parseLines(toText(carry) + '\n', batch, stats, decode);
      if (batch.length > 0) yield batch;
    }
  }
}

/** Lines longer than this are not log records: skipped (and not held in memory). */
const MAX_LINE_BYTES = 16 << 20;

/** Complete lines are complete UTF-8; pure ASCII (the usual case) decodes much faster as latin1. */
function toText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** What each line becomes: a record, `undefined` (not a record: skipped), or `null` (not wanted). */
export type LineDecoder = (line: string) => LogRecord | null | undefined;

function lineDecoder(opts: ReadOptions): LineDecoder {
  if (opts.decode) return opts.decode;
  const want = opts.want;
  if (!want) return toRecord;
  return (line) => (want(line) ? toRecord(line) : looksLikeObject(line) ? null : undefined);
}

/** Parse every newline-terminated line of `text` into `out`. Hot path: keep it allocation-light. */
function parseLines(text: string, out: LogRecord[], stats: ReadStats, decode: LineDecoder): void {
  const end = text.length;
  let pos = 0;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = end;
    let stop = nl;
    if (stop > pos && text.charCodeAt(stop - 1) === 13) stop--; // CRLF
    const from = pos;
    pos = nl + 1;
    if (stop === from) continue;
    const line = text.slice(from, stop);
    if (line.charCodeAt(0) !== 123 /* { */ && line.trim() === '') continue; // blank line
    stats.lines++;
    const record = decode(line);
    if (record) out.push(record);
    else if (record === undefined) stats.skippedLines++;
  }
}

function looksLikeObject(line: string): boolean {
  const t = line.trim();
  return t.charCodeAt(0) === 123 /* { */ && t.charCodeAt(t.length - 1) === 125 /* } */;
}

/** A record if the line is a JSON object with the fields every reader relies on. */
export function toRecord(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.ts !== 'string' || typeof r.event !== 'string') return undefined;
  if (SLOT_EVENT_PREFIXES.some((p) => (r.event as string).startsWith(p))) {
    if (typeof r.job !== 'string' || typeof r.scheduledFor !== 'string') return undefined;
  }
  return r as LogRecord;
}

/** Gzip is recognised by its magic bytes, so `.gz` files and gzipped stdin both just work. */
async function* maybeGunzip(input: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = toBuffer(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    yield* Readable.from(all()).pipe(createGunzip({ chunkSize: 256 * 1024 })) as AsyncIterable<Buffer>;
  } else {
    yield* all();
  }
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Each path with its rotated siblings (unless it is itself a rotated file), without repeats. */
function expandSources(sources: string[], rotated: boolean): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const source of sources) {
    const expanded = source === '-' ? ['-'] : rotated && !isRotatedName(source) ? expandRotated(source) : [source];
    // A path that does not exist (and has no rotated files) is still read, so the open error shows.
    for (const p of expanded.length > 0 ? expanded : [source]) {
      const key = p === '-' ? '-' : path.resolve(p);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

const NUMBERED = /^\.(\d+)(?:\.gz)?$/; // jobs.jsonl.1, jobs.jsonl.2.gz (logrotate, pino-roll)
const DATED = /^-(\d{8,14})(?:\.gz)?$/; // jobs.jsonl-20260419 (logrotate dateext)

function isRotatedName(p: string): boolean {
  return /\.gz$/i.test(p) || /\.\d+$/.test(p) || /-\d{8,14}$/.test(p);
}

/**
 * The existing files of a log and its rotations, oldest first: dated ones by date, then numbered
 * ones from the highest number down, then the live file itself.
 */
export function expandRotated(logPath: string): string[] {
  const dir = path.dirname(logPath);
  const name = path.basename(logPath);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const dated: { key: string; file: string }[] = [];
  const numbered: { n: number; file: string }[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(name) || entry === name) continue;
    const suffix = entry.slice(name.length);
    const num = NUMBERED.exec(suffix);
    if (num) numbered.push({ n: Number(num[1]), file: path.join(dir, entry) });
    const date = DATED.exec(suffix);
    if (date) dated.push({ key: date[1], file: path.join(dir, entry) });
  }
  dated.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  numbered.sort((a, b) => b.n - a.n);
  const out = [...dated.map((d) => d.file), ...numbered.map((n) => n.file)];
  if (entries.includes(name)) out.push(logPath);
  return out;
}
