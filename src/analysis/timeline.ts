/**
 * The picture of a window: per job a row of cells on one time axis, each cell the slots that fall in
 * it, judged as `postmortem gaps` judges them. When a cell holds several slots (a long window on a
 * narrow terminal) it shows the worst of them, so a failure is never hidden by its neighbours.
 */
import { slotsBetween } from '../schedule/slots.js';
import type { JobSchedule, Window } from './ledger-types.js';

/**
 * `out-of-config`: a slot that was due while the watchdog saw the job out of the config, with no
 * run record: not judged (gaps' `notJudgedOutOfConfig`). Only slots up to the window's end are
 * walked, so no cell past now is one.
 */
export type CellStatus = 'served' | 'degraded' | 'failed' | 'missing' | 'pending' | 'out-of-config';

export interface TimelineRow {
  job: string;
  /** One entry per column: the worst status of the slots in it; null where the job has no slot. */
  cells: Array<CellStatus | null>;
}

export interface Timeline {
  since: string;
  /** Each column covers this many ms from `since`. */
  stepMs: number;
  columns: number;
  /** Most slots of one job that share a column (1: one cell per slot). */
  slotsPerCell: number;
  jobs: TimelineRow[];
}

/** Worse outcomes win a shared cell; any judged slot wins over one not judged. */
const RANK: Record<CellStatus, number> = {
  'out-of-config': 0,
  pending: 1,
  served: 2,
  degraded: 3,
  missing: 4,
  failed: 5,
};

const MINUTE = 60_000;

/**
 * The column width: one slot of the most frequent job per column when `maxColumns` allow it,
 * else the window spread over `maxColumns` (rounded up to whole minutes).
 */
export function timelineStep(jobs: readonly JobSchedule[], window: Window, maxColumns: number): number {
  const span = window.until.getTime() - window.since.getTime();
  let densest = span;
  for (const job of jobs) {
    let previous: number | undefined;
    let seen = 0;
    for (const slot of slotsBetween(job.schedule, job.tz, window.since, window.until)) {
      if (previous !== undefined) densest = Math.min(densest, slot.getTime() - previous);
      previous = slot.getTime();
      if (++seen > 8) break; // a few slots show the schedule's interval
    }
  }
  // columns = span / step + 1 (both ends count): at most maxColumns
  const fit = Math.ceil(span / Math.max(1, maxColumns - 1) / MINUTE) * MINUTE;
  return Math.max(MINUTE, densest, fit);
}

export class TimelineBuilder {
  private readonly rows = new Map<string, { cells: Array<CellStatus | null>; counts: Uint16Array }>();
  readonly columns: number;
  private readonly sinceMs: number;

  constructor(
    jobs: readonly JobSchedule[],
    window: Window,
    readonly stepMs: number,
  ) {
    this.sinceMs = window.since.getTime();
    this.columns = Math.max(1, Math.floor((window.until.getTime() - this.sinceMs) / stepMs) + 1);
    for (const job of jobs)
      this.rows.set(job.name, { cells: new Array(this.columns).fill(null), counts: new Uint16Array(this.columns) });
  }

  add(job: string, slotMs: number, status: CellStatus): void {
    const row = this.rows.get(job);
    if (!row) return;
    const i = Math.min(this.columns - 1, Math.max(0, Math.floor((slotMs - this.sinceMs) / this.stepMs)));
    const current = row.cells[i];
    if (current === null || RANK[status] > RANK[current]) row.cells[i] = status;
    if (row.counts[i] < 0xffff) row.counts[i]++;
  }

  result(): Timeline {
    let slotsPerCell = 1;
    for (const row of this.rows.values()) for (const n of row.counts) slotsPerCell = Math.max(slotsPerCell, n);
    return {
      since: new Date(this.sinceMs).toISOString(),
      stepMs: this.stepMs,
      columns: this.columns,
      slotsPerCell,
      jobs: [...this.rows].map(([job, row]) => ({ job, cells: row.cells })),
    };
  }
}
