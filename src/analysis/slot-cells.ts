/**
 * The report's slot cells: each slot of a job in the window as `postmortem gaps` judges it, told in
 * full from its runs (who served it, after which failures, filled later by a backfill or not).
 */
import { CRASHED_REASON } from './cause.js';
import type { DoubledSlot } from './gap-types.js';
import { judgeSlots, type JudgedSlot } from './gaps.js';
import { JudgingRule } from './judging.js';
import type { SlotLedger } from './ledger.js';
import type { JobSchedule } from './ledger-types.js';
import { counter, OKS } from './slot-counters.js';
import { servedByRunNotRead, servesOf } from './slot-serves.js';
import { describeAttempts, type RunHistory, type SlotHistory } from './slot-history.js';

/**
 * What became of a slot: served (by the first provider), degraded (served by a fallback), failed,
 * missing (no record at all), pending (too recent to judge), filled (unserved at first, served
 * later by a backfill or by hand).
 */
export type CellOutcome = 'served' | 'degraded' | 'failed' | 'missing' | 'pending' | 'filled';
export const CELL_OUTCOMES: readonly CellOutcome[] = ['served', 'degraded', 'failed', 'missing', 'pending', 'filled'];

export interface SlotCell {
  slot: string;
  outcome: CellOutcome;
  /** Who served it (served, degraded, filled). */
  provider?: string;
  /** Served by a provider other than the chain's first (a filled slot can be too). */
  degraded?: boolean;
  /** Served by another host (its run here skipped the slot as served there): that host. */
  servedOn?: string;
  /** With `servedOn`: only that skip says so; its run is in no log read, nor in the shared ledger. */
  unverified?: true;
  /** For a filled slot: what it was before (a run failed, or no run at all). */
  was?: 'failed' | 'missing';
  filledBy?: string;
  filledAt?: string;
  /** Why it was not served (the failed run's error), for failed slots and filled ones that failed first. */
  error?: string;
  /** Every try, run after run: "deepseek-v3 503, 503, 503 → backfill: deepseek-v3 ok". */
  tries?: string;
}

/** One job's slots in the window, in order, and how many came to each outcome. */
export interface JobRow {
  job: string;
  schedule: string;
  tz: string;
  cells: SlotCell[];
  counts: Record<CellOutcome, number>;
  /**
   * The periods the watchdog saw the job out of the config that reach into the window (as
   * `postmortem gaps` lists them): slots after `after` and before `until` (null: not back yet) that
   * no record names are not judged, so they have no cell.
   */
  outOfConfig: Array<{ after: string; until: string | null }>;
  /** The window's slots not judged because the job was out of the config then. */
  notJudgedOutOfConfig: number;
}

/** Slots a fallback filled later: how many, and its providers in the order they first did. */
export interface FilledByFallback {
  slots: number;
  providers: string[];
}

/** Of these cells, the filled ones a fallback filled; undefined when none was. */
export function filledByFallback(cells: readonly SlotCell[]): FilledByFallback | undefined {
  const byFallback = cells.filter((c) => c.outcome === 'filled' && c.degraded === true);
  if (byFallback.length === 0) return undefined;
  return { slots: byFallback.length, providers: [...new Set(byFallback.map((c) => c.provider ?? '?'))] };
}

/** The outcomes that make a slot affected: not served on time by the chain's first provider. */
export const AFFECTED: ReadonlySet<CellOutcome> = new Set(['failed', 'missing', 'degraded', 'filled']);

/**
 * One job's row: each slot in the window judged and told in full, counted by outcome. Slots served
 * more than once (as `postmortem gaps` counts them) are appended to `doubles`.
 */
export function jobRow(job: JobSchedule, ledger: SlotLedger, history: SlotHistory, doubles: DoubledSlot[]): JobRow {
  const counts = Object.fromEntries(CELL_OUTCOMES.map((o) => [o, 0])) as Record<CellOutcome, number>;
  const cells: SlotCell[] = [];
  const book = ledger.jobs.get(job.name);
  const rule = new JudgingRule(job, ledger);
  const notJudged = { outOfConfig: 0 };
  for (const judged of judgeSlots(job, ledger, notJudged, rule)) {
    let byRunNotRead = false;
    if (book && judged.status === 'served') {
      const key = ledger.keyOf(judged.slot.getTime());
      const packed = book.slots.get(key) ?? 0;
      const runs = servesOf(book, key, packed);
      if (runs > 1) doubles.push({ job: job.name, slot: judged.slot.toISOString(), runs });
      byRunNotRead = servedByRunNotRead(book, key, counter(packed, OKS));
    }
    const cell = describeSlot(judged, history.of(job.name, judged.slot), byRunNotRead);
    counts[cell.outcome]++;
    cells.push(cell);
  }
  return {
    job: job.name,
    schedule: job.schedule,
    tz: job.tz,
    cells,
    counts,
    outOfConfig: rule.outOfConfigIn(ledger),
    notJudgedOutOfConfig: notJudged.outOfConfig,
  };
}

/**
 * A judged slot told in full from its runs. `byRunNotRead`: a run here skipped it as served by
 * another host's run that no log read shows; that run served it, so a run here is no filling.
 */
function describeSlot(
  { status, slot, degradedBy, servedOn, unverified }: JudgedSlot,
  runs: RunHistory[],
  byRunNotRead: boolean,
): SlotCell {
  const iso = slot.toISOString();
  if (status === 'pending') return { slot: iso, outcome: 'pending' };
  if (status === 'missing') return { slot: iso, outcome: 'missing' };
  const tries = describeAttempts(runs) || undefined;
  if (status === 'failed') {
    const last = runs.filter((r) => r.outcome !== 'ok').at(-1);
    const error = last ? (last.error ?? CRASHED_REASON) : undefined;
    return { slot: iso, outcome: 'failed', ...(error ? { error } : {}), ...(tries ? { tries } : {}) };
  }
  // served: by the first run that ended ok (the ledger may know of one this history does not)
  const serving = runs
    .filter((r) => r.outcome === 'ok')
    .sort((a, b) => (a.endedAt ?? '').localeCompare(b.endedAt ?? ''))[0];
  if (byRunNotRead && servedOn !== undefined)
    return { slot: iso, outcome: 'served', servedOn, ...(unverified ? { unverified } : {}) };
  if (!serving) {
    // served where the records read do not show the run: on another host, or the shared ledger's
    const on = servedOn !== undefined ? { servedOn } : {};
    return degradedBy === undefined
      ? { slot: iso, outcome: 'served', ...on }
      : { slot: iso, outcome: 'degraded', provider: degradedBy, degraded: true, ...on };
  }
  const provider = serving.provider ? { provider: serving.provider } : {};
  if (serving.trigger !== 'cron') {
    const before = runs.filter((r) => r !== serving && r.outcome !== 'ok' && r.at <= (serving.endedAt ?? r.at));
    const firstError = before.find((r) => r.error !== undefined || r.outcome === undefined);
    return {
      slot: iso,
      outcome: 'filled',
      ...provider,
      ...(degradedBy !== undefined ? { degraded: true } : {}),
      was: before.length > 0 ? 'failed' : 'missing',
      filledBy: serving.trigger,
      filledAt: serving.endedAt ?? serving.at,
      ...(firstError ? { error: firstError.error ?? CRASHED_REASON } : {}),
      ...(tries ? { tries } : {}),
    };
  }
  // degraded as gaps judges it: served only by fallbacks (a later run by the first provider mends it)
  if (degradedBy !== undefined)
    return { slot: iso, outcome: 'degraded', provider: degradedBy, degraded: true, ...(tries ? { tries } : {}) };
  const byFirst = runs.find((r) => r.outcome === 'ok' && !r.degraded)?.provider ?? serving.provider;
  return { slot: iso, outcome: 'served', ...(byFirst ? { provider: byFirst } : {}) };
}
