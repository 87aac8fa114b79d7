/** Hand-made job-log records, for tests that put text of their choosing where a log carries it. */
import fs from 'node:fs';

export interface FailedRun {
  job: string;
  runId: string;
  /** The slot (ISO); the records are written 1, 2 and 3 s after it. */
  slot: string;
  provider: string;
  model?: string;
  errorType?: string;
  /** The attempt's and the run's error text. */
  error: string;
}

/** One failed cron run: run.start, one failed attempt.end, run.end. */
export function failedRun(run: FailedRun): Record<string, unknown>[] {
  const base = { job: run.job, runId: run.runId, scheduledFor: run.slot, trigger: 'cron' };
  const at = (s: number) => new Date(Date.parse(run.slot) + s * 1000).toISOString();
  return [
    { ts: at(1), level: 'info', event: 'run.start', ...base },
    {
      ts: at(2),
      level: 'warn',
      event: 'attempt.end',
      ...base,
      provider: run.provider,
      model: run.model ?? run.provider,
      outcome: 'failed',
      errorType: run.errorType ?? 'server',
      error: run.error,
      ms: 5,
    },
    { ts: at(3), level: 'error', event: 'run.end', ...base, outcome: 'failed', error: run.error },
  ];
}

/** Writes records as JSONL (one per line), replacing the file. */
export function writeLog(file: string, records: readonly object[]): void {
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
