/**
 * The job log writer: one JSON object a line, appended. Each record is one `write(2)` on a file
 * descriptor opened with O_APPEND, so lines from many processes never interleave. Logging must
 * never break the job it records: failures warn once on stderr and are otherwise swallowed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import type { Clock } from '../clock.js';
import { clockFromEnv, systemClock } from '../clock.js';
import { scrubSecrets, scrubValue } from './scrub.js';
import type { Level, LogInput, RunLogger, RunStamp } from './types.js';

export type { LogInput } from './types.js';

/** Fields whose values are identifiers, never free text; everything else string-valued is scrubbed. */
const STRUCTURED_FIELDS = new Set([
  'ts',
  'level',
  'event',
  'job',
  'runId',
  'scheduledFor',
  'trigger',
  'jobs',
  'provider',
  'model',
  'outcome',
  'errorType',
]);
/** The keys every record starts with, in this order. */
const STAMP_KEYS = new Set(['ts', 'level', 'event', 'job', 'runId', 'scheduledFor', 'trigger']);

/** Takes a run's records: the log itself, or a writer that holds them for a later append. */
export interface RecordSink {
  append(record: RunRecord): void;
}

/**
 * One record of a run, held as its parts until it is written (see `JobLog.forRun`): the time it
 * was logged (epoch ms), its level, event and own fields, and the run's stamp.
 */
export class RunRecord {
  constructor(
    readonly stamp: RunStamp,
    /** The stamp's keys as JSON text, each with its leading comma. */
    readonly stampJson: string,
    readonly at: number,
    readonly level: Level,
    readonly event: string,
    readonly fields: Record<string, unknown> | undefined,
  ) {}

  /** The record as one object, as a hand-built one would be appended. */
  toInput(ts = new Date(this.at).toISOString()): LogInput {
    return { ts, level: this.level, event: this.event, ...this.stamp, ...this.fields };
  }
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/** A run's stamp as the JSON text that follows `event` in each of its lines. */
function stampText(stamp: RunStamp): string {
  let text = '';
  for (const key of ['job', 'runId', 'scheduledFor', 'trigger'] as const) {
    const json = JSON.stringify(stamp[key]);
    if (json !== undefined) text += `,"${key}":${json}`;
  }
  return text;
}

/** A file modified this recently may be in the middle of another process's append. */
const IN_FLIGHT_WRITE_MS = 1000;

export interface JobLogOptions {
  /** Stamps `ts` when a record has none. Default: LUCY_OPS_NOW-aware clock. */
  clock?: Clock;
  /** Secret values (API keys) to blank out of free-text fields, besides the process's known secrets. */
  secrets?: string[];
  /** Where the one warning goes when the log cannot be written. Default: stderr. */
  warn?: (message: string) => void;
}

export class JobLog {
  private fd: number | undefined;
  /** The file ended mid-line when opened (a writer killed mid-write, a hand edit): start on a new line. */
  private startNewLine = false;
  private warned = false;
  private isoAt = NaN;
  private isoText = '';
  private readonly clock: Clock;
  private readonly secrets: string[];
  private readonly warn: (message: string) => void;

  constructor(
    readonly path: string,
    opts: JobLogOptions = {},
  ) {
    this.clock = opts.clock ?? safeClockFromEnv();
    this.secrets = opts.secrets ?? [];
    this.warn = opts.warn ?? ((m) => process.stderr.write(m + '\n'));
  }

  /** Append one record as one line. Never throws. */
  append(record: LogInput | RunRecord): void {
    this.appendAll([record]);
  }

  /**
   * Append records as lines in ONE write: O_APPEND puts it whole at the end of the file, so
   * concurrent writers never interleave inside it (and a busy `serve` pays one syscall a request).
   */
  appendAll(records: readonly (LogInput | RunRecord)[]): void {
    if (records.length === 0) return;
    try {
      const fd = this.open();
      let text = this.startNewLine ? '\n' : '';
      for (const record of records)
        text += (record instanceof RunRecord ? this.runLine(record) : this.serialize(record)) + '\n';
      const line = Buffer.from(text, 'utf8');
      this.startNewLine = false;
      let written = 0;
      // A regular file takes the whole line in one write; loop only for the rare short write.
      while (written < line.length) written += fs.writeSync(fd, line, written, line.length - written);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * The logger of one run: each record stamped with the time it is logged (this log's clock) and
   * the run's job, runId, scheduledFor and trigger. `to` takes the records instead of this file
   * (serve's deferred writer, which puts a call's records in one write). A record is held as its
   * parts (a `RunRecord`) and made text only when written: the run's stamp is serialised once per
   * run, not once per record.
   */
  forRun(stamp: RunStamp, to: RecordSink = this): RunLogger {
    const stampJson = stampText(stamp);
    return (event, fields, level = 'info') =>
      to.append(new RunRecord(stamp, stampJson, this.clock.now(), level, event, fields));
  }

  /** Close the file descriptor (appending again reopens it). */
  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed or gone: nothing to do
    }
    this.fd = undefined;
  }

  /**
   * A run's record as its line: the same text `serialize` makes of the whole record (same key
   * order, same scrubbing), built from the parts without first spreading them into one object.
   */
  private runLine(r: RunRecord): string {
    let text = `{"ts":"${this.iso(r.at)}","level":${JSON.stringify(r.level)},"event":${JSON.stringify(r.event)}${r.stampJson}`;
    const fields = r.fields;
    if (fields !== undefined) {
      for (const key in fields) {
        if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
        // a field that names a stamp key replaces it in place, and an index-like key goes first (as
        // in any JS object): rare shapes, left to the whole-record path
        if (STAMP_KEYS.has(key) || isDigit(key.charCodeAt(0))) return this.serialize(r.toInput(this.iso(r.at)));
        const value = fields[key];
        if (value === undefined) continue;
        const json = JSON.stringify(STRUCTURED_FIELDS.has(key) ? value : scrubValue(value, this.secrets));
        if (json !== undefined) text += `,${JSON.stringify(key)}:${json}`;
      }
    }
    return text + '}';
  }

  /** The ISO text of a time; records logged in the same millisecond share one. */
  private iso(ms: number): string {
    if (ms !== this.isoAt) {
      this.isoAt = ms;
      this.isoText = new Date(ms).toISOString();
    }
    return this.isoText;
  }

  private serialize(record: LogInput): string {
    const { ts, level, event, job, runId, scheduledFor, trigger, ...rest } = record;
    const ordered: Record<string, unknown> = {
      ts: ts ?? new Date(this.clock.now()).toISOString(),
      level: level ?? 'info',
      event,
      job,
      runId,
      scheduledFor,
      trigger,
    };
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      ordered[key] = STRUCTURED_FIELDS.has(key) ? value : scrubValue(value, this.secrets);
    }
    return JSON.stringify(ordered);
  }

  private open(): number {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.path), { recursive: true });
      this.fd = fs.openSync(this.path, 'a', 0o644);
      const st = fs.fstatSync(this.fd);
      // A recent mtime means another process may be mid-write (a long line's size shows before its
      // end): leave it, the reader recovers a glued record. An old one is a cut-short line.
      this.startNewLine = Date.now() - st.mtimeMs > IN_FLIGHT_WRITE_MS && !endsWithNewline(this.path, st.size);
    }
    return this.fd;
  }

  private fail(err: unknown): void {
    this.close();
    if (this.warned) return;
    this.warned = true;
    const reason = err instanceof Error ? err.message : String(err);
    this.warn(
      `lucy-ops: cannot write the job log ${this.path}: ${scrubSecrets(reason, this.secrets)} (the job goes on; further log errors are not shown)`,
    );
  }
}

/** Whether a file of this size ends with '\n' (or is empty). Unreadable: assume it does. */
function endsWithNewline(file: string, size: number): boolean {
  if (size === 0) return true;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const last = Buffer.alloc(1);
    return fs.readSync(fd, last, 0, 1, size - 1) !== 1 || last[0] === 0x0a;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The LUCY_OPS_NOW-aware clock, or the system clock when LUCY_OPS_NOW is not a time (commands refuse that with exit 78 before they log). */
export function safeClockFromEnv(): Clock {
  try {
    return clockFromEnv();
  } catch {
    return systemClock;
  }
}

/**
 * A short, sortable, unique-enough run id: milliseconds in base 36 (fixed width, so ids sort by
 * time as strings) and 6 random base-36 characters, e.g. `0mo5x1k2a-4f7h2c`.
 */
export function newRunId(now: number = Date.now()): string {
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(9, '0');
  let tail = '';
  for (let i = 0; i < 6; i++) tail += (randomByte() % 36).toString(36);
  return `${time}-${tail}`;
}

/**
 * Random bytes drawn from a pool filled 4 KiB at a time: `serve` makes an id per request, and one
 * randomBytes() call each cost more (~20 µs on a busy host) than the rest of the id's work.
 */
const randomPool = Buffer.alloc(4096);
let randomPoolAt = randomPool.length;
function randomByte(): number {
  if (randomPoolAt === randomPool.length) {
    randomFillSync(randomPool);
    randomPoolAt = 0;
  }
  return randomPool[randomPoolAt++];
}
