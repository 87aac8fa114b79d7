/**
 * Job-log lines made by tests, as JobLog writes them: generated logs (a seeded random source and
 * the lines one run writes) and hand-made runs carrying text of a test's choosing.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The same pseudo-random numbers in [0, 1) on every run, so a generated log is the same log. */
export function seededRandom(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

type Fields = Record<string, unknown>;

/** The JSONL lines one run writes; `at(ms)` is the time `ms` into the run. */
export function runLines(base: Fields, at: (ms: number) => string) {
  const line = (ms: number, level: string, event: string, fields: Fields) =>
    JSON.stringify({ ts: at(ms), level, event, ...base, ...fields });
  return {
    start: (fields: Fields = {}) => line(0, 'info', 'run.start', fields),
    /** Provider `a` answered 503 after 400 ms, unless `fields` say otherwise. */
    failedAttempt: (ms: number, fields: Fields) =>
      line(ms, 'warn', 'attempt.end', {
        provider: 'a',
        model: 'm',
        outcome: 'failed',
        httpStatus: 503,
        ms: 400,
        ...fields,
      }),
    okAttempt: (ms: number, provider: string, took: number) =>
      line(ms, 'info', 'attempt.end', { provider, model: 'm', outcome: 'ok', httpStatus: 200, ms: took }),
    failedEnd: (ms: number, fields: Fields) =>
      line(ms, 'error', 'run.end', { outcome: 'failed', durationMs: 600, ...fields }),
    end: (ms: number, fields: Fields) => line(ms, 'info', 'run.end', fields),
  };
}

export interface FailedRun {
  job: string;
  runId: string;
  /** The slot (ISO); the run starts 1 s after it. */
  slot: string;
  provider: string;
  model?: string;
  errorType?: string;
  /** The attempt's and the run's error text. */
  error: string;
}

/** One failed cron run: run.start, one failed attempt.end, run.end. */
export function failedRun(run: FailedRun): string[] {
  const base = { job: run.job, runId: run.runId, scheduledFor: run.slot, trigger: 'cron' };
  const lines = runLines(base, (ms) => new Date(Date.parse(run.slot) + 1000 + ms).toISOString());
  const { provider, model = provider, errorType = 'server', error } = run;
  return [
    lines.start(),
    lines.failedAttempt(1000, { provider, model, errorType, error, ms: 5 }),
    lines.failedEnd(2000, { error }),
  ];
}

/** Writes lines (or records, as JSON) one per line, replacing the file. */
export function writeLog(file: string, lines: readonly (string | object)[]): void {
  fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
}

/** Hand-made records written as a job log at `file` (its folder made), in time order. */
export function writeRecords(file: string, records: Array<Record<string, unknown>>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sorted = [...records].sort((a, b) => String(a.ts).localeCompare(String(b.ts)));
  fs.writeFileSync(file, sorted.map((r) => JSON.stringify(r) + '\n').join(''));
}
