/**
 * Silent-gap detection: walk each job's expected slots through the window and judge each one
 * against the ledger. A gap is a maximal run of consecutive unserved slots of one job.
 */
import type { LogRecord } from '../log/types.js';
import type { ReadStats } from '../log/reader.js';
import {
  addTally,
  causeCounts,
  preferAttempts,
  causeKey,
  CRASHED_REASON,
  formatCause,
  RUN_SOURCE,
  type CauseCount,
  type CauseTally,
} from './cause.js';
import { mergeIncidents, type Incident } from './incidents.js';
import { judgingStart, scheduledSlots, scheduleTimeline, type JudgingBasis } from './judging.js';
import { scanIntoLedger, type ScanOptions } from './parallel-scan.js';
import { TimelineBuilder, timelineStep, type Timeline } from './timeline.js';
import {
  counter,
  ENDS,
  FAILS,
  OKS,
  SlotLedger,
  STARTS,
  type JobSchedule,
  type LedgerOptions,
  type Window,
} from './ledger.js';

export type { JobSchedule } from './ledger.js';

export type SlotStatus = 'served' | 'failed' | 'missing' | 'pending';

export interface JudgedSlot {
  slot: Date;
  status: SlotStatus;
  /** Failure tally of an unserved slot, if anything failed. */
  causes?: CauseTally;
  /** A served slot that only a fallback served: that provider. */
  degradedBy?: string;
  /** A served slot that records say another host served: that host ('' when they name none). */
  servedOn?: string;
}

/** A run of consecutive slots of one job served only by a fallback: service kept up, but degraded. */
export interface DegradedStretch {
  job: string;
  /** First slot served by a fallback (ISO). */
  start: string;
  /** The next slot of the job after the stretch (ISO); null while it lasts to the end of what is judged. */
  end: string | null;
  /** Last slot served by a fallback (ISO). */
  lastSlot: string;
  /** end − start; while open, until − start. */
  durationMs: number;
  slots: number;
  /** The providers that served, in the order they first did. */
  providers: string[];
  open: boolean;
}

export interface Gap {
  job: string;
  /** First unserved slot (ISO). */
  start: string;
  /** The next served slot (ISO), even when a slot between is still pending; null while none is. */
  end: string | null;
  /** end − start; for an open gap, until − start. */
  durationMs: number;
  slots: number;
  failed: number;
  missing: number;
  cause?: string;
  open: boolean;
  /** Last unserved slot (ISO). */
  lastSlot: string;
  causes: CauseCount[];
}

export interface LateSlot {
  job: string;
  slot: string;
  lateMs: number;
  trigger: string;
}

export interface JobSummary {
  job: string;
  slots: number;
  served: number;
  failed: number;
  missing: number;
  pending: number;
  /** Slots served by more than one successful run. */
  doubled: number;
  /** Served slots that only a fallback served (counted in `served` too). */
  degraded: number;
  /** Served slots that records say another host served (counted in `served` too; never a double). */
  servedElsewhere: number;
  /** When judging began for this job (ISO): slots before it are not judged (may be before `since`). */
  judgedFrom: string;
  /** Why then: `job` its first record, `log` the first record of any job (it has none), `window` no records at all. */
  judgedBy: JudgingBasis;
  /** The schedules it ran on, as its run.start records say (`from` null: since before any record). */
  schedules: Array<{ from: string | null; schedule: string; tz: string }>;
}

/** A slot served by more than one successful run (two hosts, or a re-run that did not see the first). */
export interface DoubledSlot {
  job: string;
  slot: string;
  /** Successful runs of it (saturates at 127). */
  runs: number;
}

export interface UnservedSlot {
  job: string;
  slot: string;
  status: 'failed' | 'missing';
}

export interface GapReport {
  since: string;
  until: string;
  gaps: Gap[];
  incidents: Incident[];
  /** Service a fallback kept up: each job's runs of slots served with degraded: true. */
  degraded: DegradedStretch[];
  /** Slots served more than once, in time order per job. */
  doubles: DoubledSlot[];
  skippedLines: number;
  late: LateSlot[];
  jobs: JobSummary[];
  linesRead: number;
  sources: string[];
  /** Sources that could not be read to the end. */
  errors: string[];
  /** Per job a row of cells on one time axis (only when asked for: `timelineColumns`). */
  timeline?: Timeline;
}

/** Each expected slot of one job in the window, judged. Lazy: one slot at a time. */
export function* judgeSlots(job: JobSchedule, ledger: SlotLedger): Generator<JudgedSlot> {
  const book = ledger.jobs.get(job.name);
  // measured from the clock, not the window's end: a window that ended long ago has nothing pending
  const pendingFrom = ledger.nowMs - (job.graceMs ?? 0);
  const judgingFrom = judgingStart(job, ledger).fromMs;
  for (const slot of scheduledSlots(job, ledger)) {
    const key = ledger.keyOf(slot.getTime());
    const packed = book?.slots.get(key) ?? 0;
    // before lucy-ops began, only a slot it wrote about is its to judge
    if (slot.getTime() < judgingFrom && packed === 0) continue;
    const running = counter(packed, STARTS) > counter(packed, ENDS);
    // another host served it (this host's run skipped it as served there): served, by no run here
    const servedOn = book !== undefined && book.elsewhere.size > 0 ? book.elsewhere.get(key) : undefined;
    if (counter(packed, OKS) > 0 || servedOn !== undefined) {
      const degradedBy = book?.degraded.get(key);
      const judged: JudgedSlot =
        degradedBy === undefined ? { slot, status: 'served' } : { slot, status: 'served', degradedBy };
      if (servedOn !== undefined) judged.servedOn = servedOn;
      yield judged;
    } else if (slot.getTime() > pendingFrom && (running || counter(packed, FAILS) === 0)) {
      // Too recent to judge: its run may still be going, or not have started yet.
      yield { slot, status: 'pending' };
    } else if (counter(packed, FAILS) > 0 || running) {
      let causes = book?.causes.get(key);
      if (running) {
        causes = new Map(causes ?? []);
        causes.set(causeKey(RUN_SOURCE, CRASHED_REASON), counter(packed, STARTS) - counter(packed, ENDS));
      }
      yield { slot, status: 'failed', causes };
    } else {
      yield { slot, status: 'missing' };
    }
  }
}

/** The slots a backfill should run: every failed or missing slot in the window, in time order per job. */
export function unservedSlots(jobs: readonly JobSchedule[], ledger: SlotLedger): UnservedSlot[] {
  const out: UnservedSlot[] = [];
  for (const job of jobs) {
    for (const judged of judgeSlots(job, ledger)) {
      if (judged.status === 'failed' || judged.status === 'missing')
        out.push({ job: job.name, slot: judged.slot.toISOString(), status: judged.status });
    }
  }
  return out;
}

/** Gaps, late runs and per-job counts from a filled ledger. */
export function findGaps(
  jobs: readonly JobSchedule[],
  ledger: SlotLedger,
  timeline?: TimelineBuilder,
): { gaps: Gap[]; late: LateSlot[]; jobs: JobSummary[]; degraded: DegradedStretch[]; doubles: DoubledSlot[] } {
  const gaps: Gap[] = [];
  const doubles: DoubledSlot[] = [];
  const degraded: DegradedStretch[] = [];
  const late: LateSlot[] = [];
  const summaries: JobSummary[] = [];
  for (const job of jobs) {
    const start = judgingStart(job, ledger);
    const summary: JobSummary = {
      job: job.name,
      slots: 0,
      served: 0,
      failed: 0,
      missing: 0,
      pending: 0,
      doubled: 0,
      degraded: 0,
      servedElsewhere: 0,
      judgedFrom: new Date(start.fromMs).toISOString(),
      judgedBy: start.basis,
      schedules: scheduleTimeline(job, ledger).map((m) => ({
        from: Number.isFinite(m.fromMs) ? new Date(m.fromMs).toISOString() : null,
        schedule: m.schedule,
        tz: m.tz,
      })),
    };
    let stretch: { start: Date; last: Date; slots: number; providers: string[] } | undefined;
    const closeStretch = (end: Date | null) => {
      if (!stretch) return;
      degraded.push({
        job: job.name,
        start: stretch.start.toISOString(),
        end: end ? end.toISOString() : null,
        lastSlot: stretch.last.toISOString(),
        durationMs: (end ? end.getTime() : ledger.untilMs) - stretch.start.getTime(),
        slots: stretch.slots,
        providers: stretch.providers,
        open: end === null,
      });
      stretch = undefined;
    };
    const book = ledger.jobs.get(job.name);
    let open:
      { start: Date; last: Date; slots: number; failed: number; missing: number; tally: CauseTally } | undefined;
    const close = (end: Date | null) => {
      if (!open) return;
      const endMs = end ? end.getTime() : ledger.untilMs;
      const counts = causeCounts(open.tally);
      gaps.push({
        job: job.name,
        start: open.start.toISOString(),
        end: end ? end.toISOString() : null,
        durationMs: endMs - open.start.getTime(),
        slots: open.slots,
        failed: open.failed,
        missing: open.missing,
        ...(counts.length > 0 ? { cause: formatCause(counts) } : {}),
        open: end === null,
        lastSlot: open.last.toISOString(),
        causes: counts,
      });
      open = undefined;
    };
    for (const judged of judgeSlots(job, ledger)) {
      summary.slots++;
      summary[judged.status]++;
      if (judged.servedOn !== undefined) summary.servedElsewhere++;
      timeline?.add(job.name, judged.slot.getTime(), judged.degradedBy !== undefined ? 'degraded' : judged.status);
      if (judged.degradedBy !== undefined) {
        summary.degraded++;
        stretch ??= { start: judged.slot, last: judged.slot, slots: 0, providers: [] };
        stretch.last = judged.slot;
        stretch.slots++;
        if (!stretch.providers.includes(judged.degradedBy)) stretch.providers.push(judged.degradedBy);
      } else closeStretch(judged.status === 'pending' ? null : judged.slot);
      if (judged.status === 'served') {
        const key = ledger.keyOf(judged.slot.getTime());
        const oks = counter(book?.slots.get(key) ?? 0, OKS);
        if (oks > 1) {
          summary.doubled++;
          doubles.push({ job: job.name, slot: judged.slot.toISOString(), runs: oks });
        }
        const lateRun = book?.late.get(key);
        if (lateRun) late.push({ job: job.name, slot: judged.slot.toISOString(), ...lateRun });
        close(judged.slot);
      } else if (judged.status === 'pending') {
        // not judged yet: it neither extends an open gap nor ends it (a served slot after it does)
      } else {
        open ??= { start: judged.slot, last: judged.slot, slots: 0, failed: 0, missing: 0, tally: new Map() };
        open.last = judged.slot;
        open.slots++;
        open[judged.status]++;
        addTally(open.tally, preferAttempts(judged.causes));
      }
    }
    close(null);
    closeStretch(null);
    summaries.push(summary);
  }
  degraded.sort((a, b) => a.start.localeCompare(b.start) || a.job.localeCompare(b.job));
  gaps.sort((a, b) => a.start.localeCompare(b.start) || a.job.localeCompare(b.job));
  late.sort((a, b) => a.slot.localeCompare(b.slot) || a.job.localeCompare(b.job));
  return { doubles, gaps, late, jobs: summaries, degraded };
}

/** Fill a ledger from records (any iterable), e.g. in tests or from another source. */
export async function buildLedger(
  jobs: readonly JobSchedule[],
  window: Window,
  records: Iterable<LogRecord> | AsyncIterable<LogRecord>,
  opts: LedgerOptions = {},
): Promise<SlotLedger> {
  const ledger = new SlotLedger(jobs, window, opts);
  for await (const record of records) ledger.add(record);
  return ledger;
}

/** Slots the shared ledger (Redis) says were served, on any host: they count as served. */
export interface SharedServed {
  served?: ReadonlyArray<{
    job: string;
    slot: string;
    at: string;
    trigger: string;
    provider?: string;
    degraded?: boolean;
    host?: string;
  }>;
}

/** Fill a ledger straight from log files (and `-`), on the fast path. */
export async function readLedger(
  jobs: readonly JobSchedule[],
  window: Window,
  sources: string[],
  opts: LedgerOptions & SharedServed & ScanOptions = {},
): Promise<{ ledger: SlotLedger; stats: ReadStats }> {
  const ledger = new SlotLedger(jobs, window, opts);
  const stats = await scanIntoLedger(ledger, jobs, window, sources, opts);
  for (const s of opts.served ?? [])
    ledger.servedElsewhere(s.job, s.slot, s.at, s.trigger, s.degraded && s.provider ? s.provider : undefined, s.host);
  stats.skippedLines += ledger.invalidRecords;
  return { ledger, stats };
}

/** The whole `postmortem gaps` report for these jobs, window and logs. */
export async function analyzeLogs(
  jobs: readonly JobSchedule[],
  window: Window,
  sources: string[],
  opts: LedgerOptions &
    SharedServed &
    ScanOptions & {
      timelineColumns?: number;
      /** Called once the logs are read, before any slot is judged (the watchdog notes new job names). */
      beforeJudging?: (ledger: SlotLedger, stats: ReadStats) => void;
    } = {},
): Promise<GapReport> {
  const { ledger, stats } = await readLedger(jobs, window, sources, opts);
  opts.beforeJudging?.(ledger, stats);
  const timeline =
    opts.timelineColumns === undefined
      ? undefined
      : new TimelineBuilder(jobs, window, timelineStep(jobs, window, opts.timelineColumns));
  const found = findGaps(jobs, ledger, timeline);
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    gaps: found.gaps,
    incidents: mergeIncidents(found.gaps, window.until),
    degraded: found.degraded,
    doubles: found.doubles,
    skippedLines: stats.skippedLines, // readLedger has added the ledger's invalid records
    late: found.late,
    jobs: found.jobs,
    linesRead: stats.lines,
    sources: stats.sources,
    errors: stats.errors,
    ...(timeline ? { timeline: timeline.result() } : {}),
  };
}
