/** What lucy-ops tells a person, and through which channels (see docs/alerting.md). */

export type AlertKind =
  /** A job's afterConsecutiveFailures-th failed run in a row. */
  | 'job-failing'
  /** The job's first success after job-failing or chain-failed was sent. */
  | 'job-recovered'
  /** A run where no provider could serve (exit 69): first of an incident. */
  | 'chain-failed'
  /** A breaker went from closed to open in a run that still served (or had nothing else to say). */
  | 'breaker-open'
  /** A breaker we alerted about (breaker-open, or listed in a job alert) closed again: its trial succeeded. */
  | 'breaker-closed'
  /** The silent case, from `postmortem gaps --fail-on-gap`: slots with no record at all. */
  | 'gap'
  /** Proxy traffic (serve, library chains): enough of the latest requests failed (src/alerts/requests.ts). */
  | 'requests-failing'
  /** Proxy traffic served again after requests-failing was sent. */
  | 'requests-recovered';

export type Severity = 'critical' | 'warning' | 'resolved';

export interface Alert {
  kind: AlertKind;
  severity: Severity;
  /** One line a half-awake person can act on. */
  summary: string;
  /** ISO time the alert was raised. */
  ts: string;
  /** Host that raised it (several hosts may run the same crontab). */
  host: string;
  job?: string;
  /** The slot (ISO) the run served, when the alert is about a run. */
  slot?: string;
  runId?: string;
  /** Providers concerned (breakers opened in the run). */
  providers?: string[];
  consecutiveFailures?: number;
  /** Short, key-free error of the last failed run. */
  error?: string;
  /** Anything else a consumer may want (e.g. the gaps found). */
  details?: Record<string, unknown>;
}

/** What callers give `sendAlert`: ts and host are filled in, severity defaults by kind. */
export type AlertInput = Omit<Alert, 'ts' | 'host' | 'severity'> & Partial<Pick<Alert, 'ts' | 'host' | 'severity'>>;

export type Channel = 'stderr' | 'webhook' | 'command';

export type Delivery =
  { channel: Channel; ok: true; ms: number } | { channel: Channel; ok: false; ms: number; error: string };

export interface AlertReport {
  alert: Alert;
  deliveries: Delivery[];
}
