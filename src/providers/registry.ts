/**
 * Which client speaks each provider's API (`providers[i].api`, default 'openai'). The engine and
 * the probe ask a registry, never a client module, so a second API is one client file, its name in
 * ./apis.ts and one entry here.
 */
import type { ResolvedProvider } from '../config/types.js';
import { DEFAULT_PROVIDER_API, type ProviderApi } from './apis.js';
import type { ProviderClient } from './client.js';
import { openaiClient } from './openai-compatible.js';
import { ProviderError } from './types.js';

export interface ProviderRegistry {
  /** The client for this provider's API. */
  clientFor(provider: Pick<ResolvedProvider, 'api'>): ProviderClient;
  /** Closes every client's connections. */
  close(): Promise<void>;
}

/** A registry of the built-in clients, with some replaced (tests hand in a fake for 'openai'). */
export function providerRegistry(overrides: Partial<Record<ProviderApi, ProviderClient>> = {}): ProviderRegistry {
  const clients: Record<ProviderApi, ProviderClient> = { openai: openaiClient, ...overrides };
  return {
    clientFor: (provider) => {
      const api = provider.api ?? DEFAULT_PROVIDER_API;
      const client = clients[api];
      // config validation refuses an unknown api; a resolved config built by hand skips it
      if (!client) throw new ProviderError('bad-request', `no client speaks api ${JSON.stringify(api)}`);
      return client;
    },
    close: async () => {
      await Promise.all(Object.values(clients).map((c) => c.close()));
    },
  };
}

/** The built-in clients, shared by everything in this process (one connection pool per API). */
export const defaultProviders: ProviderRegistry = providerRegistry();
