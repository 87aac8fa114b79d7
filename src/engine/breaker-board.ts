/**
 * The on-call view of the breakers (src/engine/breaker.ts): the `breaker status --json` shape (docs/breaker.md), and the
 * levers (reset, trip, a probe's success). Imports nothing heavy: `breaker status` must start fast.
 */
import type { ResolvedConfig } from '../config/types.js';
import {
  Breakers,
  breakerKey,
  breakerPolicy,
  downSinceOf,
  toRecord,
  type BreakerRecord,
  type BreakerState,
  type Transition,
} from './breaker.js';
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
  /**
   * Open or half-open: the first failure of the current incident (kept across failed trials, unlike
   * openedAt, which is the latest opening). null when closed.
   */
  downSince: string | null;
}

export function toView(provider: string, r: BreakerRecord): BreakerView {
  const view: BreakerView = {
    provider,
    state: r.state,
    consecutiveFailures: r.consecutiveFailures,
    downSince: r.state === 'closed' ? null : (downSinceOf(r) ?? null),
  };
  if (r.state === 'open') Object.assign(view, { openedAt: r.openedAt, retryAt: r.retryAt }, r.by ? { by: r.by } : {});
  if (r.state === 'half-open') Object.assign(view, { openedAt: r.openedAt, retryAt: r.trialUntil });
  if (r.lastError !== undefined) view.lastError = r.lastError;
  return view;
}

/**
 * What a probe's success does to a record. A hand trip that is still running is kept: only a trial
 * or `breaker reset` ends it, and the runbook and crontab run probe, so closing it would end planned
 * maintenance unnoticed. Anything else is closed (the engine ignores successes while open; a probe
 * is a deliberate, fresh observation), a closed record's failure count resets, and a hand trip whose
 * time has passed is closed like any open breaker whose trial is due.
 */
export function decideProbeSuccess(
  r: BreakerRecord,
  now: number,
): { from: BreakerState; close: boolean; trippedUntil?: string } {
  if (r.state === 'open' && r.by === 'manual' && Date.parse(r.retryAt) > now)
    return { from: 'open', close: false, trippedUntil: r.retryAt };
  const clean = r.state === 'closed' && r.consecutiveFailures === 0 && r.lastError === undefined;
  return { from: r.state, close: !clean };
}

export interface ProbeSuccess {
  /** open/half-open → closed; absent when the breaker was closed or is kept open. */
  transition?: Transition;
  view: BreakerView;
  /** Set when a hand trip kept the breaker open: when that trip ends. */
  trippedUntil?: string;
}

export interface BreakerBoard {
  view(provider: string): Promise<BreakerView>;
  views(providers: string[]): Promise<BreakerView[]>;
  /** A probe answered: see decideProbeSuccess. */
  recordProbeSuccess(provider: string): Promise<ProbeSuccess>;
  reset(provider?: string): Promise<Transition[]>;
  trip(provider: string, forMs: number): Promise<Transition>;
}

export function breakerBoard(
  config: Pick<ResolvedConfig, 'providers' | 'breaker'>,
  store: StateStore,
  clock: Clock,
): BreakerBoard {
  // the same lease the engine uses, so a trial started by a run is honoured the same way
  const breakers = new Breakers(store, breakerPolicy(config), clock);
  const views = async (providers: string[]) =>
    (await breakers.status(providers)).map(({ provider, ...r }) => toView(provider, r as BreakerRecord));
  const view = async (provider: string) => (await views([provider]))[0];
  return {
    view,
    views,
    async recordProbeSuccess(provider) {
      const key = breakerKey(provider);
      let decided = decideProbeSuccess(toRecord(await store.get(key)), clock.now());
      // Decide again under the store's lock: a `breaker trip` made meanwhile must win. A healthy
      // provider (nothing to change) takes no lock and writes nothing.
      if (decided.close) {
        await store.update<unknown>(key, (current) => {
          decided = decideProbeSuccess(toRecord(current), clock.now());
          return decided.close ? undefined : current; // closed with no failures is stored as no key
        });
      }
      // a closed breaker whose count was reset is not a transition worth logging
      const transition: Transition | undefined =
        decided.close && decided.from !== 'closed' ? { provider, from: decided.from, to: 'closed' } : undefined;
      return {
        transition,
        view: await view(provider),
        ...(decided.trippedUntil ? { trippedUntil: decided.trippedUntil } : {}),
      };
    },
    reset: (provider) => breakers.reset(provider),
    trip: (provider, forMs) => breakers.trip(provider, forMs),
  };
}

/** The board for a job context (probe, metrics). */
export function openBreakers(ctx: { config: ResolvedConfig; store: StateStore; clock: Clock }): BreakerBoard {
  return breakerBoard(ctx.config, ctx.store, ctx.clock);
}
