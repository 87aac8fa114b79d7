/**
 * The on-call view of the breakers (src/engine/breaker.ts): the contract's status shape, and the
 * levers (reset, trip, a probe's success). Imports nothing heavy: `breaker status` must start fast.
 */
import type { ResolvedConfig } from '../config/types.js';
import { Breakers, breakerPolicy, type BreakerRecord, type Transition } from '../engine/breaker.js';
import type { Clock } from '../clock.js';
import type { StateStore } from '../state/types.js';

export interface BreakerView {
  provider: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  openedAt?: string;
  /** When the next trial may happen (open: end of cooldown; half-open: end of the trial's lease). */
  retryAt?: string;
  /** Error class of the last counted failure. */
  lastError?: string;
  /** "manual" when opened by `breaker trip`. */
  by?: 'manual';
}

export function toView(provider: string, r: BreakerRecord): BreakerView {
  const view: BreakerView = { provider, state: r.state, consecutiveFailures: r.consecutiveFailures };
  if (r.state === 'open') Object.assign(view, { openedAt: r.openedAt, retryAt: r.retryAt }, r.by ? { by: r.by } : {});
  if (r.state === 'half-open') Object.assign(view, { openedAt: r.openedAt, retryAt: r.trialUntil });
  if (r.lastError !== undefined) view.lastError = r.lastError;
  return view;
}

export interface BreakerBoard {
  view(provider: string): Promise<BreakerView>;
  views(providers: string[]): Promise<BreakerView[]>;
  /**
   * A probe answered: reset the failure count, and close the breaker if it is open or half-open
   * (the engine ignores successes while open; a probe is a deliberate, fresh observation).
   */
  recordProbeSuccess(provider: string): Promise<{ transition?: Transition; view: BreakerView }>;
  reset(provider?: string): Promise<Transition[]>;
  trip(provider: string, forMs: number): Promise<Transition>;
}

export function breakerBoard(config: Pick<ResolvedConfig, 'providers' | 'breaker'>, store: StateStore, clock: Clock): BreakerBoard {
  // the same lease the engine uses, so a trial started by a run is honoured the same way
  const breakers = new Breakers(store, breakerPolicy(config), clock);
  const views = async (providers: string[]) => (await breakers.status(providers)).map(({ provider, ...r }) => toView(provider, r as BreakerRecord));
  const view = async (provider: string) => (await views([provider]))[0];
  return {
    view,
    views,
    async recordProbeSuccess(provider) {
      const before = await view(provider);
      let transition: Transition | undefined;
      if (before.state === 'closed') transition = await breakers.recordSuccess(provider);
      else [transition] = await breakers.reset(provider);
      // a closed breaker whose count was reset is not a transition worth logging
      if (transition && transition.from === transition.to) transition = undefined;
      return { transition, view: await view(provider) };
    },
    reset: (provider) => breakers.reset(provider),
    trip: (provider, forMs) => breakers.trip(provider, forMs),
  };
}

/** The board for a job context (probe, metrics). */
export function openBreakers(ctx: { config: ResolvedConfig; store: StateStore; clock: Clock }): BreakerBoard {
  return breakerBoard(ctx.config, ctx.store, ctx.clock);
}
