/**
 * Streaming reader of job logs: files, rotated siblings, gzip, stdin. Constant memory (one chunk
 * and one partial line at a time), never fatal on bad lines: they are skipped and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
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
  /** What `-` reads. Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

export function newReadStats(): ReadStats {
  return { sources: [], bytes: 0, lines: 0, skippedLines: 0, errors: [] };
}

const CHUNK_BYTES = 1 << 20;
/** Events whose records must say which job and slot they belong to. */
const SLOT_EVENT_PREFIXES = ['run.', 'attempt.'];

/** Every record of every source, oldest rotated file first. */
export async function* readRecords(sources: string[], opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  for await (const batch of readRecordBatches(sources, opts)) yield* batch;
}

/** The same records, one array per chunk read: much cheaper per record for bulk analysis. */
export async function* readRecordBatches(sources: string[], opts: ReadOptions = {}): AsyncGenerator<LogRecord[]> {
  const stats = opts.stats ?? newReadStats();
  for (const source of expandSources(sources, opts.rotated ?? true)) {
    stats.sources.push(source);
    const input = source === '-' ? (opts.stdin ?? process.stdin) : fs.createReadStream(source, { highWaterMark: CHUNK_BYTES });
    const decoder = new StringDecoder('utf8');
    let partial = '';
    try {
      for await (const chunk of maybeGunzip(input)) {
        const buf = chunk as Buffer;
        stats.bytes += buf.length;
        const text = partial + decoder.write(buf);
        const lastNewline = text.lastIndexOf('\n');
        if (lastNewline < 0) {
          partial = text;
          continue;
        }
        partial = text.slice(lastNewline + 1);
        const batch: LogRecord[] = [];
        parseLines(text, lastNewline, batch, stats, opts.want);
        if (batch.length > 0) yield batch;
      }
    } catch (err) {
      stats.errors.push(`${source}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A last line without a newline is kept if it is whole; a truncated one is counted as skipped.
    const tail = partial + decoder.end();
    if (tail.trim() !== '') {
      const batch: LogRecord[] = [];
      parseLines(tail + '\n', tail.length, batch, stats, opts.want);
      if (batch.length > 0) yield batch;
    }
  }
}

/** Parse the complete lines of `text[0, end)` into `out`. Hot path: keep it allocation-light. */
function parseLines(text: string, end: number, out: LogRecord[], stats: ReadStats, want?: (line: string) => boolean): void {
  let pos = 0;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF
    if (line.length === 0 || line.trim() === '') continue;
    stats.lines++;
    if (want && !want(line)) {
      if (!looksLikeObject(line)) stats.skippedLines++;
      continue;
    }
    const record = toRecord(line);
    if (record) out.push(record);
    else stats.skippedLines++;
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
