/** Records of the job log (one JSON object a line). See docs/job-log.md and the contract. */
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
