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
  /** What `-` reads. Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

export function newReadStats(): ReadStats {
  return { sources: [], bytes: 0, lines: 0, skippedLines: 0, errors: [] };
}

// 64 KiB: each chunk's text stays a young-generation string, which keeps peak memory low (measured).
export const CHUNK_BYTES = 64 * 1024;
/**
 * Plain files are read 1 MiB at a time: each read is a hand-off to libuv's pool and back, and on a
 * busy host each hand-off may wait for a core. The text is still made 64 KiB at a time.
 */
export const READ_BYTES = 1024 * 1024;
/** Events whose records must say which job and slot they belong to. */
const SLOT_EVENT_PREFIXES = ['run.', 'attempt.'];

/**
 * Every record of every source, oldest rotated file first. (The gap analysis reads through
 * scanLines instead: this makes a string and an object per line.)
 */
export async function* readRecords(sources: string[], opts: ReadOptions = {}): AsyncGenerator<LogRecord> {
  const stats = opts.stats ?? newReadStats();
  const want = opts.want;
  // a record, undefined (not a record: skipped), or null (a record not wanted)
  const decode = (line: string) => (!want || want(line) ? toRecord(line) : looksLikeObject(line) ? null : undefined);
  let batch: LogRecord[] = [];
  const visit: LineVisitor = (text, start, end) => {
    const record = decode(text.slice(start, end));
    if (record) batch.push(record);
    return record !== undefined;
  };
  for await (const text of textPieces(sources, stats, opts)) {
    visitLines(text, stats, visit);
    yield* batch;
    batch = [];
  }
}

/**
 * Sees each line as `text[start, end)` (no newline, no CR) and says whether it was a record
 * (false: counted in skippedLines). The lowest-cost way through a log: no string per line unless
 * the visitor makes one. `bytes`, when given, holds the same characters at the same offsets
 * (a pure-ASCII piece), for visitors that read bytes faster than text.
 */
export type LineVisitor = (text: string, start: number, end: number, bytes?: Buffer) => boolean;

/** Every non-blank line of every source, through `visit`, oldest rotated file first. */
export async function scanLines(
  sources: string[],
  visit: LineVisitor,
  opts: Omit<ReadOptions, 'want' | 'decode'> = {},
): Promise<ReadStats> {
  const stats = opts.stats ?? newReadStats();
  for await (const bytes of bytePieces(sources, stats, opts)) visitLineBytes(bytes, stats, visit);
  return stats;
}

/** The sources' text in pieces that each end with a newline (a missing last newline is added). */
async function* textPieces(sources: string[], stats: ReadStats, opts: ReadOptions): AsyncGenerator<string> {
  for await (const bytes of bytePieces(sources, stats, opts)) yield toText(bytes);
}

/** The sources' bytes in pieces of whole lines. */
async function* bytePieces(sources: string[], stats: ReadStats, opts: ReadOptions): AsyncGenerator<Buffer> {
  for (const source of expandSources(sources, opts.rotated ?? true)) {
    stats.sources.push(source);
    yield* lineBytes(source, source === '-' ? maybeGunzip(opts.stdin ?? process.stdin) : fileChunks(source), stats);
  }
}

/**
 * One source's bytes in pieces of whole lines, each ending with a newline (a missing last newline
 * is added); read errors go to `stats.errors`. A piece is only valid until the next is asked for.
 */
export async function* lineBytes(
  source: string,
  chunks: AsyncIterable<Buffer>,
  stats: ReadStats,
): AsyncGenerator<Buffer> {
  // Bytes of a line not finished in the previous chunk (kept small: one line at most).
  // (parts, joined once the line's end arrives: joining per chunk would be quadratic)
  let carry: Buffer[] = [];
  let carryLength = 0;
  let dropping = false; // inside an absurdly long line: skip to its end
  try {
    for await (const buf of chunks) {
      stats.bytes += buf.length;
      const first = buf.indexOf(10);
      if (first < 0) {
        if (!dropping) {
          carry.push(Buffer.from(buf));
          carryLength += buf.length;
        }
        if (carryLength > MAX_LINE_BYTES) {
          stats.lines++;
          stats.skippedLines++;
          carry = [];
          carryLength = 0;
          dropping = true;
        }
        continue;
      }
      // the line that straddles the chunk boundary, then the chunk's whole lines
      if (!dropping)
        yield carry.length > 0 ? Buffer.concat([...carry, buf.subarray(0, first + 1)]) : buf.subarray(0, first + 1);
      dropping = false;
      const last = buf.lastIndexOf(10);
      if (last > first) yield buf.subarray(first + 1, last + 1);
      carry = last + 1 < buf.length ? [Buffer.from(buf.subarray(last + 1))] : [];
      carryLength = buf.length - (last + 1);
    }
  } catch (err) {
    stats.errors.push(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A last line without a newline is kept if it is whole; a truncated one is counted as skipped.
  if (carry.length > 0 && !dropping) yield Buffer.concat([...carry, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');

/**
 * Hand each line of a piece from lineBytes to `visit`, with the bytes beside the text when they
 * match it; a large piece is made text CHUNK_BYTES or so at a time, cut after a newline.
 */
export function visitLineBytes(bytes: Buffer, stats: ReadStats, visit: LineVisitor): void {
  let from = 0;
  while (bytes.length - from > CHUNK_BYTES) {
    const nl = bytes.lastIndexOf(10, from + CHUNK_BYTES - 1);
    if (nl < from) break; // one line longer than a chunk: the rest in one piece
    visitPiece(bytes.subarray(from, nl + 1), stats, visit);
    from = nl + 1;
  }
  visitPiece(from === 0 ? bytes : bytes.subarray(from), stats, visit);
}

function visitPiece(bytes: Buffer, stats: ReadStats, visit: LineVisitor): void {
  if (isAscii(bytes)) visitLines(bytes.toString('latin1'), stats, visit, bytes);
  else visitLines(bytes.toString('utf8'), stats, visit);
}

/** Lines longer than this are not log records: skipped (and not held in memory). */
const MAX_LINE_BYTES = 16 << 20;

/** Complete lines are complete UTF-8; pure ASCII (the usual case) decodes much faster as latin1. */
function toText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Hand each newline-terminated line of `text` to `visit`. Hot path: no allocation here. */
export function visitLines(text: string, stats: ReadStats, visit: LineVisitor, bytes?: Buffer): void {
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
    if (text.charCodeAt(from) !== 123 /* { */ && text.slice(from, stop).trim() === '') continue; // blank line
    stats.lines++;
    if (!visit(text, from, stop, bytes)) {
      const glued = recoverGlued(text.slice(from, stop), visit);
      if (glued.found === 0) stats.skippedLines++;
      else {
        // each record counts as a line of its own; a cut-short fragment among them as a skipped one
        stats.lines += glued.found - 1;
        if (glued.dropped) {
          stats.lines++;
          stats.skippedLines++;
        }
      }
    }
  }
}

/** How every record the writer makes begins (`ts` comes first). */
const RECORD_START = '{"ts":"';
const MAX_GLUED_PARTS = 64;

/**
 * Records sharing one line: a record appended right after a line that was cut short (its writer
 * killed mid-write, a hand edit) or that lacked its newline. Tries the pieces between record
 * starts (the shortest piece that is a record wins); runs for skipped lines only.
 */
function recoverGlued(line: string, visit: LineVisitor): { found: number; dropped: boolean } {
  const cuts = [0];
  for (
    let at = line.indexOf(RECORD_START, 1);
    at > 0 && cuts.length < MAX_GLUED_PARTS;
    at = line.indexOf(RECORD_START, at + 1)
  )
    cuts.push(at);
  if (cuts.length === 1) return { found: 0, dropped: true };
  cuts.push(line.length);
  let found = 0;
  let dropped = false;
  for (let i = 0; i < cuts.length - 1;) {
    let j = i + 1;
    while (j < cuts.length && !visit(line, cuts[i], cuts[j])) j++;
    if (j < cuts.length) {
      found++;
      i = j;
    } else {
      dropped = true;
      i++;
    }
  }
  return { found, dropped };
}

/** `{...}`: the shape of a record, without parsing it. */
export function looksLikeObject(line: string): boolean {
  const t = line.trim();
  return t.charCodeAt(0) === 123 /* { */ && t.charCodeAt(t.length - 1) === 125; /* } */
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

/**
 * A file's bytes. Plain files are read into two reused buffers (a stream would allocate a buffer
 * per chunk, and those linger until the next full GC); gzip goes through zlib. Each chunk is only
 * valid until the next one is asked for.
 */
async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  // Two buffers: the next read is in flight while the caller works on the current chunk.
  const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
  let current = 0;
  let pending: Promise<{ bytesRead: number }> | undefined = handle.read(buffers[0], 0, READ_BYTES, null);
  try {
    let { bytesRead } = await pending;
    pending = undefined;
    const head = buffers[0];
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      yield* maybeGunzip(fs.createReadStream(file, { highWaterMark: CHUNK_BYTES }));
      return;
    }
    while (bytesRead > 0) {
      const chunk = buffers[current].subarray(0, bytesRead);
      current ^= 1;
      pending = handle.read(buffers[current], 0, READ_BYTES, null);
      yield chunk;
      ({ bytesRead } = await pending);
      pending = undefined;
    }
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
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
export function expandSources(sources: string[], rotated: boolean): string[] {
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
