/**
 * Silent-gap detection: walk each job's expected slots through the window and judge each one
 * against the ledger. A gap is a maximal run of consecutive unserved slots of one job.
 */
import type { LogRecord } from '../log/types.js';
import type { ReadStats } from '../log/reader.js';
import { markNotInConfig, type CauseTally } from './cause.js';
import { isoOrder, walkJob, type ServedLate } from './gap-walk.js';
import type {
  DegradedStretch,
  DoubledSlot,
  ElsewhereSlot,
  Gap,
  GapFindings,
  JobSummary,
  LateSlot,
} from './gap-types.js';
import { mergeIncidents, type Incident } from './incidents.js';
import { failedCauses, JudgingRule, scheduledSlotBatches, stillRunning, unservedStatus } from './judging.js';
import { scanIntoLedger, type ScanOptions } from './parallel-scan.js';
import { TimelineBuilder, timelineStep, type Timeline } from './timeline.js';
import { SlotLedger } from './ledger.js';
import type { JobSchedule, LedgerOptions, Window } from './ledger-types.js';
import { counter, OKS } from './slot-counters.js';
import { servedUnverified } from './slot-serves.js';

export type { JobSchedule } from './ledger-types.js';
export type { DegradedStretch, DoubledSlot, ElsewhereSlot, Gap, JobSummary, LateSlot } from './gap-types.js';

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
  /**
   * Served only on the word of a skip here: the run it names is in no log read, and the shared
   * ledger does not name it either (counted as served all the same; see servedUnverified).
   */
  unverified?: true;
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
  /** Slots served on another host by a run in no log read, in time order per job. */
  servedElsewhere: ElsewhereSlot[];
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
export function* judgeSlots(
  job: JobSchedule,
  ledger: SlotLedger,
  notJudged?: NotJudgedTally,
  rule = new JudgingRule(job, ledger),
): Generator<JudgedSlot> {
  const book = ledger.jobs.get(job.name);
  // measured from the clock, not the window's end: a window that ended long ago has nothing pending
  const pendingFrom = ledger.nowMs - (job.graceMs ?? 0);
  for (const batch of scheduledSlotBatches(job, ledger)) {
    for (let i = 0; i < batch.length; i++) {
      const ms = batch.times[i];
      const key = ledger.keyOf(ms);
      const packed = book?.slots.get(key) ?? 0;
      // before lucy-ops began, or while the job was out of the config, only a slot it wrote about is judged
      if (packed === 0 && !rule.owes(ms)) {
        // counted as the gap walk counts them (JobSummary.notJudgedOutOfConfig)
        if (notJudged && ms >= rule.start.fromMs) notJudged.outOfConfig++;
        continue;
      }
      const slot = new Date(ms);
      // another host served it (this host's run skipped it as served there): served, by no run here
      const servedOn = book !== undefined && book.elsewhere.size > 0 ? book.elsewhere.get(key) : undefined;
      if (counter(packed, OKS) > 0 || servedOn !== undefined) {
        const degradedBy = book?.degraded.get(key);
        const judged: JudgedSlot =
          degradedBy === undefined ? { slot, status: 'served' } : { slot, status: 'served', degradedBy };
        if (servedOn !== undefined) {
          judged.servedOn = servedOn;
          if (servedUnverified(book!, key, counter(packed, OKS))) judged.unverified = true;
        }
        yield judged;
        continue;
      }
      let status = unservedStatus(packed, ms, pendingFrom);
      // a run started late (or by hand, or by a backfill) may still be within its own bound
      if (status === 'failed' && stillRunning(job, book, key, packed, ledger.nowMs)) status = 'pending';
      yield status === 'failed' ? { slot, status, causes: failedCauses(book, key, packed) } : { slot, status };
    }
  }
}

/** Slots judgeSlots passed over because the job was out of the config then (after judging began). */
export interface NotJudgedTally {
  outOfConfig: number;
}

/** Slots of one job a backfill passes over because the job was out of the config then (not judged). */
export interface NotJudgedOutOfConfig {
  job: string;
  slots: number;
  /** The periods out of the config in the window (`until` null: open), as `jobs[].outOfConfig` of gaps. */
  outOfConfig: Array<{ after: string; until: string | null }>;
}

/**
 * The slots a backfill should run: every failed or missing slot in the window, in time order per job.
 * `notJudged`, when given, gets the jobs whose slots went unjudged while out of the config.
 */
export function unservedSlots(
  jobs: readonly JobSchedule[],
  ledger: SlotLedger,
  notJudged?: NotJudgedOutOfConfig[],
): UnservedSlot[] {
  const out: UnservedSlot[] = [];
  for (const job of jobs) {
    const tally = { outOfConfig: 0 };
    const rule = new JudgingRule(job, ledger);
    for (const judged of judgeSlots(job, ledger, tally, rule)) {
      if (judged.status === 'failed' || judged.status === 'missing')
        out.push({ job: job.name, slot: judged.slot.toISOString(), status: judged.status });
    }
    if (notJudged && tally.outOfConfig > 0)
      notJudged.push({ job: job.name, slots: tally.outOfConfig, outOfConfig: rule.outOfConfigIn(ledger) });
  }
  return out;
}

/**
 * Gaps, late runs and per-job counts from a filled ledger. With `servedLate` (the report), slots it
 * names are walked as the unserved slots they were at their time: the gaps before any fill.
 */
export function findGaps(
  jobs: readonly JobSchedule[],
  ledger: SlotLedger,
  timeline?: TimelineBuilder,
  servedLate?: ServedLate,
): GapFindings & { jobs: JobSummary[] } {
  const found: GapFindings = { gaps: [], late: [], degraded: [], doubles: [], elsewhere: [] };
  const summaries = jobs.map((job) => walkJob(job, ledger, found, timeline, servedLate));
  found.degraded.sort((a, b) => isoOrder(a.start, b.start) || a.job.localeCompare(b.job));
  found.gaps.sort((a, b) => isoOrder(a.start, b.start) || a.job.localeCompare(b.job));
  found.late.sort((a, b) => isoOrder(a.slot, b.slot) || a.job.localeCompare(b.job));
  return {
    doubles: found.doubles,
    gaps: found.gaps,
    late: found.late,
    jobs: summaries,
    degraded: found.degraded,
    elsewhere: found.elsewhere,
  };
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
    runId?: string;
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
    ledger.servedElsewhere(
      s.job,
      s.slot,
      s.at,
      s.trigger,
      s.degraded && s.provider ? s.provider : undefined,
      s.host,
      s.runId,
    );
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
      /** The config's providers: a cause naming another is marked `(not in config)`. */
      providers?: readonly string[];
      /** Called once the logs are read, before any slot is judged (the watchdog notes the config's job names). */
      beforeJudging?: (ledger: SlotLedger, stats: ReadStats) => unknown;
    } = {},
): Promise<GapReport> {
  const { ledger, stats } = await readLedger(jobs, window, sources, opts);
  await opts.beforeJudging?.(ledger, stats);
  const timeline =
    opts.timelineColumns === undefined
      ? undefined
      : new TimelineBuilder(jobs, window, timelineStep(jobs, window, opts.timelineColumns));
  const found = findGaps(jobs, ledger, timeline);
  const incidents = mergeIncidents(found.gaps, window.until, opts.providers);
  if (opts.providers) {
    markNotInConfig(found.gaps, opts.providers);
    // a fallback that served is named in the view too: marked as the causes are
    const known = new Set(opts.providers);
    // (stretches share their providers' lists: gap-walk.ts withProvider; so do these)
    const notInConfig = new Map<readonly string[], string[] | undefined>();
    for (const d of found.degraded) {
      let unknown = notInConfig.get(d.providers);
      if (!notInConfig.has(d.providers)) {
        const list = d.providers.filter((p) => !known.has(p));
        notInConfig.set(d.providers, (unknown = list.length > 0 ? (Object.freeze(list) as string[]) : undefined));
      }
      if (unknown) d.notInConfig = unknown;
    }
  }
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    gaps: found.gaps,
    incidents,
    degraded: found.degraded,
    doubles: found.doubles,
    servedElsewhere: found.elsewhere,
    skippedLines: stats.skippedLines, // readLedger has added the ledger's invalid records
    late: found.late,
    jobs: found.jobs,
    linesRead: stats.lines,
    sources: stats.sources,
    errors: stats.errors,
    ...(timeline ? { timeline: timeline.result() } : {}),
  };
}
