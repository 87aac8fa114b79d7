/** Records of the job log (one JSON object a line). See docs/job-log.md. */
export type Trigger = 'cron' | 'backfill' | 'manual';
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** What a writer is given: a record whose `ts` and `level` it may fill in. */
export interface LogInput {
  ts?: string;
  level?: Level;
  event: string;
  job: string;
  runId: string;
  scheduledFor: string;
  trigger: Trigger;
  /** Each event's own fields (attempt.end: provider, model, outcome, ms, ...); unknown ones are kept. */
  [extra: string]: unknown;
}

/** A record as written, and as readers get it back. */
export interface LogRecord extends LogInput {
  ts: string;
  level: Level;
}

/** What every record of one run carries: which job, which run, which slot, started how. */
export interface RunStamp {
  job: string;
  runId: string;
  /** The slot (ISO); for a run with no slot (a request, a probe, a hand change), the time it started. */
  scheduledFor: string;
  trigger: Trigger;
}

/** Appends one record of a run: its event, the event's own fields, its level (default info). */
export type RunLogger = (event: string, fields?: Record<string, unknown>, level?: Level) => void;
