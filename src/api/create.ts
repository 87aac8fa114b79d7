/**
 * The public entry of createChain. The engine, provider client and log writer load on the first
 * call only: every `lucy-ops.config.ts` imports this package for `defineConfig`, and a cron run
 * that only reads its config should not pay for the rest.
 */
import type { Chain, ChainConfigInput, CreateChainOptions } from './chain.js';

/** Opens a failover chain over the config's providers; see docs/library.md. */
export async function createChain(config?: ChainConfigInput, options: CreateChainOptions = {}): Promise<Chain> {
  const { createChainInternals, LIBRARY_LOG_WINDOW_MS } = await import('./chain.js');
  return createChainInternals(config, { ...options, logWindowMs: LIBRARY_LOG_WINDOW_MS });
}
