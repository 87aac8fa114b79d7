/**
 * One deadline per run: an AbortSignal that fires when the run's budget is spent, or when the
 * caller's own signal aborts. Every sleep and every attempt listens to it, so nothing outlives it.
 */
import { RunAbort, type AbortControllerLike, type AbortLike } from '../abort-like.js';
import { DeadlineReason } from '../providers/errors.js';

export interface Deadline {
  readonly signal: AbortLike;
  /** Milliseconds left (real time: the deadline bounds the process, not the simulated clock). */
  remaining(): number;
  /** True once the budget is spent (not when the caller aborted). */
  expired(): boolean;
  dispose(): void;
}

/**
 * `own`: a controller the caller made for this run alone; the deadline aborts it instead of making
 * a signal of its own (serve makes one per request anyway), and the caller's abort of it is the
 * run's, with nothing to forward. Without one the run's signal is a light `RunAbort`'s (an
 * AbortController and its listeners cost a call ~20-40 µs of CPU on Node 20).
 */
export function startDeadline(budgetMs: number, parent?: AbortLike, own?: AbortControllerLike): Deadline {
  const controller: AbortControllerLike = own ?? new RunAbort();
  const endsAt = performance.now() + budgetMs;
  let spent = false;
  const timer = setTimeout(() => {
    spent = true;
    controller.abort(new DeadlineReason(`run deadline of ${budgetMs} ms reached`));
  }, budgetMs);
  timer.unref?.();
  // forward the caller's abort by hand: AbortSignal.any costs ~25 µs a call and keeps the
  // parent referenced for as long as the composite lives
  const onParentAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    remaining: () => Math.max(0, Math.round(endsAt - performance.now())),
    expired: () => spent,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
