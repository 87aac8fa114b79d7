/**
 * One job's slots walked in time order into what the gap report lists: gaps (maximal runs of
 * consecutive unserved slots), stretches served only by a fallback, doubles, late runs and the
 * job's counts. This is the hot loop of `postmortem gaps` over a long window: a served slot (nearly
 * every slot) costs one table look-up and a few counters, and objects are made only for what the
 * report lists.
 */
import { addTally, causeCounts, formatCause, preferAttempts, type CauseTally } from './cause.js';
import {
  failedCauses,
  JudgingRule,
  scheduledSlotBatches,
  stillRunning,
  scheduleTimeline,
  unservedStatus,
} from './judging.js';
import type { SlotLedger } from './ledger.js';
import type { JobLedger, JobSchedule, LateRun } from './ledger-types.js';
import { counter, OKS } from './slot-counters.js';
import { servedByRunNotRead, servedOnlyElsewhere, servedUnverified, servesOf } from './slot-serves.js';
import type { TimelineBuilder } from './timeline.js';
import type { GapFindings, JobSummary } from './gap-types.js';

/**
 * A served slot that was not served on time (unserved at first, filled later by a backfill or by
 * hand): what it was then. The report's incidents walk such slots as unserved (`postmortem gaps`
 * before any fill); gaps itself gives none and walks the slots as they are now.
 */
export type ServedLate = (
  job: string,
  slotMs: number,
) => { was: 'failed' | 'missing'; causes?: CauseTally } | undefined;

/** Walk every judged slot of one job into `found`; returns the job's counts. */
export function walkJob(
  job: JobSchedule,
  ledger: SlotLedger,
  found: GapFindings,
  timeline?: TimelineBuilder,
  servedLate?: ServedLate,
): JobSummary {
  const rule = new JudgingRule(job, ledger);
  const start = rule.start;
  const walk = new GapWalk(job.name, ledger, found, timeline, {
    job: job.name,
    slots: 0,
    served: 0,
    failed: 0,
    missing: 0,
    pending: 0,
    doubled: 0,
    degraded: 0,
    servedElsewhere: 0,
    unverified: 0,
    judgedFrom: new Date(start.fromMs).toISOString(),
    judgedBy: start.basis,
    outOfConfig: rule.outOfConfigIn(ledger),
    notJudgedOutOfConfig: 0,
    schedules: scheduleTimeline(job, ledger).map((m) => ({
      from: Number.isFinite(m.fromMs) ? new Date(m.fromMs).toISOString() : null,
      schedule: m.schedule,
      tz: m.tz,
    })),
  });
  const book = ledger.jobs.get(job.name);
  // measured from the clock, not the window's end: a window that ended long ago has nothing pending
  const pendingFrom = ledger.nowMs - (job.graceMs ?? 0);
  for (const batch of scheduledSlotBatches(job, ledger)) {
    const times = batch.times;
    for (let i = 0; i < batch.length; i++) {
      const ms = times[i];
      const key = ledger.keyOf(ms);
      const packed = book === undefined ? 0 : (book.slots.get(key) ?? 0);
      // before lucy-ops began, or while the job was out of the config, only a slot it wrote about is judged
      if (packed === 0 && !rule.owes(ms)) {
        if (ms >= start.fromMs) {
          walk.summary.notJudgedOutOfConfig++;
          timeline?.add(job.name, ms, 'out-of-config');
        }
        continue;
      }
      if (book !== undefined) {
        // another host served it (this host's run skipped it as served there): served, by no run here
        const servedOn = book.elsewhere.size > 0 ? book.elsewhere.get(key) : undefined;
        if (counter(packed, OKS) > 0 || servedOn !== undefined) {
          const late = servedLate?.(job.name, ms);
          if (late === undefined) walk.served(book, ms, key, packed, servedOn !== undefined);
          else walk.unserved(ms, late.was, late.causes);
          continue;
        }
      }
      let status = unservedStatus(packed, ms, pendingFrom);
      // a run started late (or by hand, or by a backfill) may still be within its own bound
      if (status === 'failed' && stillRunning(job, book, key, packed, ledger.nowMs)) status = 'pending';
      if (status === 'pending') walk.pending(ms);
      else walk.unserved(ms, status, status === 'failed' ? failedCauses(book, key, packed) : undefined);
    }
  }
  walk.end();
  return walk.summary;
}

/**
 * The text of the last time written, as bytes: its day part (`2026-04-19T`) stays while the next
 * time falls on the same day, and the result is one flat string (concatenated pieces would keep a
 * rope of them alive for every time a large report lists).
 */
const isoBytes = Buffer.from('0000-00-00T00:00:00.000Z', 'latin1');
let isoDay = NaN;
const DAY_MS = 86_400_000;
/** Years 0000–9999 (toISOString writes others with a sign and six digits). */
const ISO_FROM = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const ISO_TO = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z

/** `new Date(ms).toISOString()`, without its cost for every slot a report lists. */
export function iso(ms: number): string {
  if (!(ms >= ISO_FROM && ms < ISO_TO) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    isoBytes.write(new Date(day * DAY_MS).toISOString().slice(0, 11), 0, 'latin1');
  }
  let t = ms - day * DAY_MS;
  digits(t % 1000, 20, 3);
  t = Math.floor(t / 1000);
  digits(t % 60, 17, 2);
  t = Math.floor(t / 60);
  digits(t % 60, 14, 2);
  digits(Math.floor(t / 60), 11, 2);
  return isoBytes.toString('latin1');
}

/**
 * The order `a.localeCompare(b)` gives two times as toISOString writes them, without the collator
 * when both have its 24 characters (then they differ only in digits at the same places, and text
 * order is time order). A long report sorts tens of thousands of them.
 */
export function isoOrder(a: string, b: string): number {
  if (a.length === 24 && b.length === 24) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

/** `n` as `width` decimal digits into isoBytes at `at`. */
function digits(n: number, at: number, width: number): void {
  for (let i = at + width - 1; i >= at; i--) {
    isoBytes[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/**
 * A stretch's providers, as one shared frozen list per sequence of providers: a long window lists
 * tens of thousands of stretches, nearly all with the same one or two fallbacks, and a list of its
 * own each (~200 bytes, with room to grow) was most of what the report held (docs/performance.md).
 */
const NO_PROVIDERS: readonly string[] = Object.freeze([]);
const longer = new WeakMap<readonly string[], Map<string, readonly string[]>>();
function withProvider(list: readonly string[], provider: string): readonly string[] {
  let next = longer.get(list);
  if (!next) longer.set(list, (next = new Map()));
  let found = next.get(provider);
  if (!found) next.set(provider, (found = Object.freeze([...list, provider])));
  return found;
}

/** The open gap and the open degraded stretch of one job's walk, and its counts. */
class GapWalk {
  private gap:
    { startMs: number; lastMs: number; slots: number; failed: number; missing: number; tally: CauseTally } | undefined;
  private stretch: { startMs: number; lastMs: number; slots: number; providers: readonly string[] } | undefined;

  constructor(
    private readonly job: string,
    private readonly ledger: SlotLedger,
    private readonly found: GapFindings,
    private readonly timeline: TimelineBuilder | undefined,
    readonly summary: JobSummary,
  ) {}

  served(book: JobLedger, ms: number, key: number, packed: number, elsewhere: boolean): void {
    const summary = this.summary;
    summary.slots++;
    summary.served++;
    const oks = counter(packed, OKS);
    // another host's run that no log read shows served it: one serve more, and no lateness of a run here
    const byRunNotRead = elsewhere && servedByRunNotRead(book, key, oks);
    if (elsewhere && servedOnlyElsewhere(book, key, oks)) {
      summary.servedElsewhere++;
      const unverified = servedUnverified(book, key, oks);
      if (unverified) summary.unverified++;
      this.found.elsewhere.push({ job: this.job, slot: iso(ms), host: book.elsewhere.get(key)!, unverified });
    }
    const degradedBy = book.degraded.size > 0 ? book.degraded.get(key) : undefined;
    this.timeline?.add(this.job, ms, degradedBy !== undefined ? 'degraded' : 'served');
    const lateRun: LateRun | undefined = book.late.size > 0 && !byRunNotRead ? book.late.get(key) : undefined;
    // a fallback that filled the slot later (a backfill or a hand run, its own run having failed or
    // never come) kept no service at the slot's time: told as filled later, in no fallback stretch
    const filledByFallback = degradedBy !== undefined && lateRun !== undefined && lateRun.trigger !== 'cron';
    if (degradedBy !== undefined && !filledByFallback) {
      summary.degraded++;
      this.stretch ??= { startMs: ms, lastMs: ms, slots: 0, providers: NO_PROVIDERS };
      this.stretch.lastMs = ms;
      this.stretch.slots++;
      if (!this.stretch.providers.includes(degradedBy))
        this.stretch.providers = withProvider(this.stretch.providers, degradedBy);
    } else if (this.stretch) this.closeStretch(ms);
    const serves = elsewhere ? servesOf(book, key, packed) : oks;
    if (serves > 1) {
      summary.doubled++;
      this.found.doubles.push({ job: this.job, slot: iso(ms), runs: serves });
    }
    if (lateRun)
      this.found.late.push({
        job: this.job,
        slot: iso(ms),
        ...lateRun,
        ...(filledByFallback ? { fallback: degradedBy } : {}),
      });
    if (this.gap) this.closeGap(ms);
  }

  /** Too recent to judge: it neither extends an open gap nor ends it (a served slot after it does). */
  pending(ms: number): void {
    this.summary.slots++;
    this.summary.pending++;
    this.timeline?.add(this.job, ms, 'pending');
    if (this.stretch) this.closeStretch(null);
  }

  unserved(ms: number, status: 'failed' | 'missing', causes: CauseTally | undefined): void {
    this.summary.slots++;
    this.summary[status]++;
    this.timeline?.add(this.job, ms, status);
    if (this.stretch) this.closeStretch(ms);
    this.gap ??= { startMs: ms, lastMs: ms, slots: 0, failed: 0, missing: 0, tally: new Map() };
    this.gap.lastMs = ms;
    this.gap.slots++;
    this.gap[status]++;
    addTally(this.gap.tally, preferAttempts(causes));
  }

  end(): void {
    if (this.gap) this.closeGap(null);
    if (this.stretch) this.closeStretch(null);
  }

  private closeGap(endMs: number | null): void {
    const gap = this.gap!;
    this.gap = undefined;
    const counts = causeCounts(gap.tally);
    this.found.gaps.push({
      job: this.job,
      start: iso(gap.startMs),
      end: endMs === null ? null : iso(endMs),
      durationMs: (endMs ?? this.ledger.untilMs) - gap.startMs,
      slots: gap.slots,
      failed: gap.failed,
      missing: gap.missing,
      ...(counts.length > 0 ? { cause: formatCause(counts) } : {}),
      open: endMs === null,
      lastSlot: iso(gap.lastMs),
      causes: counts,
    });
  }

  private closeStretch(endMs: number | null): void {
    const stretch = this.stretch!;
    this.stretch = undefined;
    const start = iso(stretch.startMs);
    this.found.degraded.push({
      job: this.job,
      start,
      end: endMs === null ? null : iso(endMs),
      lastSlot: stretch.lastMs === stretch.startMs ? start : iso(stretch.lastMs),
      durationMs: (endMs ?? this.ledger.untilMs) - stretch.startMs,
      slots: stretch.slots,
      providers: stretch.providers as string[],
      open: endMs === null,
    });
  }
}
