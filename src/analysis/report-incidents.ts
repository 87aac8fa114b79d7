/**
 * The report's incidents and headline. An incident is a run of slots not served on time (failed or
 * missing at their time), grouped by the rule of `postmortem gaps` (incidents.ts) over the gaps as
 * they were before any fill: the report tells the outage that happened, whether or not a backfill
 * filled its slots since, and `postmortem gaps` lists the part of it still owed now. Whether it goes
 * on is judged by the slots unserved now and the clock, so one whose slots were all filled is over.
 * Slots a fallback served were served on time: no incident is made of them, they are told beside
 * the incidents as stretches (report-stretches.ts).
 */
import type { Gap } from './gap-types.js';
import { mergeIncidents, type Owed } from './incidents.js';
import type { Window } from './ledger-types.js';
import { filledByFallback, type CellOutcome, type FilledByFallback, type JobRow, type SlotCell } from './slot-cells.js';

export interface ReportIncident {
  start: string;
  /** When its jobs were served again (ISO); null while it goes on. */
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  /** Affected slots of its jobs in its span: failed + missing + degraded + filled. */
  slots: number;
  /**
   * Its slots not served on time (failed or missing at their time): filledLater.slots +
   * stillUnserved. What `postmortem gaps` counted for it before any fill.
   */
  notOnTime: number;
  /** Its slots still unserved now (failed + missing): the slots `postmortem gaps` lists for it now. */
  stillUnserved: number;
  /** The same as stillUnserved (the older name). */
  unserved: number;
  /** Of its slots still unserved now: a run failed, or a run started and never ended. */
  failed: number;
  /** Of its slots still unserved now: no record at all. */
  missing: number;
  /** Slots of its jobs in its span served by a fallback (served on time: not among notOnTime). */
  degraded: number;
  /** Its slots filled later (unserved at their time, served since): filledLater.slots. */
  filled: number;
  /**
   * Its slots filled later: how many, by which triggers (`backfill`, `manual`), when the last was;
   * `fallback` when a fallback filled some (how many, which providers), absent when none did.
   */
  filledLater: { slots: number; by: string[]; at: string | null; fallback?: FilledByFallback };
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
   * the latest that still owes a slot, else the worst (most slots not served on time, then affected, then
   * longest, then the latest); null when none. start, end, open, durationMs, jobs and cause are its
   * own; the counts below are the window's.
   */
  incident: number | null;
  /** That incident's first slot not served on time (ISO), null with no incident. */
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
 * The report's incidents: `firstGaps` are the gaps of `postmortem gaps` before any fill (findGaps
 * walking the filled slots as unserved, `servedLate`), `nowGaps` those it finds now. Grouped by the
 * same rule; an open gap's openness counts only its slots unserved now (an open gap whose slots were
 * all filled ends when the last was filled, at the latest at the window's end), and what a job still
 * owes is its gap of now. A cause naming a provider not in `chain` (the config's) is marked so.
 */
export function reportIncidents(
  rows: JobRow[],
  firstGaps: readonly Gap[],
  nowGaps: readonly Gap[],
  window: Window,
  chain: readonly string[],
): ReportIncident[] {
  const cellsOf = new Map(rows.map((row) => [row.job, row.cells]));
  const spans = firstGaps.map((gap) => (gap.end === null ? judgedNow(gap, cellsOf.get(gap.job) ?? [], window) : gap));
  return mergeIncidents(spans, window.until, chain).map((incident) => {
    const cells = rows
      .filter((row) => incident.jobs.includes(row.job))
      .flatMap((row) => row.cells)
      .filter((c) => c.slot >= incident.start && (incident.end === null || c.slot < incident.end));
    const count = (o: CellOutcome) => cells.filter((c) => c.outcome === o).length;
    const [failed, missing, degraded, filled] = [count('failed'), count('missing'), count('degraded'), count('filled')];
    const owing = incident.open
      ? []
      : nowGaps
          .filter((g) => g.end === null && incident.jobs.includes(g.job) && g.start >= incident.start)
          .filter((g) => g.start < incident.end!)
          .map((g) => ({ job: g.job, start: g.start, lastSlot: g.lastSlot, slots: g.slots }));
    return {
      start: incident.start,
      end: incident.end,
      open: incident.open,
      durationMs: incident.durationMs,
      jobs: incident.jobs,
      slots: failed + missing + degraded + filled,
      notOnTime: incident.slots,
      stillUnserved: failed + missing,
      unserved: failed + missing,
      failed,
      missing,
      degraded,
      filled,
      filledLater: filledLater(cells),
      ...(incident.cause ? { cause: incident.cause } : {}),
      noRecords: incident.noRecords,
      owing,
    };
  });
}

/**
 * An open gap as it was before any fill, made to tell what keeps it open now: its last slot still
 * unserved; or, with every slot of it filled, closed when the last was filled (at the latest at the
 * window's end), so a fully filled incident is over.
 */
function judgedNow(gap: Gap, cells: readonly SlotCell[], window: Window): Gap {
  const mine = cells.filter((c) => c.slot >= gap.start && c.slot <= gap.lastSlot);
  const unserved = mine.filter((c) => c.outcome === 'failed' || c.outcome === 'missing');
  if (unserved.length > 0) return { ...gap, lastSlot: unserved.at(-1)!.slot };
  const until = window.until.toISOString();
  const filledAt = filledLater(mine).at ?? until;
  const end = filledAt > gap.lastSlot && filledAt < until ? filledAt : until;
  return { ...gap, end, open: false, durationMs: Date.parse(end) - Date.parse(gap.start) };
}

/** The filled slots among these cells: how many, by which triggers, when the last was filled. */
function filledLater(cells: readonly SlotCell[]): ReportIncident['filledLater'] {
  const filled = cells.filter((c) => c.outcome === 'filled');
  const by = [...new Set(filled.map((c) => c.filledBy ?? 'later'))];
  const at = filled.reduce<string | null>(
    (last, c) => (c.filledAt && (!last || c.filledAt > last) ? c.filledAt : last),
    null,
  );
  const fallback = filledByFallback(filled);
  return { slots: filled.length, by, at, ...(fallback ? { fallback } : {}) };
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
  const rank = (i: ReportIncident) => [i.notOnTime, i.slots, i.durationMs];
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
