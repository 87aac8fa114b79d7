/**
 * Metric counters that outlive the process: every cron run is a new process, so the counts live
 * in the state store (`metrics:job:<job>`, `metrics:provider:<name>`), each changed by one atomic
 * update, and the textfile is rendered from there.
 */
import type { StateStore } from '../state/types.js';
import type { JobCounters, ProviderCounters } from './render.js';

export const JOB_PREFIX = 'metrics:job:';
export const PROVIDER_PREFIX = 'metrics:provider:';

export interface RunForMetrics {
  job: string;
  status: 'ok' | 'failed';
  /** Epoch ms of the run's end. */
  at: number;
  attempts: ReadonlyArray<{ provider: string; outcome: string }>;
}

export function countRun(current: JobCounters | undefined, run: RunForMetrics): JobCounters {
  const prev = current ?? { runs: {}, consecutiveFailures: 0 };
  return {
    runs: { ...prev.runs, [run.status]: (prev.runs[run.status] ?? 0) + 1 },
    lastSuccessMs: run.status === 'ok' ? Math.max(run.at, prev.lastSuccessMs ?? 0) : prev.lastSuccessMs,
    lastRunMs: Math.max(run.at, prev.lastRunMs ?? 0),
    consecutiveFailures: run.status === 'ok' ? 0 : prev.consecutiveFailures + 1,
  };
}

export function countAttempts(
  current: ProviderCounters | undefined,
  outcomes: Record<string, number>,
): ProviderCounters {
  const attempts = { ...(current?.attempts ?? {}) };
  for (const [outcome, n] of Object.entries(outcomes)) attempts[outcome] = (attempts[outcome] ?? 0) + n;
  return { attempts };
}

/** Add one run (and its attempts) to the stored counters. */
export async function recordRun(store: StateStore, run: RunForMetrics): Promise<void> {
  const perProvider = new Map<string, Record<string, number>>();
  for (const a of run.attempts) {
    const m = perProvider.get(a.provider) ?? {};
    m[a.outcome] = (m[a.outcome] ?? 0) + 1;
    perProvider.set(a.provider, m);
  }
  await store.update<JobCounters>(JOB_PREFIX + run.job, (cur) => countRun(cur, run));
  for (const [provider, outcomes] of perProvider) {
    await store.update<ProviderCounters>(PROVIDER_PREFIX + provider, (cur) => countAttempts(cur, outcomes));
  }
}

/** Every stored counter, plus zeroed entries for configured jobs and providers not seen yet. */
export async function readCounters(
  store: StateStore,
  known: { jobs: string[]; providers: string[] },
): Promise<{ jobs: Record<string, JobCounters>; providers: Record<string, ProviderCounters> }> {
  const jobs: Record<string, JobCounters> = {};
  const providers: Record<string, ProviderCounters> = {};
  for (const name of known.jobs) jobs[name] = { runs: {}, consecutiveFailures: 0 };
  for (const name of known.providers) providers[name] = { attempts: {} };
  for (const [key, value] of Object.entries(await store.list<JobCounters>(JOB_PREFIX)))
    jobs[stripPrefix(key, JOB_PREFIX)] = value;
  for (const [key, value] of Object.entries(await store.list<ProviderCounters>(PROVIDER_PREFIX)))
    providers[stripPrefix(key, PROVIDER_PREFIX)] = value;
  return { jobs, providers };
}

/** list() returns full keys; tolerate a store that returns them without the prefix. */
function stripPrefix(key: string, prefix: string): string {
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}
