/**
 * Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector reads
 * it: `# HELP` and `# TYPE` once per family, then its samples; label values escaped (\\, \", \n).
 */

export interface JobCounters {
  runs: Record<string, number>;
  /** Epoch ms of the last ok run's end. */
  lastSuccessMs?: number;
  /** Epoch ms of the last run's end (ok or failed). */
  lastRunMs?: number;
  consecutiveFailures: number;
}

export interface ProviderCounters {
  attempts: Record<string, number>;
}

export interface BreakerGauge {
  provider: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
}

export interface MetricsSnapshot {
  jobs: Record<string, JobCounters>;
  providers: Record<string, ProviderCounters>;
  breakers: BreakerGauge[];
}

export const RUN_OUTCOMES = ['ok', 'failed'] as const;
export const ATTEMPT_OUTCOMES = ['ok', 'failed', 'skipped-open'] as const;
export const BREAKER_STATE_VALUE = { closed: 0, open: 1, 'half-open': 2 } as const;

type Sample = { labels: Record<string, string>; value: number };

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Sample[];
}

export function renderMetrics(snap: MetricsSnapshot): string {
  const jobs = Object.keys(snap.jobs).sort();
  const providers = Object.keys(snap.providers).sort();
  const families: Family[] = [
    {
      name: 'lucy_ops_runs_total',
      type: 'counter',
      help: 'Job runs that did work, by outcome (skipped runs are not counted).',
      samples: jobs.flatMap((job) =>
        outcomes(RUN_OUTCOMES, snap.jobs[job].runs).map((outcome) => ({
          labels: { job, outcome },
          value: snap.jobs[job].runs[outcome] ?? 0,
        })),
      ),
    },
    {
      name: 'lucy_ops_attempts_total',
      type: 'counter',
      help: 'Provider attempts, by outcome (skipped-open: the breaker was open, no request sent).',
      samples: providers.flatMap((provider) =>
        outcomes(ATTEMPT_OUTCOMES, snap.providers[provider].attempts).map((outcome) => ({
          labels: { provider, outcome },
          value: snap.providers[provider].attempts[outcome] ?? 0,
        })),
      ),
    },
    {
      name: 'lucy_ops_breaker_state',
      type: 'gauge',
      help: 'Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.',
      samples: snap.breakers.map((b) => ({ labels: { provider: b.provider }, value: BREAKER_STATE_VALUE[b.state] })),
    },
    {
      name: 'lucy_ops_breaker_consecutive_failures',
      type: 'gauge',
      help: 'Consecutive failures counted toward opening the breaker, per provider.',
      samples: snap.breakers.map((b) => ({ labels: { provider: b.provider }, value: b.consecutiveFailures })),
    },
    {
      name: 'lucy_ops_job_consecutive_failures',
      type: 'gauge',
      help: 'Failed runs in a row, per job (0 after a success).',
      samples: jobs.map((job) => ({ labels: { job }, value: snap.jobs[job].consecutiveFailures })),
    },
    {
      name: 'lucy_ops_last_success_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time of the last successful run, per job.',
      samples: jobs
        .filter((job) => snap.jobs[job].lastSuccessMs !== undefined)
        .map((job) => ({ labels: { job }, value: snap.jobs[job].lastSuccessMs! / 1000 })),
    },
    {
      name: 'lucy_ops_last_run_timestamp_seconds',
      type: 'gauge',
      help: 'Unix time of the last run that did work (ok or failed), per job.',
      samples: jobs
        .filter((job) => snap.jobs[job].lastRunMs !== undefined)
        .map((job) => ({ labels: { job }, value: snap.jobs[job].lastRunMs! / 1000 })),
    },
  ];
  return families.map(renderFamily).join('');
}

/** The known outcomes (always present, so rate() sees a 0 before the first failure) and any others stored. */
function outcomes(known: readonly string[], stored: Record<string, number>): string[] {
  return [
    ...known,
    ...Object.keys(stored)
      .filter((k) => !known.includes(k))
      .sort(),
  ];
}

function renderFamily(f: Family): string {
  let out = `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
  for (const s of f.samples) out += `${f.name}${renderLabels(s.labels)} ${renderValue(s.value)}\n`;
  return out;
}

function renderLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function renderValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
