import { describe, expect, it } from 'vitest';
import type { ProviderClient } from './client.js';
import { openaiClient } from './openai-compatible.js';
import { defaultProviders, providerRegistry } from './registry.js';
import { ProviderError } from './types.js';

function fakeClient(): ProviderClient & { closed: number } {
  return {
    closed: 0,
    complete: async () => ({ content: 'fake', finishReason: 'stop' }),
    async close() {
      this.closed++;
    },
  };
}

describe('provider registry', () => {
  it('a provider without api is spoken to by the openai client, as one with api openai', () => {
    expect(defaultProviders.clientFor({})).toBe(openaiClient);
    expect(defaultProviders.clientFor({ api: 'openai' })).toBe(openaiClient);
  });

  it('an override replaces the built-in client, and close() closes it', async () => {
    const fake = fakeClient();
    const registry = providerRegistry({ openai: fake });
    expect(registry.clientFor({ api: 'openai' })).toBe(fake);
    await registry.close();
    expect(fake.closed).toBe(1);
  });

  it('an api no client speaks (a hand-built resolved config skips validation) is a bad-request ProviderError', () => {
    const err = (() => {
      try {
        return defaultProviders.clientFor({ api: 'anthropic' as 'openai' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ errorType: 'bad-request', message: 'no client speaks api "anthropic"' });
  });
});
