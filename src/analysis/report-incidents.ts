/**
 * The report's incidents and headline: runs of affected slots per job, merged across jobs into
 * incidents (as `postmortem gaps` merges gaps), each counted by outcome, and the window in one line.
 */
import { causeCounts, causeKey, markNotInConfig, type CauseTally } from './cause.js';
import { mergeIncidents, type GapSpan, type Owed } from './incidents.js';
import type { Window } from './ledger-types.js';
import { AFFECTED, type CellOutcome, type JobRow } from './slot-cells.js';
import type { SlotHistory } from './slot-history.js';

export interface ReportIncident {
  start: string;
  /** The first slot served again (ISO); null while it goes on at the window's end. */
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  slots: number;
  failed: number;
  missing: number;
  degraded: number;
  filled: number;
  cause?: string;
  /**
   * Over, yet a job of it has not been served since (its next slot has not come): the slots it
   * still owes, as in `postmortem gaps`. Empty while it goes on.
   */
  owing: Array<{ job: string } & Owed>;
}

export interface Headline {
  /**
   * The incident the headline tells (an index into the report's incidents): the one going on, else
   * the worst (most slots unserved, then affected, then longest, then the latest); null when none.
   * start, end, open, durationMs, jobs and cause are its own; the counts below are the window's.
   */
  incident: number | null;
  /** That incident's first affected slot (ISO), null when nothing was affected. */
  start: string | null;
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  /** That incident's cause (its failed attempts); absent when none failed (its slots missing). */
  cause?: string;
  /** Slots not served on time by the chain's first provider: failed + missing + degraded + filled. */
  affected: number;
  failed: number;
  missing: number;
  degraded: number;
  /** Unserved at first, served since by a backfill (or by hand). */
  filled: number;
  /** Still unserved now: failed + missing. */
  unserved: number;
  pending: number;
  /** Slots not judged because their job was out of the config then (jobs[].outOfConfig says when). */
  notJudgedOutOfConfig: number;
  /** Gap alerts (`alert.sent`, kind `gap`) the watchdog sent inside the window. */
  gapAlerts: number;
}

/**
 * The incidents of these job rows, each with its slots counted by outcome; a cause naming a
 * provider not in `chain` (the config's) is marked so.
 */
export function reportIncidents(
  rows: JobRow[],
  history: SlotHistory,
  window: Window,
  chain: readonly string[],
): ReportIncident[] {
  const spans = rows.flatMap((row) => affectedSpans(row, history));
  const merged = mergeIncidents(spans, window.until);
  markNotInConfig(merged, chain);
  return merged.map((incident) => {
    const cells = rows
      .filter((row) => incident.jobs.includes(row.job))
      .flatMap((row) => row.cells)
      .filter((c) => c.slot >= incident.start && (incident.end === null || c.slot < incident.end));
    const count = (o: CellOutcome) => cells.filter((c) => c.outcome === o).length;
    return {
      start: incident.start,
      end: incident.end,
      open: incident.open,
      durationMs: incident.durationMs,
      jobs: incident.jobs,
      slots: cells.filter((c) => AFFECTED.has(c.outcome)).length,
      failed: count('failed'),
      missing: count('missing'),
      degraded: count('degraded'),
      filled: count('filled'),
      ...(incident.cause ? { cause: incident.cause } : {}),
      owing: incident.owing,
    };
  });
}

/**
 * Runs of consecutive affected slots of one job, as gap spans: each ends at the next slot served on
 * time (open when a pending slot or the window's end comes first). Their failed attempts are the
 * cause. Each carries its last affected slot, so an incident ends by the rule `postmortem gaps`
 * uses (a job whose next slot has not come does not keep it open), and the slots such a job still
 * owes: those failed or missing since it was last served.
 */
function affectedSpans(row: JobRow, history: SlotHistory): GapSpan[] {
  const spans: GapSpan[] = [];
  let open:
    | {
        start: string;
        lastSlot: string;
        slots: number;
        failed: number;
        missing: number;
        tally: CauseTally;
        unserved: Owed | null;
      }
    | undefined;
  const close = (end: string | null) => {
    if (!open) return;
    spans.push({
      job: row.job,
      start: open.start,
      end,
      lastSlot: open.lastSlot,
      unserved: open.unserved,
      slots: open.slots,
      failed: open.failed,
      missing: open.missing,
      causes: causeCounts(open.tally),
    });
    open = undefined;
  };
  for (const cell of row.cells) {
    if (!AFFECTED.has(cell.outcome)) {
      close(cell.outcome === 'served' ? cell.slot : null);
      continue;
    }
    open ??= {
      start: cell.slot,
      lastSlot: cell.slot,
      slots: 0,
      failed: 0,
      missing: 0,
      tally: new Map(),
      unserved: null,
    };
    open.lastSlot = cell.slot;
    open.slots++;
    // owed: the unserved slots since it was last served, by a fallback too (the gap `gaps` lists open)
    if (cell.outcome === 'failed' || cell.outcome === 'missing') {
      open.unserved ??= { start: cell.slot, lastSlot: cell.slot, slots: 0 };
      open.unserved.lastSlot = cell.slot;
      open.unserved.slots++;
    } else open.unserved = null;
    if (cell.outcome === 'failed' || cell.was === 'failed') open.failed++;
    if (cell.outcome === 'missing' || cell.was === 'missing') open.missing++;
    for (const run of history.of(row.job, new Date(cell.slot)))
      for (const a of run.attempts)
        if (a.result !== 'ok' && a.result !== 'breaker open') {
          const key = causeKey(a.provider, a.result);
          open.tally.set(key, (open.tally.get(key) ?? 0) + 1);
        }
  }
  close(null);
  return spans;
}

/** The incident a headline tells: the one going on, else the worst, else (a tie) the latest. */
export function featuredIncident(incidents: readonly ReportIncident[]): number | null {
  if (incidents.length === 0) return null;
  const open = incidents.findIndex((i) => i.open);
  if (open >= 0) return open;
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
 * The window in one line: the incident going on (else the worst) with its own span, jobs and
 * cause, and the slots counted over every job of the window.
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
