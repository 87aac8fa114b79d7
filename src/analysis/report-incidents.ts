/**
 * The report's incidents and headline. The incidents are those of `postmortem gaps`, built by the
 * same rule from the same gaps (runs of unserved slots; incidents.ts), so the two never tell a
 * different story; each is then counted by outcome over its jobs' slots in its span. Slots a
 * fallback served or a later run filled are no gap: they are told beside the incidents as
 * stretches (report-stretches.ts), never hidden.
 */
import { mergeIncidents, type GapSpan, type Owed } from './incidents.js';
import type { Window } from './ledger-types.js';
import type { CellOutcome, JobRow } from './slot-cells.js';

export interface ReportIncident {
  start: string;
  /** When its jobs were served again (ISO); null while it goes on. */
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  /** Affected slots of its jobs in its span: failed + missing + degraded + filled. */
  slots: number;
  /** Its unserved slots (failed + missing): the slots `postmortem gaps` counts for it. */
  unserved: number;
  failed: number;
  missing: number;
  /** Slots of its jobs in its span served by a fallback (no gap, so not what keeps it open). */
  degraded: number;
  /** Slots of its jobs in its span filled later (served since, so no gap now). */
  filled: number;
  /** Its failed attempts, then the jobs with no record at all in it (as in `postmortem gaps`). */
  cause?: string;
  /** Its jobs with no record at all for any of their slots in it. */
  noRecords: string[];
  /**
   * Over, yet a job of it has not been served since (its next slot has not come): the slots it
   * still owes, as in `postmortem gaps`, each with what the log says of that job's next slot. Empty
   * while it goes on.
   */
  owing: Array<{ job: string } & Owed & { next?: NextSlot }>;
}

/**
 * What became of the next slot of a job that still owes slots, judged from the whole log read (also
 * after the window) and the clock: `served` (at: when), `running` (started at, no end yet), `failed`
 * (at: when), `due` (its time has passed, no record of it yet) or `not-come` (after now).
 */
export interface NextSlot {
  slot: string;
  state: 'served' | 'running' | 'failed' | 'due' | 'not-come';
  at?: string;
}

export interface Headline {
  /**
   * The incident the headline tells (an index into the report's incidents): the one going on, else
   * the latest that still owes a slot, else the worst (most slots unserved, then affected, then
   * longest, then the latest); null when none. start, end, open, durationMs, jobs and cause are its
   * own; the counts below are the window's.
   */
  incident: number | null;
  /** That incident's first unserved slot (ISO), null with no incident. */
  start: string | null;
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  /** That incident's cause (its failed attempts, and its jobs with no record at all). */
  cause?: string;
  /** The window's slots not served on time by the chain's first provider: failed + missing + degraded + filled. */
  affected: number;
  failed: number;
  missing: number;
  degraded: number;
  /** Unserved at first, served since by a backfill (or by hand). */
  filled: number;
  /** The window's slots still unserved now: failed + missing. */
  unserved: number;
  pending: number;
  /** Slots not judged because their job was out of the config then (jobs[].outOfConfig says when). */
  notJudgedOutOfConfig: number;
  /** Gap alerts (`alert.sent`, kind `gap`) the watchdog sent inside the window. */
  gapAlerts: number;
}

/**
 * The incidents of these gaps (those `postmortem gaps` finds on the same ledger), each counted by
 * outcome over its jobs' slots in its span; a cause naming a provider not in `chain` (the
 * config's) is marked so.
 */
export function reportIncidents(
  rows: JobRow[],
  gaps: readonly GapSpan[],
  window: Window,
  chain: readonly string[],
): ReportIncident[] {
  return mergeIncidents(gaps, window.until, chain).map((incident) => {
    const cells = rows
      .filter((row) => incident.jobs.includes(row.job))
      .flatMap((row) => row.cells)
      .filter((c) => c.slot >= incident.start && (incident.end === null || c.slot < incident.end));
    const count = (o: CellOutcome) => cells.filter((c) => c.outcome === o).length;
    const [degraded, filled] = [count('degraded'), count('filled')];
    return {
      start: incident.start,
      end: incident.end,
      open: incident.open,
      durationMs: incident.durationMs,
      jobs: incident.jobs,
      slots: incident.failed + incident.missing + degraded + filled,
      unserved: incident.slots,
      failed: incident.failed,
      missing: incident.missing,
      degraded,
      filled,
      ...(incident.cause ? { cause: incident.cause } : {}),
      noRecords: incident.noRecords,
      owing: incident.owing,
    };
  });
}

/**
 * The incident a headline tells: the one going on; else the latest that still owes a slot (a gap
 * of it is open: the on-call reader's business now); else the worst, else (a tie) the latest.
 */
export function featuredIncident(incidents: readonly ReportIncident[]): number | null {
  if (incidents.length === 0) return null;
  const open = incidents.findIndex((i) => i.open);
  if (open >= 0) return open;
  for (let k = incidents.length - 1; k >= 0; k--) if (incidents[k].owing.length > 0) return k;
  const rank = (i: ReportIncident) => [i.failed + i.missing, i.slots, i.durationMs];
  let best = 0;
  for (let k = 1; k < incidents.length; k++) {
    const [a, b] = [rank(incidents[k]), rank(incidents[best])];
    const d = a.findIndex((x, n) => x !== b[n]);
    if (d < 0 || a[d] > b[d]) best = k;
  }
  return best;
}

/**
 * The window in one line: the incident the headline tells (featuredIncident) with its own span,
 * jobs and cause, and the slots counted over every job of the window.
 */
export function headline(
  rows: JobRow[],
  incidents: ReportIncident[],
  untilMs: number,
  alerts: ReadonlyArray<{ kind: string }> = [],
): Headline {
  const total = (o: CellOutcome) => rows.reduce((n, r) => n + r.counts[o], 0);
  const index = featuredIncident(incidents);
  const told = index === null ? undefined : incidents[index];
  const [failed, missing] = [total('failed'), total('missing')];
  return {
    incident: index,
    start: told?.start ?? null,
    end: told?.end ?? null,
    open: told?.open ?? false,
    durationMs: told ? (told.end ? Date.parse(told.end) : untilMs) - Date.parse(told.start) : 0,
    jobs: told?.jobs ?? [],
    ...(told?.cause ? { cause: told.cause } : {}),
    affected: failed + missing + total('degraded') + total('filled'),
    failed,
    missing,
    degraded: total('degraded'),
    filled: total('filled'),
    unserved: failed + missing,
    pending: total('pending'),
    notJudgedOutOfConfig: rows.reduce((n, r) => n + r.notJudgedOutOfConfig, 0),
    gapAlerts: alerts.filter((a) => a.kind === 'gap').length,
  };
}
