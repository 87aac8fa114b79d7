/**
 * The facts of an incident report (`postmortem report`): every slot of every job in the window
 * judged as `postmortem gaps` judges it (the slot ledger), told in more detail (who served it, after
 * which failures, filled later by a backfill or not), merged into incidents, plus what the
 * providers, the breakers and the alerts did. The HTML and Markdown pages only render these.
 * The parts: slot-cells.ts (each slot told in full), report-incidents.ts (incidents, from the
 * gaps `postmortem gaps` finds on the same ledger before any fill and now, and the headline), report-stretches.ts (slots a
 * fallback served or later runs filled, told beside them), provider-tally.ts (attempts per provider).
 */
import { NextSlotWatch } from './next-slot.js';
import { newReadStats, readRecords } from '../log/reader.js';
import { BreakerPeriods, type AlertMark, type BreakerPeriod } from './breaker-periods.js';
import { causeCounts, formatCause, markNotInConfig, preferAttempts, type CauseCount } from './cause.js';
import type { DoubledSlot } from './gap-types.js';
import type { ServedLate } from './gap-walk.js';
import { findGaps } from './gaps.js';
import { SlotLedger } from './ledger.js';
import type { JobSchedule, Window } from './ledger-types.js';
import { ProviderTally, type ProviderActivity } from './provider-tally.js';
import { headline, reportIncidents, type Headline, type ReportIncident } from './report-incidents.js';
import { reportStretches, type Stretch } from './report-stretches.js';
import { AFFECTED, jobRow, type JobRow, type SlotCell } from './slot-cells.js';
import { failuresOf, SlotHistory } from './slot-history.js';

interface AffectedSlot extends SlotCell {
  job: string;
}

export interface ReportFacts {
  since: string;
  until: string;
  headline: Headline;
  incidents: ReportIncident[];
  /** Runs of slots a fallback served (no incident) or later runs filled (in one), told beside the incidents. */
  stretches: Stretch[];
  /** The chain, in order. */
  chain: string[];
  jobs: JobRow[];
  affected: AffectedSlot[];
  /** Slots served more than once (as `postmortem gaps` counts them), in time order per job. */
  doubles: DoubledSlot[];
  /**
   * Slots counted as served on another host only because a skip here says so: the run it names is
   * in no log read and the shared ledger does not name it (as `postmortem gaps` flags them).
   */
  unverified: Array<{ job: string; slot: string; servedOn: string }>;
  /** Attempts per provider over the window (attempt records written inside it). */
  providers: ProviderActivity[];
  /** The window's failed attempts in one line: "deepseek-v3: 503 ×10, timeout ×1". */
  cause?: string;
  breakers: BreakerPeriod[];
  alerts: AlertMark[];
  skippedLines: number;
  linesRead: number;
  sources: string[];
  errors: string[];
}

interface ReportOptions {
  /** The chain's providers, in order. */
  chain: readonly string[];
  /** Count the attempts of every writer (serve, the library), not only these jobs' runs. */
  allTraffic?: boolean;
  /** The clock: slots younger than a job's grace, from here, are pending (default: the window's end). */
  now?: Date;
  stdin?: NodeJS.ReadableStream;
}

/**
 * The slots filled later (unserved at their time), as the walk asks for them: what each was then,
 * and its failures from its runs (the ledger forgets them once a slot is served).
 */
function servedLate(rows: readonly JobRow[], ledger: SlotLedger, history: SlotHistory): ServedLate {
  const late = new Map<string, Map<number, 'failed' | 'missing'>>();
  for (const row of rows)
    for (const cell of row.cells)
      if (cell.outcome === 'filled') {
        let job = late.get(row.job);
        if (!job) late.set(row.job, (job = new Map()));
        job.set(ledger.keyOf(Date.parse(cell.slot)), cell.was ?? 'failed');
      }
  return (job, slotMs) => {
    const was = late.get(job)?.get(ledger.keyOf(slotMs));
    if (was === undefined) return undefined;
    const causes = was === 'failed' ? failuresOf(history.of(job, new Date(slotMs))) : undefined;
    return causes ? { was, causes } : { was };
  };
}

/** Read the logs once and draw the report's facts for these jobs and this window. */
export async function gatherReportFacts(
  jobs: readonly JobSchedule[],
  window: Window,
  sources: string[],
  opts: ReportOptions,
): Promise<ReportFacts> {
  const [sinceMs, untilMs] = [window.since.getTime(), window.until.getTime()];
  const ledger = new SlotLedger(jobs, window, { now: opts.now });
  const history = new SlotHistory(
    jobs.map((j) => j.name),
    sinceMs,
    untilMs,
  );
  const breakers = new BreakerPeriods(sinceMs, untilMs);
  const activity = new ProviderTally(opts.chain);
  const nextSlots = new NextSlotWatch(jobs, untilMs);
  const jobNames = new Set(jobs.map((j) => j.name));
  const stats = newReadStats();
  for await (const record of readRecords(sources, { stats, stdin: opts.stdin })) {
    ledger.add(record);
    history.add(record);
    breakers.add(record);
    nextSlots.add(record);
    if (opts.allTraffic || jobNames.has(record.job)) activity.add(record, sinceMs, untilMs);
  }

  const doubles: DoubledSlot[] = [];
  const rows = jobs.map((job) => jobRow(job, ledger, history, doubles));
  // the gaps of `postmortem gaps` on the same ledger, before any fill (filled slots walked as
  // what they were at their time) and now: the incidents are the first, what is owed the second
  const firstGaps = findGaps(jobs, ledger, undefined, servedLate(rows, ledger, history)).gaps;
  const incidents = reportIncidents(rows, firstGaps, findGaps(jobs, ledger).gaps, window, opts.chain);
  // what became of the next slot of a job that still owes slots: from the log and the clock
  for (const incident of incidents)
    for (const owed of incident.owing) {
      const next = nextSlots.nextAfter(owed.job, owed.lastSlot, history, ledger.nowMs);
      if (next) owed.next = next;
    }
  const affected = rows
    .flatMap((row) => row.cells.filter((c) => AFFECTED.has(c.outcome)).map((c) => ({ job: row.job, ...c })))
    .sort((a, b) => a.slot.localeCompare(b.slot) || a.job.localeCompare(b.job));
  // the window's failures, a provider the config does not have marked as such
  const failures = { causes: causeCounts(preferAttempts(activity.failures) ?? new Map()) } as {
    cause?: string;
    causes: CauseCount[];
  };
  failures.cause = formatCause(failures.causes);
  markNotInConfig([failures], opts.chain);
  const cause = failures.cause;
  stats.skippedLines += ledger.invalidRecords;
  const alerts = breakers.alerts();
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    headline: headline(rows, incidents, untilMs, alerts),
    incidents,
    stretches: reportStretches(rows, incidents, untilMs),
    chain: [...opts.chain],
    jobs: rows,
    affected,
    doubles,
    unverified: rows.flatMap((row) =>
      row.cells.filter((c) => c.unverified).map((c) => ({ job: row.job, slot: c.slot, servedOn: c.servedOn ?? '' })),
    ),
    providers: activity.list(),
    ...(cause ? { cause } : {}),
    breakers: breakers.periods(),
    alerts,
    skippedLines: stats.skippedLines,
    linesRead: stats.lines,
    sources: stats.sources,
    errors: stats.errors,
  };
}
