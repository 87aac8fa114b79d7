import { describe, expect, it } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { missingKeysError } from './generate.js';

const provider = (name: string, apiKeyEnv?: string): ResolvedProvider => ({
  name,
  baseUrl: 'http://127.0.0.1:1/v1',
  model: name,
  apiKeyEnv,
  timeoutMs: 1,
  idleTimeoutMs: 1,
  maxResponseBytes: 1024,
  stream: false,
});

describe('missingKeysError (the log and alert line of a run whose keys are missing)', () => {
  it('names each unset variable once, with the providers that need it, never a value', () => {
    const chain = [
      provider('a', 'SHARED_KEY'),
      provider('b', 'OTHER_KEY'),
      provider('c', 'SHARED_KEY'),
      provider('local'),
    ];
    expect(missingKeysError(chain, { OTHER_KEY: 'sk-present-value' })).toBe(
      'configuration error: environment variable SHARED_KEY is not set (needed by a, c)',
    );
    expect(missingKeysError(chain, { SHARED_KEY: '' })).toBe(
      'configuration error: environment variable SHARED_KEY is empty (needed by a, c); environment variable OTHER_KEY is not set (needed by b)',
    );
  });
});
