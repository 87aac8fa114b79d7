/**
 * Library and `serve` calls are runs too: each appends run.start, attempt.end, breaker.* and
 * run.end to the job log (trigger "manual", scheduledFor = the request time), so `postmortem`
 * and alerts see chat traffic like cron traffic. No per-slot lock: concurrent requests of one job
 * are normal here, unlike cron runs.
 */
import { RequestWindow, type CallVerdict } from '../alerts/requests.js';
import type { EngineEvent } from '../engine/types.js';
import { EngineError, StreamInterruptedError } from '../engine/errors.js';
import type { ChainResult } from '../engine/types.js';
import type { JobContext } from '../jobs/context.js';
import { logEngineEvent } from '../jobs/run-slot.js';
import type { RunHandle, WorkResult } from '../jobs/types.js';
import type { DeferredLog } from '../log/deferred.js';
import { newRunId, type RecordSink } from '../log/writer.js';

/** How a call ended, for the log, metrics and the HTTP status. */
export type CallOutcome = 'ok' | 'unavailable' | 'deadline' | 'interrupted' | 'too-large' | 'aborted' | 'error';

export function outcomeOf(err: unknown): CallOutcome {
  if (!(err instanceof EngineError)) return 'error';
  switch (err.code) {
    case 'all-providers-failed':
    case 'all-breakers-open':
      return 'unavailable';
    case 'deadline-exceeded':
      return 'deadline';
    case 'stream-interrupted':
      return 'interrupted';
    // a stream cut at its byte cap is no provider breaking: say which
    case 'response-too-large':
      return 'too-large';
    case 'run-aborted':
      return 'aborted';
  }
}

export interface CallRecord {
  readonly runId: string;
  readonly scheduledFor: string;
  /** Attempts and breaker changes, as the engine reports them. */
  onEvent(event: EngineEvent): void;
  ok(result: ChainResult, extra?: Record<string, unknown>): void;
  failed(err: unknown, extra?: Record<string, unknown>): void;
  /**
   * The caller delivers the answer and says how that went: from now on ok() only keeps the result,
   * and the run ends with delivered() (ok) or undelivered() (failed, as the error says). serve's
   * rule: a run is `ok` once its answer went out whole, not when the provider gave it.
   */
  holdOk(): void;
  delivered(): void;
  /** The answer did not go out whole: the run ends failed with `err` (nothing, if it did not get as far as ok()). */
  undelivered(err: unknown): void;
}

/**
 * The after-run hooks (alerts, metrics textfile) of one chain's calls, run in the background so no
 * caller waits for them. Calls are judged as requests, not runs: the chain's RequestWindow (an
 * array push per call) decides when its traffic is failing or served again (src/alerts/requests.ts).
 * A chat route makes many calls a second, so the steady state (an ok call after an ok call, no
 * breaker change, no decision) skips the hooks: they would only rewrite state unchanged, an fsync
 * per request. Failures, breaker changes and decisions always run them.
 */
export class AfterRunQueue {
  private readonly pending = new Set<Promise<void>>();
  private steady = false;
  private window: RequestWindow | undefined;

  /** `label`: the chain's name in its alerts (serve's is "serve"). */
  constructor(private readonly label: string) {}

  submit(ctx: JobContext, run: RunHandle, result: WorkResult): void {
    const failed = result.status === 'failed';
    const window = (this.window ??= new RequestWindow(ctx.config.alerts.afterConsecutiveFailures));
    const decision = window.push(failed);
    if (!failed && this.steady && !decision && !result.transitions?.length) return;
    this.steady = !failed;
    const call = { label: this.label, decision, window: window.view(), inIncident: window.inIncident };
    const hooks = afterCall(ctx, run, result, call).finally(() => this.pending.delete(hooks));
    this.pending.add(hooks);
  }

  /** Waits for the hooks still running (before closing the store under them). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

export interface CallRecordOptions {
  /** false: write nothing and run no hooks. */
  enabled: boolean;
  hooks?: AfterRunQueue;
  /** Append through this queue instead of writing at once. */
  deferred?: DeferredLog;
}

/** Starts the log of one call. */
export function startCallRecord(ctx: JobContext, job: string, opts: CallRecordOptions): CallRecord {
  const { enabled, hooks } = opts;
  const sink: RecordSink = opts.deferred ?? ctx.log;
  const runId = newRunId(ctx.clock.now());
  const scheduledFor = new Date(ctx.clock.now()).toISOString();
  const started = performance.now();
  const run: RunHandle = {
    runId,
    job,
    slot: scheduledFor,
    trigger: 'manual',
    log: enabled ? ctx.log.forRun({ job, runId, scheduledFor, trigger: 'manual' }, sink) : () => undefined,
  };
  run.log('run.start', { lateMs: 0, pid: process.pid });
  let ended = false;
  // for the after-run hooks (alerts, metrics), as cron runs hand them over
  const attempts: Array<{ provider: string; outcome: string }> = [];
  const transitions: Array<{ provider: string; from: string; to: string }> = [];
  const end = (result: WorkResult) => {
    if (ended) return;
    ended = true;
    const durationMs = Math.round(performance.now() - started);
    run.log(
      'run.end',
      { outcome: result.status, ...result.fields, durationMs },
      result.status === 'failed' ? 'error' : 'info',
    );
    // A caller that went away (closed tab, shutdown) is not the chain failing: no alert for it.
    if (enabled && result.fields?.failure !== 'aborted') hooks?.submit(ctx, run, result);
  };
  let holding = false;
  let kept: WorkResult | undefined;
  return {
    runId,
    scheduledFor,
    onEvent(e) {
      if (e.type === 'attempt') attempts.push(e.attempt);
      else transitions.push(e.transition);
      logEngineEvent(run, e);
    },
    ok(result, extra = {}) {
      const done: WorkResult = {
        status: 'ok',
        fields: { provider: result.provider, model: result.model, degraded: result.degraded, ...extra },
        attempts,
        transitions,
      };
      if (holding) kept = done;
      else end(done);
    },
    failed(err, extra = {}) {
      end(failedResult(err, extra, attempts, transitions));
    },
    holdOk() {
      holding = true;
    },
    delivered() {
      if (kept) end(kept);
    },
    undelivered(err) {
      // who answered stays in the record, as for a stream cut short: the provider did its part
      if (kept)
        end(failedResult(err, { provider: kept.fields!.provider, model: kept.fields!.model }, attempts, transitions));
    },
  };
}

/** A failed call's run.end and after-run result (a function of the module: no closure a call). */
function failedResult(
  err: unknown,
  extra: Record<string, unknown>,
  attempts: WorkResult['attempts'],
  transitions: WorkResult['transitions'],
): WorkResult {
  const interrupted = err instanceof StreamInterruptedError ? { provider: err.provider, model: err.model } : {};
  const failure = outcomeOf(err);
  const fields = { failure, error: err instanceof Error ? err.message : String(err), ...interrupted, ...extra };
  return {
    status: 'failed',
    fields,
    attempts,
    transitions,
    unavailable: failure === 'unavailable' || failure === 'deadline',
  };
}

/** Alerts and metrics hooks for one call; never awaited by the caller's request. */
async function afterCall(ctx: JobContext, run: RunHandle, result: WorkResult, call: CallVerdict): Promise<void> {
  try {
    const { runAfterRunHooks } = await import('../jobs/hooks.js');
    await runAfterRunHooks(ctx, { run, result, call });
  } catch (err) {
    ctx.warn(`after-run hooks failed: ${(err as Error).message}`);
  }
}
