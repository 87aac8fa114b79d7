/**
 * The report's stretches: runs of a job's slots that a fallback served, or that later runs filled.
 * A fallback served its slots on time, so no incident is made of them; filled slots are in the
 * incident they were not served on time in, and told here too, by job, with who filled them. None
 * is hidden: each is told beside the incident it overlaps or touches, or on its own.
 */
import type { FilledByFallback, JobRow } from './slot-cells.js';
import type { ReportIncident } from './report-incidents.js';

export interface Stretch {
  job: string;
  /** `degraded`: served by a fallback at its time; `filled`: unserved at first, served later. */
  kind: 'degraded' | 'filled';
  /** First slot of it (ISO). */
  start: string;
  /** Last slot of it (ISO). */
  lastSlot: string;
  /** The job's next judged slot after it (ISO); null when it lasts to the last slot judged. */
  end: string | null;
  slots: number;
  /** It lasts to the last slot judged (nothing judged after it yet). */
  open: boolean;
  /** Who served its slots, in the order they first did. */
  providers: string[];
  /** `filled`: the triggers of the runs that filled it (`backfill`, `manual`), in the order they first did. */
  filledBy?: string[];
  /** `filled`: when its last slot to be filled was (ISO). */
  filledAt?: string;
  /** `filled`: the slots of it a fallback filled, when any were (how many, which providers). */
  fallback?: FilledByFallback;
  /** The incident (an index into the report's incidents) it overlaps or touches; null when none. */
  incident: number | null;
}

/** Every stretch of these rows, in time order, each tied to the incident it overlaps or touches. */
export function reportStretches(
  rows: readonly JobRow[],
  incidents: readonly ReportIncident[],
  untilMs: number,
): Stretch[] {
  const out: Stretch[] = [];
  for (const row of rows) {
    let open: Stretch | undefined;
    const close = (end: string | null) => {
      if (!open) return;
      open.end = end;
      open.open = end === null;
      out.push(open);
      open = undefined;
    };
    for (const cell of row.cells) {
      const kind = cell.outcome === 'degraded' || cell.outcome === 'filled' ? cell.outcome : undefined;
      if (open && open.kind !== kind) close(cell.outcome === 'pending' ? null : cell.slot);
      if (!kind) continue;
      open ??= {
        job: row.job,
        kind,
        start: cell.slot,
        lastSlot: cell.slot,
        end: null,
        slots: 0,
        open: true,
        providers: [],
        ...(kind === 'filled' ? { filledBy: [] } : {}),
        incident: null,
      };
      open.lastSlot = cell.slot;
      open.slots++;
      if (cell.provider && !open.providers.includes(cell.provider)) open.providers.push(cell.provider);
      if (kind === 'filled') {
        const by = cell.filledBy ?? 'later';
        if (!open.filledBy!.includes(by)) open.filledBy!.push(by);
        if (cell.filledAt && (!open.filledAt || cell.filledAt > open.filledAt)) open.filledAt = cell.filledAt;
        if (cell.degraded) {
          open.fallback ??= { slots: 0, providers: [] };
          open.fallback.slots++;
          const provider = cell.provider ?? '?';
          if (!open.fallback.providers.includes(provider)) open.fallback.providers.push(provider);
        }
      }
    }
    close(null);
  }
  for (const s of out) s.incident = touching(s, incidents, untilMs);
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.job.localeCompare(b.job));
}

/** The first incident whose span [start, end] meets the stretch's [start, end] (ends included). */
function touching(s: Stretch, incidents: readonly ReportIncident[], untilMs: number): number | null {
  const [from, to] = [Date.parse(s.start), s.end === null ? untilMs : Date.parse(s.end)];
  const at = incidents.findIndex(
    (i) => Date.parse(i.start) <= to && from <= (i.end === null ? untilMs : Date.parse(i.end)),
  );
  return at < 0 ? null : at;
}
