/**
 * `GET /healthz`: each provider's breaker as the shared store has it, and whether the chain can
 * serve at all. A provider can take a request when its breaker is closed or its cooldown is over
 * (a half-open trial is due); 503 only when none can.
 */
import type { ChainInternals } from '../api/chain.js';
import { Breakers, decideAcquire, type BreakerRecord } from '../engine/breaker.js';

export type ProviderHealth = { provider: string; available: boolean } & BreakerRecord;

export interface Health {
  ok: boolean;
  /** ok: the first provider can serve; degraded: only fallbacks can; unavailable: none can. */
  status: 'ok' | 'degraded' | 'unavailable';
  providers: ProviderHealth[];
}

export async function readHealth(chain: ChainInternals): Promise<Health> {
  const { config, context } = chain;
  const policy = { ...config.breaker, trialLeaseMs: 0 };
  const breakers = new Breakers(context.store, policy, context.clock);
  const now = context.clock.now();
  const records = await breakers.status(config.providers.map((p) => p.name));
  const providers = records.map((r) => ({ ...r, available: decideAcquire(r, now, policy).result.allow }));
  const status = providers[0]?.available ? 'ok' : providers.some((p) => p.available) ? 'degraded' : 'unavailable';
  return { ok: status !== 'unavailable', status, providers };
}
