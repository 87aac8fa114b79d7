/** Records of the job log (one JSON object a line). See docs/job-log.md and the contract. */
export type Trigger = 'cron' | 'backfill' | 'manual';
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface BaseRecord {
  ts: string;
  level: Level;
  event: string;
  job: string;
  runId: string;
  scheduledFor: string;
  trigger: Trigger;
  [extra: string]: unknown;
}

export interface RunStartRecord extends BaseRecord {
  event: 'run.start';
}

export interface AttemptEndRecord extends BaseRecord {
  event: 'attempt.end';
  provider: string;
  model: string;
  outcome: 'ok' | 'failed' | 'skipped-open';
  httpStatus?: number;
  errorType?: string;
  ms: number;
}

export interface RunEndRecord extends BaseRecord {
  event: 'run.end';
  outcome: 'ok' | 'failed' | 'skipped';
  provider?: string;
  degraded?: boolean;
  durationMs: number;
  error?: string;
}

export type LogRecord = BaseRecord;
