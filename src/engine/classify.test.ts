import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ErrorType } from '../providers/types.js';
import { CLASSIFICATION, countsForBreaker, disposition } from './classify.js';

const err = (t: ErrorType) => new ProviderError(t, t);

describe('disposition', () => {
  it.each<ErrorType>([
    'connect',
    'reset',
    'timeout',
    'idle-timeout',
    'rate-limit',
    'server',
    'error-body',
    'invalid-json',
    'empty',
    'stream-cut',
  ])('%s → retry', (t) => expect(disposition(err(t))).toBe('retry'));
  it.each<ErrorType>(['auth', 'not-found', 'context-length', 'bad-request', 'missing-key'])('%s → failover', (t) =>
    expect(disposition(err(t))).toBe('failover'),
  );
  it.each<ErrorType>(['deadline', 'aborted'])('%s → stop', (t) => expect(disposition(err(t))).toBe('stop'));
});

describe('countsForBreaker', () => {
  it('provider-health failures and provider-side config failures count; the request, the run and the local env do not', () => {
    const counted = (Object.keys(CLASSIFICATION) as ErrorType[]).filter((t) => countsForBreaker(err(t))).sort();
    expect(counted).toEqual(
      [
        'auth',
        'connect',
        'empty',
        'error-body',
        'idle-timeout',
        'invalid-json',
        'not-found',
        'rate-limit',
        'reset',
        'server',
        'stream-cut',
        'timeout',
      ].sort(),
    );
  });
});

describe('docs/failure-classification.md', () => {
  // The doc's table must say what the code does: one row per errorType, same columns.
  const doc = readFileSync(new URL('../../docs/failure-classification.md', import.meta.url), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const type = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (type) rows.set(type, cells);
  }
  it.each(Object.entries(CLASSIFICATION))('%s is documented as the code classifies it', (type, c) => {
    const cells = rows.get(type);
    expect(cells, `no row for ${type}`).toBeDefined();
    const [, , retry, failover, breaker, retryAfter] = cells!.map((x) => x.toLowerCase());
    expect(retry!.startsWith('yes')).toBe(c.disposition === 'retry');
    expect(failover!.startsWith('yes')).toBe(c.disposition !== 'stop');
    expect(breaker!.startsWith('yes')).toBe(c.breaker);
    expect(retryAfter!.startsWith('yes')).toBe(c.retryAfter);
  });
});
