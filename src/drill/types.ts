/** What the drill reports: per act, the checks it made and a timeline for a person. */

export interface Check {
  name: string;
  ok: boolean;
  expected: unknown;
  actual: unknown;
}

export type TimelineKind = 'ok' | 'failed' | 'degraded' | 'breaker' | 'alert' | 'analysis' | 'backfill' | 'note';

export interface TimelineEntry {
  /** Sim time, ISO ('' for lines that are not tied to a moment). */
  at: string;
  kind: TimelineKind;
  text: string;
}

export type ActName = 'before' | 'after' | 'backfill';

export interface ActReport {
  name: ActName;
  title: string;
  ok: boolean;
  checks: Check[];
  timeline: TimelineEntry[];
}

export interface DrillNumbers {
  /** Slots of the replayed afternoon, all jobs. */
  slots: number;
  before: { served: number; failed: number; primaryRequestsInOutage: number; alerts: number };
  after: {
    servedByPrimary: number;
    servedByFallback: number;
    failed: number;
    primaryRequestsInOutage: number;
    skippedPrimaryRuns: number;
    alerts: Record<string, number>;
  };
  /** Requests "before" sent to the dead primary minus those "after" sent. */
  requestsSavedByBreaker: number;
  gap: {
    found: number;
    jobs: string[];
    start: string | null;
    end: string | null;
    durationMinutes: number;
    filled: number;
    secondBackfill: number;
  };
}

export interface DrillReport {
  ok: boolean;
  /** Real time the drill took. */
  durationMs: number;
  /** Where the artefacts were kept (--keep), else null (they were removed). */
  keptIn: string | null;
  /** Act 1's and act 2's incident reports (--report DIR), else empty. */
  reports: string[];
  outage: { primary: string; from: string; until: string; chain: string[] };
  acts: ActReport[];
  numbers: DrillNumbers;
  /** Real commands to run next on one's own config. */
  next: string[];
  failedChecks: string[];
}
