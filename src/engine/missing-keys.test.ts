import { describe, expect, it } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { missingKeys } from './chain.js';

const provider = (name: string, apiKeyEnv?: string) =>
  ({
    name,
    baseUrl: 'http://x',
    model: 'm',
    apiKeyEnv,
    timeoutMs: 1,
    idleTimeoutMs: 1,
    stream: false,
  }) as ResolvedProvider;

describe('missingKeys', () => {
  const providers = [provider('together', 'TOGETHER_API_KEY'), provider('groq', 'GROQ_API_KEY'), provider('local')];

  it('tells a variable set but empty from one not set, and names no value', () => {
    expect(missingKeys({ providers }, providers, { TOGETHER_API_KEY: '' })).toEqual([
      'providers[0].apiKeyEnv: environment variable TOGETHER_API_KEY is empty (needed by provider together)',
      'providers[1].apiKeyEnv: environment variable GROQ_API_KEY is not set (needed by provider groq)',
    ]);
  });

  it('nothing to report when every key is set', () => {
    expect(missingKeys({ providers }, providers, { TOGETHER_API_KEY: 'k', GROQ_API_KEY: 'k' })).toEqual([]);
  });
});
