/**
 * One deadline per run: an AbortSignal that fires when the run's budget is spent, combined with
 * the caller's own signal. Every sleep and every attempt listens to it, so nothing outlives it.
 */
import { DeadlineReason } from '../providers/openai-compatible.js';

export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds left (real time: the deadline bounds the process, not the simulated clock). */
  remaining(): number;
  expired(): boolean;
  dispose(): void;
}

export function startDeadline(budgetMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const endsAt = performance.now() + budgetMs;
  const timer = setTimeout(() => controller.abort(new DeadlineReason(`run deadline of ${budgetMs} ms reached`)), budgetMs);
  timer.unref?.();
  const signal = parent ? AbortSignal.any([controller.signal, parent]) : controller.signal;
  return {
    signal,
    remaining: () => Math.max(0, Math.round(endsAt - performance.now())),
    expired: () => controller.signal.aborted,
    dispose: () => clearTimeout(timer),
  };
}
