/**
 * The clock. `LUCY_OPS_NOW=<ISO>` pins the start of this process to that instant; time then flows
 * from there, so durations stay real while slots and breaker windows follow the override.
 */
import type { AbortLike } from './abort-like.js';
import { ExitCode } from './exit-codes.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = env.LUCY_OPS_NOW;
  if (!raw) return systemClock;
  const pinned = Date.parse(raw);
  if (Number.isNaN(pinned)) {
    // a setting of this run's environment, like a missing key variable: a configuration error (78)
    const message = `LUCY_OPS_NOW is not an ISO time: ${JSON.stringify(raw)} (use e.g. LUCY_OPS_NOW=2026-04-19T14:20:00Z, or unset it for the real clock)`;
    throw Object.assign(new Error(message), { exitCode: ExitCode.config });
  }
  const startedAt = performance.now();
  return { now: () => pinned + Math.round(performance.now() - startedAt) };
}

/** A clock that only moves when told to: for in-process tests and the drill. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number | string): void {
    this.t = typeof t === 'string' ? Date.parse(t) : t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Sleeps that the engine uses; injectable so tests and the drill need not wait. */
export type Sleep = (ms: number, signal?: AbortLike) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
