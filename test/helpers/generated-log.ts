/** Pieces of the generated job logs the analysis tests read: a seeded random source, a run's lines. */

/** The same pseudo-random numbers in [0, 1) on every run, so a generated log is the same log. */
export function seededRandom(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

type Fields = Record<string, unknown>;

/** The JSONL lines one run writes, as JobLog writes them; `at(ms)` is the time `ms` into the run. */
export function runLines(base: Fields, at: (ms: number) => string) {
  const line = (ms: number, level: string, event: string, fields: Fields) =>
    JSON.stringify({ ts: at(ms), level, event, ...base, ...fields });
  return {
    start: (fields: Fields) => line(0, 'info', 'run.start', fields),
    /** Provider `a` answered 503 after 400 ms. */
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
