/**
 * The discipline every run gets, whatever its work: one lock per job and slot, `run.start` and
 * `run.end` records, and the after-run hooks (alerts, metrics).
 */
import { breakerEvent } from '../engine/breaker.js';
import type { EngineEvent } from '../engine/types.js';
import type { Trigger } from '../log/types.js';
import { newRunId } from '../log/writer.js';
import type { JobContext } from './context.js';
import { afterRunHooks } from './hooks.js';
import type { RunHandle, SlotRunResult, WorkResult } from './types.js';

export async function runSlot(
  ctx: JobContext,
  job: string,
  slot: Date,
  trigger: Trigger,
  work: (run: RunHandle) => Promise<WorkResult>,
): Promise<SlotRunResult> {
  const runId = newRunId();
  const scheduledFor = slot.toISOString();
  const run: RunHandle = {
    runId,
    job,
    slot: scheduledFor,
    trigger,
    log: (event, fields = {}, level = 'info') =>
      ctx.log.append({
        ts: new Date(ctx.clock.now()).toISOString(),
        level,
        event,
        job,
        runId,
        scheduledFor,
        trigger,
        ...fields,
      }),
  };
  const started = performance.now();
  const lock = await ctx.store.tryLock(`run:${job}@${scheduledFor}`);
  if (!lock) {
    // another process is serving this slot right now; say so without a run.start of our own
    run.log('run.end', { outcome: 'skipped', reason: 'locked', durationMs: 0 }, 'warn');
    return { status: 'skipped', reason: 'locked', locked: true, runId, durationMs: 0 };
  }
  try {
    const startedAt = ctx.clock.now();
    run.log('run.start', { lateMs: Math.max(0, startedAt - slot.getTime()), pid: process.pid });
    let result: WorkResult;
    try {
      result = await work(run);
    } catch (err) {
      result = { status: 'failed', fields: { error: (err as Error).message ?? String(err) } };
    }
    const durationMs = Math.round(performance.now() - started);
    run.log(
      'run.end',
      { outcome: result.status, ...(result.reason ? { reason: result.reason } : {}), ...result.fields, durationMs },
      result.status === 'failed' ? 'error' : 'info',
    );
    await afterRunHooks(ctx, run, result); // alerts and metrics: they never change the run's outcome
    return { ...result, locked: false, runId, durationMs };
  } finally {
    await lock.release();
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
