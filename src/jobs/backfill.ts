/**
 * Backfill: plan exactly the unserved slots of a window (the same analysis as `postmortem gaps`),
 * then run each once through the same engine, with trigger "backfill" and the slot it serves.
 */
import { jobSchedulesFromConfig } from '../analysis/jobs.js';
import { readLedger, unservedSlots, type NotJudgedOutOfConfig, type UnservedSlot } from '../analysis/gaps.js';
import { expandRotated } from '../log/reader.js';
import { ExitCode } from '../exit-codes.js';
import type { LockHandle } from '../state/types.js';
import type { JobContext } from './context.js';
import { generateSlot } from './generate.js';
import { servedInWindow } from './shared-ledger.js';

export type BackfillStatus = 'filled' | 'failed' | 'skipped' | 'planned';

export interface BackfillSlot {
  job: string;
  slot: string;
  status: BackfillStatus;
  /** failed or missing, as the analysis judged it before the backfill. */
  was: UnservedSlot['status'];
  provider?: string;
  degraded?: boolean;
  output?: string;
  reason?: string;
}

export interface BackfillResult {
  since: string;
  until: string;
  slots: BackfillSlot[];
  filled: number;
  failed: number;
  skipped: number;
  /** Set when the run stopped early because no provider could serve. */
  stoppedEarly?: string;
  /** Jobs another backfill is already working on. */
  busyJobs: string[];
  /** Log lines that were not records (garbage, truncated, foreign): skipped, as `postmortem gaps` counts them. */
  skippedLines: number;
  /** Log files that could not be read (only a dry run gets this far with any). */
  unreadable: string[];
  /** Jobs whose slots were not judged, so not planned: out of the config then (as gaps says). */
  notJudgedOutOfConfig: NotJudgedOutOfConfig[];
}

/** A backfill refused because part of the log could not be read: slots served there would run again. */
export class UnreadableLogError extends Error {
  readonly exitCode = ExitCode.failed;
  constructor(readonly unreadable: string[]) {
    super(
      `could not read ${unreadable.join('; ')}: not backfilling, since slots served in it would run again ` +
        '(fix or move the file aside; --dry-run shows the plan anyway)',
    );
    this.name = 'UnreadableLogError';
  }
}

export interface BackfillOptions {
  since: Date;
  until: Date;
  jobs?: string[];
  dryRun?: boolean;
  concurrency?: number;
  /** Extra logs to read besides the configured one (and its rotations). */
  logs?: string[];
  /** Slots younger than this (from now) may still be running: not planned. Default: each job's deadline + 1 min. */
  graceMs?: number;
  /** The clock's now (pending is measured from it, not from `until`). */
  now?: Date;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, slot: BackfillSlot) => void;
}

export async function backfill(ctx: JobContext, opts: BackfillOptions): Promise<BackfillResult> {
  const schedules = jobSchedulesFromConfig(ctx.config, opts.jobs, opts.graceMs);
  const sources = [...expandRotated(ctx.config.log), ...(opts.logs ?? [])];
  const now = opts.now ?? new Date(ctx.clock.now());
  const plannedAt = Date.now(); // outputs newer than the plan were written by runs racing this one
  const window = { since: opts.since, until: opts.until };
  // slots another host served (the shared ledger, with state.redis) are not planned
  const served = await servedInWindow(
    ctx.store,
    schedules.map((s) => s.name),
    window,
    ctx.warn,
  );
  const { ledger, stats } = await readLedger(schedules, window, sources, { served, now });
  if (stats.errors.length > 0 && !opts.dryRun) throw new UnreadableLogError(stats.errors);
  const notJudgedOutOfConfig: NotJudgedOutOfConfig[] = [];
  const plan = unservedSlots(schedules, ledger, notJudgedOutOfConfig);
  const slots: BackfillSlot[] = plan.map((p) => ({ job: p.job, slot: p.slot, was: p.status, status: 'planned' }));
  const result: BackfillResult = {
    since: opts.since.toISOString(),
    until: opts.until.toISOString(),
    slots,
    filled: 0,
    failed: 0,
    skipped: 0,
    busyJobs: [],
    skippedLines: stats.skippedLines,
    unreadable: stats.errors,
    notJudgedOutOfConfig,
  };

  if (opts.dryRun) return result;

  // one backfill per job at a time, across processes (and hosts, with the Redis store)
  const locks: LockHandle[] = [];
  const mine = new Set<string>();
  for (const job of new Set(plan.map((p) => p.job))) {
    const lock = await ctx.store.tryLock(`backfill:${job}`);
    if (lock) {
      locks.push(lock);
      mine.add(job);
    } else result.busyJobs.push(job);
  }

  try {
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < slots.length) {
        const item = slots[next++];
        if (!mine.has(item.job)) {
          Object.assign(item, { status: 'skipped', reason: 'another backfill of this job is running' });
        } else if (result.stoppedEarly || opts.signal?.aborted) {
          Object.assign(item, {
            status: 'skipped',
            reason: result.stoppedEarly ? 'not attempted: no provider could serve' : 'not attempted: interrupted',
          });
        } else {
          await fill(ctx, item, plannedAt, opts.signal, (why) => (result.stoppedEarly ??= why));
        }
        opts.onProgress?.(++done, slots.length, item);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  } finally {
    for (const lock of locks) await lock.release();
  }
  for (const s of result.slots) {
    if (s.status === 'filled') result.filled++;
    else if (s.status === 'failed') result.failed++;
    else if (s.status === 'skipped') result.skipped++;
  }
  return result;
}

async function fill(
  ctx: JobContext,
  item: BackfillSlot,
  plannedAt: number,
  signal: AbortSignal | undefined,
  stop: (why: string) => void,
): Promise<void> {
  const job = ctx.config.jobs[item.job];
  const slot = new Date(item.slot);
  if (job.prompt === undefined) {
    const { runCommandSlot } = await import('./command.js');
    const r = await runCommandSlot(ctx, job, slot, {
      trigger: 'backfill',
      stdio: 'stderr',
      forwardSignals: false,
      signal,
    });
    if (r.locked) Object.assign(item, { status: 'skipped', reason: 'locked: this slot is running right now' });
    else
      Object.assign(
        item,
        r.status === 'ok' ? { status: 'filled' } : { status: 'failed', reason: `exit ${r.exitCode}` },
      );
    return;
  }
  const r = await generateSlot(ctx, job, slot, { trigger: 'backfill', signal, recordFoundOutput: true, plannedAt });
  if (r.status === 'ok') {
    Object.assign(item, {
      status: 'filled',
      provider: r.provider ?? undefined,
      degraded: r.degraded,
      output: r.output ?? undefined,
      ...(r.reason ? { reason: r.reason } : {}),
    });
  } else if (r.status === 'skipped') {
    Object.assign(item, { status: 'skipped', reason: r.reason, output: r.output ?? undefined });
  } else {
    Object.assign(item, { status: 'failed', reason: r.error });
    // an outage is still on: burning through every slot would only add failures to the log
    if (r.failure === 'unavailable') stop(r.error ?? 'no provider could serve');
  }
}
