/**
 * The on-call view of each job: its latest slot (who served it, whether by a fallback), how many
 * slots in a row went unserved or were served by a fallback, and when the next one is due. Judged
 * exactly as `postmortem gaps` judges (same ledger, same grace), over a recent window of the log.
 */
import type { LogRecord } from '../log/types.js';
import type { ServedEntry } from '../state/types.js';
import { nextSlotAfter } from '../schedule/slots.js';
import { judgeSlots, type JudgedSlot } from './gaps.js';
import { JudgingRule, runningUntil } from './judging.js';
import { SlotLedger } from './ledger.js';
import type { JobSchedule, Window } from './ledger-types.js';
import { counter, ENDS, OKS, STARTS } from './slot-counters.js';
import { servedByNoRunRead, servesOf } from './slot-serves.js';
import { ProviderActivityBook } from './provider-activity.js';

export type LastOutcome = 'ok' | 'failed' | 'missing' | 'running' | 'due';

export interface LastSlot {
  /** The slot (ISO). */
  slot: string;
  /**
   * ok: served; failed: a run failed (or died); missing: no record at all; running: started, not
   * ended; due: its time has come, no run has served or failed it yet (its run may still be starting).
   */
  outcome: LastOutcome;
  /**
   * running and due: when the slot is judged (its time plus the job's grace, deadline + 1 minute):
   * missing then if no run has come, failed if its run has not ended. Null once judged.
   */
  judgedAfter: string | null;
  /** Who served it (ok), else null. */
  provider: string | null;
  /** Served by a fallback, not the chain's first provider. */
  degraded: boolean;
  /**
   * Served by another host: this host's run found it served there and skipped it (or the shared
   * ledger says so and this log has no ok run). That host's name ('' when unnamed); else null.
   */
  servedOn: string | null;
  /**
   * With `servedOn`: only this host's skip says so; the serving run is in no log read and the
   * shared ledger does not name it (the view says "its run not in the logs read").
   */
  unverified: boolean;
}

export interface JobStatus {
  job: string;
  schedule: string;
  tz: string;
  /** The latest slot due: judged, or not yet (running, due); null when none is in the window. */
  last: LastSlot | null;
  /** Unserved slots (failed or missing) in a row, ending at the latest judged slot. */
  failuresInARow: number;
  /** Slots served by a fallback in a row, ending at the latest judged slot. */
  degradedInARow: number;
  /** The latest slot that was served, and by whom (null: none in the window). */
  lastServed: {
    slot: string;
    provider: string | null;
    degraded: boolean;
    servedOn: string | null;
    unverified: boolean;
  } | null;
  /**
   * The latest stretch of unserved slots in the window: still open (`end` null), or closed by the
   * served slot `end`. A gap that closed a moment ago still needs a backfill; null when none.
   */
  lastGap: { start: string; lastSlot: string; end: string | null; slots: number } | null;
  /**
   * Every unserved slot (failed or missing) judged in the window, in any stretch, and the earliest:
   * a backfill `--since` it fills them all, where one from `lastGap.start` leaves older ones
   * unserved. Null when none.
   */
  unserved: { slots: number; since: string } | null;
  /** The latest failed run in the records read: its slot and what it said (null: none failed). */
  lastFailure: { slot: string; at: string; error: string } | null;
  /** The next slot after now (ISO). */
  nextSlot: string | null;
  /**
   * Periods the watchdog saw the job out of the config, in the window (`until` null: not seen
   * back yet), as `jobs[].outOfConfig` of gaps and the report: the counts above leave them out.
   */
  outOfConfig: Array<{ after: string; until: string | null }>;
  /** Slots in those periods that no record names: not judged, so in no count above. */
  notJudgedOutOfConfig: number;
  /**
   * Slots of the window served more than once (two hosts, a re-run or backfill that did not see the
   * first), oldest first, with how many serves: what `postmortem gaps` lists as doubles.
   */
  doubles: Array<{ slot: string; runs: number }>;
}

/** Each job's status from the records of a window ending now, and what the providers did in them. */
export async function jobStatuses(
  jobs: readonly JobSchedule[],
  window: Window,
  records: AsyncIterable<LogRecord> | Iterable<LogRecord>,
  /** Slots the shared ledger (Redis) says any host served: served here too, as gaps counts them. */
  served: readonly ServedEntry[] = [],
): Promise<{ jobs: JobStatus[]; providers: ProviderActivityBook }> {
  const ledger = new SlotLedger(jobs, window);
  const providers = new ProviderActivityBook();
  // who served each slot (the ledger keeps only fallbacks): job → slot ms → provider
  const servedBy = new Map<string, Map<number, string>>();
  const failures = new Map<string, NonNullable<JobStatus['lastFailure']>>();
  for await (const record of records) {
    ledger.add(record);
    providers.add(record);
    if (record.event === 'run.end' && record.outcome === 'failed') {
      const seen = failures.get(record.job);
      if (!seen || record.ts > seen.at)
        failures.set(record.job, { slot: record.scheduledFor, at: record.ts, error: runError(record) });
    }
    if (record.event === 'run.end' && record.outcome === 'ok' && typeof record.provider === 'string') {
      const slotMs = Date.parse(record.scheduledFor);
      let byJob = servedBy.get(record.job);
      if (!byJob) servedBy.set(record.job, (byJob = new Map()));
      // a fallback's run does not hide that the first provider served the slot too
      if (record.degraded !== true || !byJob.has(slotMs)) byJob.set(slotMs, record.provider);
    }
  }
  for (const entry of served) {
    ledger.servedElsewhere(
      entry.job,
      entry.slot,
      entry.at,
      entry.trigger,
      entry.degraded && entry.provider ? entry.provider : undefined,
      entry.host,
      entry.runId,
    );
    const slotMs = Date.parse(entry.slot);
    let byJob = servedBy.get(entry.job);
    if (!byJob) servedBy.set(entry.job, (byJob = new Map()));
    if (entry.provider && !byJob.has(slotMs)) byJob.set(slotMs, entry.provider);
  }
  return {
    jobs: jobs.map((job) => ({
      ...statusOf(job, ledger, servedBy.get(job.name) ?? new Map(), window.until),
      lastFailure: failures.get(job.name) ?? null,
    })),
    providers,
  };
}

/** What a failed run.end says went wrong: its message, else its class, else its exit. */
function runError(record: LogRecord): string {
  if (typeof record.error === 'string' && record.error) return record.error;
  if (typeof record.errorType === 'string') return record.errorType;
  if (typeof record.exitCode === 'number') return `exit ${record.exitCode}`;
  return 'failed';
}

function statusOf(
  job: JobSchedule,
  ledger: SlotLedger,
  servedBy: Map<number, string>,
  now: Date,
): Omit<JobStatus, 'lastFailure'> {
  // the rule and tally gaps uses, so the slots left unjudged are counted as gaps counts them
  const rule = new JudgingRule(job, ledger);
  const notJudged = { outOfConfig: 0 };
  const judged = [...judgeSlots(job, ledger, notJudged, rule)];
  const book = ledger.jobs.get(job.name);
  const running = (j: JudgedSlot) => {
    const packed = book?.slots.get(ledger.keyOf(j.slot.getTime())) ?? 0;
    return counter(packed, STARTS) > counter(packed, ENDS);
  };
  // newest first; a slot not judged yet is running (started, not ended) or due (no run has
  // settled it yet): shown as the last slot, so a quiet row never hides one that is owed now
  const seen: Array<{ judged: JudgedSlot; outcome: LastOutcome }> = [];
  for (let i = judged.length - 1; i >= 0; i--) {
    const j = judged[i];
    if (j.status === 'pending') seen.push({ judged: j, outcome: running(j) ? 'running' : 'due' });
    else seen.push({ judged: j, outcome: j.status === 'served' ? 'ok' : j.status });
  }
  // served more than once, counted as the gap walk counts them (a skip naming a run not read is one serve)
  const doubles: JobStatus['doubles'] = [];
  for (const j of judged) {
    if (j.status !== 'served' || !book) continue;
    const key = ledger.keyOf(j.slot.getTime());
    const packed = book.slots.get(key) ?? 0;
    const runs = j.servedOn !== undefined ? servesOf(book, key, packed) : counter(packed, OKS);
    if (runs > 1) doubles.push({ slot: j.slot.toISOString(), runs });
  }
  // the host named is that of the run shown: an ok run of the logs read shows as itself
  const servedOn = (j: JudgedSlot): string | null => {
    if (j.servedOn === undefined || !book) return null;
    const key = ledger.keyOf(j.slot.getTime());
    return servedByNoRunRead(book, key, counter(book.slots.get(key) ?? 0, OKS)) ? j.servedOn : null;
  };
  // a run going is judged at the later of its slot's grace and its own bound (judging.ts runningUntil)
  const judgedAt = (j: JudgedSlot) => {
    const ms = j.slot.getTime();
    const key = ledger.keyOf(ms);
    return Math.max(ms + (job.graceMs ?? 0), runningUntil(job, book, key, book?.slots.get(key) ?? 0));
  };
  const describe = (j: JudgedSlot, outcome: LastOutcome): LastSlot => ({
    slot: j.slot.toISOString(),
    outcome,
    provider: outcome === 'ok' ? (j.degradedBy ?? servedBy.get(j.slot.getTime()) ?? null) : null,
    degraded: j.degradedBy !== undefined,
    servedOn: outcome === 'ok' ? servedOn(j) : null,
    unverified: outcome === 'ok' && servedOn(j) !== null && j.unverified === true,
    judgedAfter: outcome === 'running' || outcome === 'due' ? new Date(judgedAt(j)).toISOString() : null,
  });
  const settled = seen.filter((s) => s.outcome !== 'running' && s.outcome !== 'due');
  let failuresInARow = 0;
  while (failuresInARow < settled.length && settled[failuresInARow].outcome !== 'ok') failuresInARow++;
  let degradedInARow = 0;
  while (degradedInARow < settled.length && settled[degradedInARow].judged.degradedBy !== undefined) degradedInARow++;
  const served = settled.find((s) => s.outcome === 'ok');
  // newest first: the first unserved slot, then back to the served one before it
  const gapEnd = settled.findIndex((s) => s.outcome !== 'ok');
  let lastGap: JobStatus['lastGap'] = null;
  if (gapEnd >= 0) {
    let first = gapEnd;
    while (first + 1 < settled.length && settled[first + 1].outcome !== 'ok') first++;
    lastGap = {
      start: settled[first].judged.slot.toISOString(),
      lastSlot: settled[gapEnd].judged.slot.toISOString(),
      end: gapEnd > 0 ? settled[gapEnd - 1].judged.slot.toISOString() : null,
      slots: first - gapEnd + 1,
    };
  }
  // every unserved slot, not only the latest stretch's; settled is newest first, so its last is the earliest
  const unservedSlots = settled.filter((s) => s.outcome !== 'ok');
  const unserved =
    unservedSlots.length > 0
      ? { slots: unservedSlots.length, since: unservedSlots[unservedSlots.length - 1].judged.slot.toISOString() }
      : null;
  const next = nextSlotAfter(job.schedule, job.tz, now, job.cron);
  return {
    job: job.name,
    schedule: job.schedule,
    tz: job.tz,
    last: seen.length > 0 ? describe(seen[0].judged, seen[0].outcome) : null,
    failuresInARow,
    degradedInARow,
    lastServed: served
      ? {
          slot: served.judged.slot.toISOString(),
          provider: served.judged.degradedBy ?? servedBy.get(served.judged.slot.getTime()) ?? null,
          degraded: served.judged.degradedBy !== undefined,
          servedOn: servedOn(served.judged),
          unverified: servedOn(served.judged) !== null && served.judged.unverified === true,
        }
      : null,
    lastGap,
    unserved,
    nextSlot: next ? next.toISOString() : null,
    outOfConfig: rule.outOfConfigIn(ledger),
    notJudgedOutOfConfig: notJudged.outOfConfig,
    doubles,
  };
}
