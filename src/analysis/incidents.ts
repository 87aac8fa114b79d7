/**
 * Incidents: one outage usually hits every job at once, so gaps of different jobs that overlap in
 * time are merged into one incident ("14:15–15:00, 3 jobs, 9 slots"). An incident ends when its
 * jobs are served again: a job whose next slot has not come yet (its gap open, nothing tried since
 * the others recovered) does not keep it open; the incident names that job as still owing its
 * unserved slots (`owing`), so a gap listed as open is never hidden inside an incident said to be over.
 * Nor does such an owed gap glue later failures to it: once the incident is over, a gap that starts
 * at or after its end starts a new incident, whatever owed gap of the old one is still open.
 * `postmortem gaps` and `postmortem report` both build their incidents here from the same gaps
 * (runs of unserved slots): one rule for both.
 */
import { addTally, causeCounts, formatCause, markNotInConfig, tallyFromCounts, type CauseCount } from './cause.js';

/** What incidents need from a gap (see Gap in gaps.ts). */
export interface GapSpan {
  job: string;
  start: string;
  end: string | null;
  /** Last unserved slot (ISO); without it an open gap keeps its incident open. */
  lastSlot?: string;
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
  /**
   * Its failed attempts ("p1: 503 ×4"), then each job of it with no record at all for any of its
   * slots in it ("blog: no records at all — the job did not run"): no provider is blamed for those.
   */
  cause?: string;
  open: boolean;
  durationMs: number;
  failed: number;
  missing: number;
  gaps: number;
  causes: CauseCount[];
  /** Its jobs with no record at all for any of their slots in it (every one missing), sorted. */
  noRecords: string[];
  /**
   * Jobs of an incident that is over whose gap is still open: their next slot has not come since
   * the others were served again, so they still owe these slots. Empty while the incident is open.
   */
  owing: Array<{ job: string } & Owed>;
}

/**
 * Merge gaps whose time spans overlap ([start, end), an open gap reaching `until`), transitively:
 * A overlapping B and B overlapping C make one incident. Sorted by start. One exception: an
 * incident that is over (its other jobs served again, every open gap of it owing only slots from
 * before then) reaches only to that end, so its owed gaps glue no later gap to it. A cause naming a
 * provider not among `providers` (when given: the config's) is marked `(not in config)`.
 */
export function mergeIncidents(gaps: readonly GapSpan[], until: Date, providers?: readonly string[]): Incident[] {
  const untilMs = until.getTime();
  const spans = gaps
    .map((gap) => ({ gap, startMs: Date.parse(gap.start), endMs: gap.end === null ? untilMs : Date.parse(gap.end) }))
    .sort((a, b) => a.startMs - b.startMs);

  const incidents: Incident[] = [];
  let group: typeof spans = [];
  // the group's state, kept as it grows: when its jobs were served again, its latest owed slot
  let recoveredMs = -Infinity;
  let lastOpenMs = -Infinity;
  const flush = () => {
    if (group.length > 0)
      incidents.push(
        toIncident(
          group.map((s) => s.gap),
          group[0].startMs,
          Math.max(...group.map((s) => s.endMs)),
          providers,
        ),
      );
    group = [];
    [recoveredMs, lastOpenMs] = [-Infinity, -Infinity];
  };
  for (const span of spans) {
    // over (see isOpen): it reaches to its end; going on: to `until`, where every open gap reaches
    const reach = isOpen(recoveredMs, lastOpenMs) ? untilMs : recoveredMs;
    if (group.length > 0 && span.startMs >= reach) flush();
    group.push(span);
    if (span.gap.end !== null) recoveredMs = Math.max(recoveredMs, span.endMs);
    else lastOpenMs = Math.max(lastOpenMs, span.gap.lastSlot ? Date.parse(span.gap.lastSlot) : Infinity);
  }
  flush();
  return incidents;
}

/**
 * Whether a group of gaps goes on, from when its jobs were served again (the latest end of its
 * closed gaps, -Infinity when none closed) and its open gaps' latest unserved slot (-Infinity when
 * none is open, Infinity when one has no lastSlot): no gap has closed, or an open gap has an
 * unserved slot at or after that time.
 */
function isOpen(recoveredMs: number, lastOpenMs: number): boolean {
  return recoveredMs === -Infinity || lastOpenMs >= recoveredMs;
}

function toIncident(gaps: GapSpan[], startMs: number, spanEndMs: number, providers?: readonly string[]): Incident {
  const closed = gaps.filter((g) => g.end !== null).map((g) => Date.parse(g.end!));
  const recoveredMs = closed.length > 0 ? Math.max(...closed) : -Infinity;
  const openLast = gaps.filter((g) => g.end === null).map((g) => (g.lastSlot ? Date.parse(g.lastSlot) : Infinity));
  const open = isOpen(recoveredMs, openLast.length > 0 ? Math.max(...openLast) : -Infinity);
  const endMs = open ? spanEndMs : recoveredMs;
  const tally = new Map<string, number>();
  for (const gap of gaps) addTally(tally, tallyFromCounts(gap.causes));
  const counts = causeCounts(tally);
  const jobs = [...new Set(gaps.map((g) => g.job))].sort();
  const noRecords = jobs.filter((job) => gaps.every((g) => g.job !== job || g.failed === 0));
  if (providers) markNotInConfig([{ causes: counts }], providers);
  const cause = [formatCause(counts), noRecordsCause(noRecords)].filter(Boolean).join('; ');
  return {
    start: new Date(startMs).toISOString(),
    end: open ? null : new Date(endMs).toISOString(),
    jobs,
    slots: sum(gaps, 'slots'),
    ...(cause ? { cause } : {}),
    open,
    durationMs: endMs - startMs,
    failed: sum(gaps, 'failed'),
    missing: sum(gaps, 'missing'),
    gaps: gaps.length,
    causes: counts,
    noRecords,
    owing: open ? [] : gaps.filter((g) => g.end === null).flatMap(owedBy),
  };
}

/**
 * What an open gap of an incident that is over still owes: its unserved slots. Such a gap has a
 * lastSlot (without one it would have kept the incident open).
 */
function owedBy(gap: GapSpan): Array<{ job: string } & Owed> {
  return [{ job: gap.job, start: gap.start, lastSlot: gap.lastSlot!, slots: gap.slots }];
}

/** "blog: no records at all — the job did not run" (jobs whose slots here are all missing). */
function noRecordsCause(jobs: readonly string[]): string {
  if (jobs.length === 0) return '';
  return `${jobs.join(', ')}: no records at all — the ${jobs.length === 1 ? 'job did' : 'jobs did'} not run`;
}

function sum(gaps: GapSpan[], field: 'slots' | 'failed' | 'missing'): number {
  return gaps.reduce((n, g) => n + g[field], 0);
}
