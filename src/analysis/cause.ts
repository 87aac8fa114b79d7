/**
 * Causes of unserved slots, counted from the log: failed attempts per provider ("deepseek-v3: 503
 * ×9, timeout ×3"), or, for runs without attempts (command jobs), what the run itself reported.
 */
import type { LogRecord } from '../log/types.js';

/** One kind of failure and how often it happened. `source` is a provider name, or `run`. */
export interface CauseCount {
  source: string;
  reason: string;
  count: number;
  /** A provider the config does not have (a stale or hand-written line): see markNotInConfig. */
  notInConfig?: true;
}

/** Counts keyed by `source \u0001 reason`: compact, and cheap to merge. */
export type CauseTally = Map<string, number>;

const SEP = '\u0001';
export const RUN_SOURCE = 'run';
export const CRASHED_REASON = 'no run.end (killed or crashed)';

export function causeKey(source: string, reason: string): string {
  return source + SEP + reason;
}

/** The cause key of a failed attempt, or undefined for a successful one. */
/** A number a provider's answer could have had as its HTTP status (a log may hold any number). */
export function isHttpStatus(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599;
}

export function attemptCauseKey(record: LogRecord): string | undefined {
  const outcome = record.outcome;
  if (outcome === 'ok') return undefined;
  const provider = typeof record.provider === 'string' ? record.provider : 'unknown provider';
  if (outcome === 'skipped-open') return causeKey(provider, 'breaker open');
  const status = record.httpStatus;
  const reason = isHttpStatus(status)
    ? String(status)
    : typeof record.errorType === 'string'
      ? record.errorType
      : 'error';
  return causeKey(provider, reason);
}

/** What a failed run.end says about itself (used only when no attempt failed). */
export function runCauseKey(record: LogRecord): string {
  if (typeof record.errorType === 'string') return causeKey(RUN_SOURCE, record.errorType);
  if (typeof record.signal === 'string') return causeKey(RUN_SOURCE, `killed by ${record.signal}`);
  if (typeof record.exitCode === 'number') return causeKey(RUN_SOURCE, `exit ${record.exitCode}`);
  return causeKey(RUN_SOURCE, 'failed');
}

export function addTally(into: CauseTally, from: CauseTally | undefined): void {
  if (!from) return;
  for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n);
}

/**
 * One slot's tally without its runs' own summaries when attempts explain them: "deepseek-v3: 503"
 * says more than "run: all-providers-failed". A run that made no attempt (a missing key, a bad
 * request built before any call) keeps its summary, so a gap mixing both shows both.
 */
export function preferAttempts(tally: CauseTally | undefined): CauseTally | undefined {
  if (!tally) return tally;
  const keys = [...tally.keys()];
  const attempts = keys.some((key) => !key.startsWith(RUN_SOURCE + SEP));
  if (!attempts) return tally;
  return new Map(
    [...tally].filter(([key]) => !key.startsWith(RUN_SOURCE + SEP) || key === causeKey(RUN_SOURCE, CRASHED_REASON)),
  );
}

/** The tally as a list, most frequent first. */
export function causeCounts(tally: CauseTally): CauseCount[] {
  const all: CauseCount[] = [];
  for (const [key, count] of tally) {
    const at = key.indexOf(SEP);
    all.push({ source: key.slice(0, at), reason: key.slice(at + 1), count });
  }
  return all.sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.reason.localeCompare(b.reason));
}

/** "deepseek-v3: 503 ×9, timeout ×3; llama-3.3-70b: timeout ×3", or undefined when nothing failed. */
export function formatCause(counts: CauseCount[]): string | undefined {
  if (counts.length === 0) return undefined;
  const bySource = new Map<string, CauseCount[]>();
  for (const c of counts) {
    const list = bySource.get(c.source) ?? [];
    list.push(c);
    bySource.set(c.source, list);
  }
  const total = (list: CauseCount[]) => list.reduce((n, c) => n + c.count, 0);
  return [...bySource.entries()]
    .sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]))
    .map(
      ([source, list]) =>
        `${source}${list[0].notInConfig ? NOT_IN_CONFIG : ''}: ${list.map((c) => `${c.reason} ×${c.count}`).join(', ')}`,
    )
    .join('; ');
}

/** How a cause marks a provider the config does not have. */
export const NOT_IN_CONFIG = ' (not in config)';

/**
 * Marks the causes naming a provider that is not one of `providers` (the config's), and writes each
 * item's `cause` again with the mark: `ghost (not in config): 503 ×2`. Such a line still counts
 * (the log is the record), but nobody should go looking for a provider the chain does not have: it
 * comes from an old config or was written by hand. `run` (a run's own word) is no provider.
 */
export function markNotInConfig(
  items: Array<{ cause?: string; causes: CauseCount[] }>,
  providers: readonly string[],
): void {
  const known = new Set(providers);
  for (const item of items) {
    let marked = false;
    for (const c of item.causes)
      if (c.source !== RUN_SOURCE && !known.has(c.source)) {
        c.notInConfig = true;
        marked = true;
      }
    if (marked) item.cause = formatCause(item.causes);
  }
}

export function tallyFromCounts(counts: readonly CauseCount[]): CauseTally {
  const tally: CauseTally = new Map();
  for (const c of counts) {
    const key = causeKey(c.source, c.reason);
    tally.set(key, (tally.get(key) ?? 0) + c.count);
  }
  return tally;
}
