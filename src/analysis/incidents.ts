/**
 * Incidents: one outage usually hits every job at once, so gaps of different jobs that overlap in
 * time are merged into one incident ("14:15–15:00, 3 jobs, 9 slots"). An incident ends when its
 * jobs are served again: a job whose next slot has not come yet (its gap open, nothing tried since
 * the others recovered) does not keep it open; the incident names that job as still owing its
 * unserved slots (`owing`), so a gap listed as open is never hidden inside an incident said to be over.
 * `postmortem gaps` and `postmortem report` both build their incidents here: one rule for both.
 */
import { addTally, causeCounts, formatCause, tallyFromCounts, type CauseCount } from './cause.js';

/** What incidents need from a gap (see Gap in gaps.ts). */
export interface GapSpan {
  job: string;
  start: string;
  end: string | null;
  /** Last unserved slot (ISO); without it an open gap keeps its incident open. */
  lastSlot?: string;
  /**
   * The unserved slots at its end (none served since), when its slots are not all unserved: the
   * report's spans hold slots served by a fallback or filled later too. Null when its last slot was
   * served somehow; absent when every slot of it is unserved (a gap of `postmortem gaps`).
   */
  unserved?: Owed | null;
  slots: number;
  failed: number;
  missing: number;
  causes: CauseCount[];
}

/** Unserved slots of one job: the first, the last and how many. */
export interface Owed {
  start: string;
  lastSlot: string;
  slots: number;
}

export interface Incident {
  /** Earliest gap start (ISO). */
  start: string;
  /**
   * When its jobs were served again (ISO): the latest end of its closed gaps. Null while it is
   * open: no gap has closed, or an open gap has an unserved slot at or after that time.
   */
  end: string | null;
  /** Job names, sorted. */
  jobs: string[];
  /** Unserved slots over all its gaps. */
  slots: number;
  cause?: string;
  open: boolean;
  durationMs: number;
  failed: number;
  missing: number;
  gaps: number;
  causes: CauseCount[];
  /**
   * Jobs of an incident that is over whose gap is still open: their next slot has not come since
   * the others were served again, so they still owe these slots. Empty while the incident is open.
   */
  owing: Array<{ job: string } & Owed>;
}

/**
 * Merge gaps whose time spans overlap ([start, end), an open gap reaching `until`), transitively:
 * A overlapping B and B overlapping C make one incident. Sorted by start.
 */
export function mergeIncidents(gaps: readonly GapSpan[], until: Date): Incident[] {
  const untilMs = until.getTime();
  const spans = gaps
    .map((gap) => ({ gap, startMs: Date.parse(gap.start), endMs: gap.end === null ? untilMs : Date.parse(gap.end) }))
    .sort((a, b) => a.startMs - b.startMs);

  const incidents: Incident[] = [];
  let group: typeof spans = [];
  let groupEnd = -Infinity;
  const flush = () => {
    if (group.length > 0)
      incidents.push(
        toIncident(
          group.map((s) => s.gap),
          group[0].startMs,
          groupEnd,
        ),
      );
    group = [];
  };
  for (const span of spans) {
    if (group.length > 0 && span.startMs >= groupEnd) flush();
    if (group.length === 0) groupEnd = span.endMs;
    group.push(span);
    groupEnd = Math.max(groupEnd, span.endMs);
  }
  flush();
  return incidents;
}

function toIncident(gaps: GapSpan[], startMs: number, spanEndMs: number): Incident {
  const closedEnds = gaps.filter((g) => g.end !== null).map((g) => Date.parse(g.end!));
  const recoveredMs = closedEnds.length > 0 ? Math.max(...closedEnds) : undefined;
  const open =
    recoveredMs === undefined ||
    gaps.some((g) => g.end === null && (g.lastSlot === undefined || Date.parse(g.lastSlot) >= recoveredMs));
  const endMs = open ? spanEndMs : recoveredMs;
  const tally = new Map<string, number>();
  for (const gap of gaps) addTally(tally, tallyFromCounts(gap.causes));
  const counts = causeCounts(tally);
  const cause = formatCause(counts);
  return {
    start: new Date(startMs).toISOString(),
    end: open ? null : new Date(endMs).toISOString(),
    jobs: [...new Set(gaps.map((g) => g.job))].sort(),
    slots: sum(gaps, 'slots'),
    ...(cause ? { cause } : {}),
    open,
    durationMs: endMs - startMs,
    failed: sum(gaps, 'failed'),
    missing: sum(gaps, 'missing'),
    gaps: gaps.length,
    causes: counts,
    owing: open ? [] : gaps.filter((g) => g.end === null).flatMap(owedBy),
  };
}

/**
 * What an open gap of an incident that is over still owes: its unserved slots, nothing when none is.
 * Such a gap has a lastSlot (without one it would have kept the incident open).
 */
function owedBy(gap: GapSpan): Array<{ job: string } & Owed> {
  const owed =
    gap.unserved === undefined ? { start: gap.start, lastSlot: gap.lastSlot!, slots: gap.slots } : gap.unserved;
  return owed === null ? [] : [{ job: gap.job, ...owed }];
}

function sum(gaps: GapSpan[], field: 'slots' | 'failed' | 'missing'): number {
  return gaps.reduce((n, g) => n + g[field], 0);
}
