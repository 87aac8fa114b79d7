/**
 * The discipline every run gets, whatever its work: one lock per job and slot, `run.start` and
 * `run.end` records, and the after-run hooks (alerts, metrics).
 */
import { hostname } from 'node:os';
import { breakerEvent } from '../engine/breaker.js';
import type { EngineEvent } from '../engine/types.js';
import type { Trigger } from '../log/types.js';
import { newRunId } from '../log/writer.js';
import type { LockHandle } from '../state/types.js';
import type { JobContext } from './context.js';
import { runAfterRunHooks } from './hooks.js';
import type { RunHandle, SlotRunResult, WorkResult } from './types.js';

export async function runSlot<R>(
  ctx: JobContext,
  job: string,
  slot: Date,
  trigger: Trigger,
  work: (run: RunHandle) => Promise<WorkResult<R>>,
  /** How long the work may take (generate's deadline, run's --timeout): run.start says it, so a run still going is not judged killed before then. */
  boundMs?: number,
): Promise<SlotRunResult<R>> {
  const runId = newRunId();
  const scheduledFor = slot.toISOString();
  const lockName = `run:${job}@${scheduledFor}`;
  let lock: LockHandle | null = null;
  const run: RunHandle = {
    runId,
    job,
    slot: scheduledFor,
    trigger,
    log: ctx.log.forRun({ job, runId, scheduledFor, trigger }),
    holdForGroup: (group) => lock?.holdForGroup?.(group),
    stillHeld: async () => (lock ? stillHeld(lock) : false),
  };
  const started = performance.now();
  try {
    lock = await ctx.store.tryLock(lockName);
  } catch (err) {
    // nothing can run (e.g. a full or unwritable stateDir: exit 78 naming it); the log still says
    // so, so gaps calls the slot failed with its reason rather than silently missing
    const error = (err as Error)?.message ?? String(err);
    run.log('run.end', { outcome: 'failed', failure: 'state', error, durationMs: 0 }, 'error');
    throw err;
  }
  if (!lock) {
    // another process is serving this slot right now; say so without a run.start of our own
    const holder = await ctx.store.lockHolder?.(lockName).catch(() => undefined);
    run.log('run.end', { outcome: 'skipped', reason: 'locked', ...(holder ? { holder } : {}), durationMs: 0 }, 'warn');
    return { status: 'skipped', reason: 'locked', locked: true, runId, durationMs: 0, ...(holder ? { holder } : {}) };
  }
  try {
    const startedAt = ctx.clock.now();
    // the schedule the slot belongs to: gaps judges each slot by the schedule in force then
    const config = ctx.config.jobs[job];
    const schedule = config ? { schedule: config.schedule, tz: config.tz } : {};
    // deadlineMs last: the gap decoders read it from the line's end (byte-decode.ts)
    run.log('run.start', {
      ...schedule,
      lateMs: Math.max(0, startedAt - slot.getTime()),
      pid: process.pid,
      ...(boundMs !== undefined && Number.isFinite(boundMs) ? { deadlineMs: boundMs } : {}),
    });
    let result: WorkResult<R>;
    try {
      result = await work(run);
    } catch (err) {
      result = { status: 'failed', fields: { error: (err as Error).message ?? String(err) } };
    }
    const durationMs = Math.round(performance.now() - started);
    // frozen (SIGSTOP, a swapped-out VM) past the lease: another run may have taken the slot over
    const leaseLost = !(await stillHeld(lock));
    if (leaseLost)
      ctx.warn(
        `${job} ${scheduledFor}: this run lost its lock while it ran (it was frozen past the lease); another run may have served the slot, so no alert is sent for this one`,
      );
    if (result.status === 'ok') await recordServed(ctx, run, result);
    run.log(
      'run.end',
      {
        outcome: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
        ...result.fields,
        ...(leaseLost ? { leaseLost: true } : {}),
        durationMs,
      },
      result.status === 'failed' ? 'error' : leaseLost ? 'warn' : 'info',
    );
    // alerts and metrics: they never change the run's outcome; a run that lost its lease speaks for
    // a slot that may be someone else's now, so it raises no alert
    if (!leaseLost) await runAfterRunHooks(ctx, { run, result });
    return { ...result, locked: false, runId, durationMs, ...(leaseLost ? { leaseLost } : {}) };
  } finally {
    await lock.release().catch((err: unknown) => ctx.warn(`releasing ${lockName} failed: ${(err as Error).message}`));
  }
}

async function stillHeld(lock: LockHandle): Promise<boolean> {
  try {
    return (await lock.stillHeld?.()) ?? true;
  } catch {
    return true; // cannot tell: do not claim a loss
  }
}

/**
 * A served slot goes into the shared ledger (Redis) before its run.end, so another host that
 * checks after this run ends finds it. A ledger that cannot be written is a warning: the slot is
 * served either way, and this host's log says so.
 */
async function recordServed(ctx: JobContext, run: RunHandle, result: WorkResult): Promise<void> {
  if (!ctx.store.markServed) return;
  const f = result.fields ?? {};
  try {
    await ctx.store.markServed({
      job: run.job,
      slot: run.slot,
      host: hostname(),
      runId: run.runId,
      at: new Date(ctx.clock.now()).toISOString(),
      trigger: run.trigger,
      ...(typeof f.provider === 'string' ? { provider: f.provider } : {}),
      ...(typeof f.degraded === 'boolean' ? { degraded: f.degraded } : {}),
      ...(typeof f.output === 'string' ? { output: f.output } : {}),
    });
  } catch (err) {
    ctx.warn(`${run.job} ${run.slot}: could not record the slot in the shared ledger: ${(err as Error).message}`);
  }
}

/** An engine event as this run's log record: `attempt.end`, or `breaker.open|half-open|close`. */
export function logEngineEvent(run: Pick<RunHandle, 'log'>, e: EngineEvent): void {
  if (e.type === 'attempt') {
    const { provider, model, outcome, httpStatus, errorType, ms, error } = e.attempt;
    run.log(
      'attempt.end',
      { provider, model, outcome, httpStatus, errorType, ms, ...(error ? { error } : {}) },
      outcome === 'failed' ? 'warn' : 'info',
    );
  } else {
    const t = e.transition;
    run.log(
      breakerEvent(t.to),
      { provider: t.provider, from: t.from, ...(t.by ? { by: t.by } : {}) },
      t.to === 'open' ? 'warn' : 'info',
    );
  }
}
