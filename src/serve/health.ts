/**
 * `GET /healthz`: each provider's breaker as the shared store has it, and whether the chain can
 * serve at all. A provider can take a request when its breaker is closed or its cooldown is over
 * (a half-open trial is due); 503 only when none can, and then `Retry-After` says when the first
 * one will be due again.
 */
import type { ChainInternals } from '../api/chain.js';
import { Breakers, decideAcquire, type BreakerRecord } from '../engine/breaker.js';

export type ProviderHealth = { provider: string; available: boolean } & BreakerRecord;

export interface Health {
  ok: boolean;
  /** ok: the first provider can serve; degraded: only fallbacks can; unavailable: none can. */
  status: 'ok' | 'degraded' | 'unavailable';
  /** Unavailable only: whole seconds until the earliest breaker is due for a trial (≥ 1). */
  retryAfterS?: number;
  providers: ProviderHealth[];
}

/** The health of `names` (default: the whole chain, in config order). */
export async function readHealth(chain: ChainInternals, names?: string[]): Promise<Health> {
  const { config, context } = chain;
  const policy = { ...config.breaker, trialLeaseMs: 0 };
  const breakers = new Breakers(context.store, policy, context.clock);
  const now = context.clock.now();
  const records = await breakers.status(names ?? config.providers.map((p) => p.name));
  let dueAt = Infinity;
  const providers = records.map((r) => {
    const { result } = decideAcquire(r, now, policy);
    if (!result.allow) dueAt = Math.min(dueAt, Date.parse(result.retryAt));
    return { ...r, available: result.allow };
  });
  const status = providers[0]?.available ? 'ok' : providers.some((p) => p.available) ? 'degraded' : 'unavailable';
  if (status !== 'unavailable') return { ok: true, status, providers };
  return { ok: false, status, retryAfterS: retryAfterSeconds(dueAt, now), providers };
}

/** Seconds until `dueAt`, rounded up, at least 1 (a due time already passed still means "try again"). */
function retryAfterSeconds(dueAt: number, now: number): number {
  return Number.isFinite(dueAt) ? Math.max(1, Math.ceil((dueAt - now) / 1000)) : 1;
}
