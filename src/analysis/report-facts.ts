/**
 * The facts of an incident report (`postmortem report`): every slot of every job in the window
 * judged as `postmortem gaps` judges it (the slot ledger), told in more detail (who served it, after
 * which failures, filled later by a backfill or not), merged into incidents, plus what the
 * providers, the breakers and the alerts did. The HTML and Markdown pages only render these.
 */
import type { LogRecord } from '../log/types.js';
import { newReadStats, readRecords } from '../log/reader.js';
import { BreakerPeriods, type AlertMark, type BreakerPeriod } from './breaker-periods.js';
import {
  attemptCauseKey,
  causeCounts,
  preferAttempts,
  causeKey,
  CRASHED_REASON,
  formatCause,
  type CauseTally,
} from './cause.js';
import { judgeSlots, type DoubledSlot, type JudgedSlot } from './gaps.js';
import { mergeIncidents, type GapSpan } from './incidents.js';
import { counter, OKS, servedByRunNotRead, servesOf, SlotLedger, type JobSchedule, type Window } from './ledger.js';
import { describeAttempts, SlotHistory, type RunHistory } from './slot-history.js';

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
  /** For a filled slot: what it was before (a run failed, or no run at all). */
  was?: 'failed' | 'missing';
  filledBy?: string;
  filledAt?: string;
  /** Why it was not served (the failed run's error), for failed slots and filled ones that failed first. */
  error?: string;
  /** Every try, run after run: "deepseek-v3 503, 503, 503 → backfill: deepseek-v3 ok". */
  tries?: string;
}

interface JobRow {
  job: string;
  schedule: string;
  tz: string;
  cells: SlotCell[];
  counts: Record<CellOutcome, number>;
}

interface AffectedSlot extends SlotCell {
  job: string;
}

interface ReportIncident {
  start: string;
  /** The first slot served again (ISO); null while it goes on at the window's end. */
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  slots: number;
  failed: number;
  missing: number;
  degraded: number;
  filled: number;
  cause?: string;
}

export interface ProviderActivity {
  provider: string;
  /** Requests sent (ok + failed); a skipped-open attempt sends none. */
  requests: number;
  ok: number;
  failed: number;
  /** Attempts the open breaker answered without a request: requests it saved. */
  skippedOpen: number;
  /** Failed attempts per error class (HTTP status or error type), most frequent first. */
  errors: Array<{ reason: string; count: number }>;
}

export interface Headline {
  /** First affected slot (ISO), null when nothing was affected. */
  start: string | null;
  end: string | null;
  open: boolean;
  durationMs: number;
  jobs: string[];
  /** Slots not served on time by the chain's first provider: failed + missing + degraded + filled. */
  affected: number;
  failed: number;
  missing: number;
  degraded: number;
  /** Unserved at first, served since by a backfill (or by hand). */
  filled: number;
  /** Still unserved now: failed + missing. */
  unserved: number;
  pending: number;
}

export interface ReportFacts {
  since: string;
  until: string;
  headline: Headline;
  incidents: ReportIncident[];
  /** The chain, in order. */
  chain: string[];
  jobs: JobRow[];
  affected: AffectedSlot[];
  /** Slots served more than once (as `postmortem gaps` counts them), in time order per job. */
  doubles: DoubledSlot[];
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
  stdin?: NodeJS.ReadableStream;
}

const AFFECTED: ReadonlySet<CellOutcome> = new Set(['failed', 'missing', 'degraded', 'filled']);

/** Read the logs once and draw the report's facts for these jobs and this window. */
export async function gatherReportFacts(
  jobs: readonly JobSchedule[],
  window: Window,
  sources: string[],
  opts: ReportOptions,
): Promise<ReportFacts> {
  const [sinceMs, untilMs] = [window.since.getTime(), window.until.getTime()];
  const ledger = new SlotLedger(jobs, window);
  const history = new SlotHistory(
    jobs.map((j) => j.name),
    sinceMs,
    untilMs,
  );
  const breakers = new BreakerPeriods(sinceMs, untilMs);
  const activity = new ProviderTally(opts.chain);
  const jobNames = new Set(jobs.map((j) => j.name));
  const stats = newReadStats();
  for await (const record of readRecords(sources, { stats, stdin: opts.stdin })) {
    ledger.add(record);
    history.add(record);
    breakers.add(record);
    if (opts.allTraffic || jobNames.has(record.job)) activity.add(record, sinceMs, untilMs);
  }

  const doubles: DoubledSlot[] = [];
  const rows = jobs.map((job) => jobRow(job, ledger, history, doubles));
  const spans = rows.flatMap((row) => affectedSpans(row, history));
  const incidents = mergeIncidents(spans, window.until).map((incident) => {
    const cells = rows
      .filter((row) => incident.jobs.includes(row.job))
      .flatMap((row) => row.cells)
      .filter((c) => c.slot >= incident.start && (incident.end === null || c.slot < incident.end));
    const count = (o: CellOutcome) => cells.filter((c) => c.outcome === o).length;
    return {
      start: incident.start,
      end: incident.end,
      open: incident.open,
      durationMs: incident.durationMs,
      jobs: incident.jobs,
      slots: cells.filter((c) => AFFECTED.has(c.outcome)).length,
      failed: count('failed'),
      missing: count('missing'),
      degraded: count('degraded'),
      filled: count('filled'),
      ...(incident.cause ? { cause: incident.cause } : {}),
    };
  });
  const affected = rows
    .flatMap((row) => row.cells.filter((c) => AFFECTED.has(c.outcome)).map((c) => ({ job: row.job, ...c })))
    .sort((a, b) => a.slot.localeCompare(b.slot) || a.job.localeCompare(b.job));
  const cause = formatCause(causeCounts(preferAttempts(activity.failures) ?? new Map()));
  stats.skippedLines += ledger.invalidRecords;
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    headline: headline(rows, incidents, untilMs),
    incidents,
    chain: [...opts.chain],
    jobs: rows,
    affected,
    doubles,
    providers: activity.list(),
    ...(cause ? { cause } : {}),
    breakers: breakers.periods(),
    alerts: breakers.alerts(),
    skippedLines: stats.skippedLines,
    linesRead: stats.lines,
    sources: stats.sources,
    errors: stats.errors,
  };
}

function jobRow(job: JobSchedule, ledger: SlotLedger, history: SlotHistory, doubles: DoubledSlot[]): JobRow {
  const counts = Object.fromEntries(CELL_OUTCOMES.map((o) => [o, 0])) as Record<CellOutcome, number>;
  const cells: SlotCell[] = [];
  const book = ledger.jobs.get(job.name);
  for (const judged of judgeSlots(job, ledger)) {
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
  return { job: job.name, schedule: job.schedule, tz: job.tz, cells, counts };
}

/**
 * A judged slot told in full from its runs. `byRunNotRead`: a run here skipped it as served by
 * another host's run that no log read shows; that run served it, so a run here is no filling.
 */
function describeSlot(
  { status, slot, degradedBy, servedOn }: JudgedSlot,
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
  if (byRunNotRead && servedOn !== undefined) return { slot: iso, outcome: 'served', servedOn };
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

/**
 * Runs of consecutive affected slots of one job, as gap spans: each ends at the next slot served on
 * time (open when a pending slot or the window's end comes first). Their failed attempts are the cause.
 */
function affectedSpans(row: JobRow, history: SlotHistory): GapSpan[] {
  const spans: GapSpan[] = [];
  let open: { start: string; slots: number; failed: number; missing: number; tally: CauseTally } | undefined;
  const close = (end: string | null) => {
    if (!open) return;
    spans.push({
      job: row.job,
      start: open.start,
      end,
      slots: open.slots,
      failed: open.failed,
      missing: open.missing,
      causes: causeCounts(open.tally),
    });
    open = undefined;
  };
  for (const cell of row.cells) {
    if (!AFFECTED.has(cell.outcome)) {
      close(cell.outcome === 'served' ? cell.slot : null);
      continue;
    }
    open ??= { start: cell.slot, slots: 0, failed: 0, missing: 0, tally: new Map() };
    open.slots++;
    if (cell.outcome === 'failed' || cell.was === 'failed') open.failed++;
    if (cell.outcome === 'missing' || cell.was === 'missing') open.missing++;
    for (const run of history.of(row.job, new Date(cell.slot)))
      for (const a of run.attempts)
        if (a.result !== 'ok' && a.result !== 'breaker open') {
          const key = causeKey(a.provider, a.result);
          open.tally.set(key, (open.tally.get(key) ?? 0) + 1);
        }
  }
  close(null);
  return spans;
}

function headline(rows: JobRow[], incidents: ReportIncident[], untilMs: number): Headline {
  const total = (o: CellOutcome) => rows.reduce((n, r) => n + r.counts[o], 0);
  const first = incidents[0];
  const open = incidents.some((i) => i.open);
  const end = first && !open ? incidents.reduce((e, i) => (i.end! > e ? i.end! : e), first.end!) : null;
  const [failed, missing] = [total('failed'), total('missing')];
  return {
    start: first?.start ?? null,
    end,
    open,
    durationMs: first ? (end ? Date.parse(end) : untilMs) - Date.parse(first.start) : 0,
    jobs: [...new Set(incidents.flatMap((i) => i.jobs))].sort(),
    affected: failed + missing + total('degraded') + total('filled'),
    failed,
    missing,
    degraded: total('degraded'),
    filled: total('filled'),
    unserved: failed + missing,
    pending: total('pending'),
  };
}

/** Attempts per provider and error class, for attempt records written inside the window. */
class ProviderTally {
  private readonly byProvider = new Map<string, ProviderActivity>();
  /** Failed attempts (not breaker skips) by provider and class. */
  readonly failures: CauseTally = new Map();

  constructor(private readonly chain: readonly string[]) {
    for (const provider of chain) this.entry(provider);
  }

  add(record: LogRecord, sinceMs: number, untilMs: number): void {
    if (record.event !== 'attempt.end') return;
    const tsMs = Date.parse(record.ts);
    if (Number.isNaN(tsMs) || tsMs < sinceMs || tsMs > untilMs) return;
    const provider = String(record.provider ?? 'unknown provider');
    const entry = this.entry(provider);
    if (record.outcome === 'ok') {
      entry.ok++;
      entry.requests++;
    } else if (record.outcome === 'skipped-open') {
      entry.skippedOpen++;
    } else {
      entry.failed++;
      entry.requests++;
      const key = attemptCauseKey(record) ?? causeKey(provider, 'error');
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
  }

  list(): ProviderActivity[] {
    return [...this.byProvider.values()].map((entry) => ({
      ...entry,
      errors: causeCounts(this.failures)
        .filter((c) => c.source === entry.provider)
        .map(({ reason, count }) => ({ reason, count })),
    }));
  }

  private entry(provider: string): ProviderActivity {
    let entry = this.byProvider.get(provider);
    if (!entry) {
      entry = { provider, requests: 0, ok: 0, failed: 0, skippedOpen: 0, errors: [] };
      this.byProvider.set(provider, entry);
    }
    return entry;
  }
}
