import { describe, expect, it } from 'vitest';
import {
  attemptCauseKey,
  causeCounts,
  causeKey,
  formatCause,
  markNotInConfig,
  RUN_SOURCE,
  type CauseCount,
} from './cause.js';

describe('markNotInConfig', () => {
  it('marks the providers the config does not have, in the list and the one-line cause; run is no provider', () => {
    const tally = new Map([
      [causeKey('deepseek-v3', '503'), 3],
      [causeKey('ghost', '503'), 2],
      [causeKey('ghost', 'timeout'), 1],
      [causeKey(RUN_SOURCE, 'exit 2'), 1],
    ]);
    const gap: { cause?: string; causes: CauseCount[] } = { causes: causeCounts(tally) };
    gap.cause = formatCause(gap.causes);
    expect(gap.cause).toBe('deepseek-v3: 503 ×3; ghost: 503 ×2, timeout ×1; run: exit 2 ×1');
    markNotInConfig([gap], ['deepseek-v3', 'llama-3.3-70b']);
    expect(gap.cause).toBe('deepseek-v3: 503 ×3; ghost (not in config): 503 ×2, timeout ×1; run: exit 2 ×1');
    expect(gap.causes.filter((c) => c.notInConfig).map((c) => `${c.source} ${c.reason}`)).toEqual([
      'ghost 503',
      'ghost timeout',
    ]);
    // every provider in the config: nothing changes
    const known = { cause: 'deepseek-v3: 503 ×1', causes: causeCounts(new Map([[causeKey('deepseek-v3', '503'), 1]])) };
    markNotInConfig([known], ['deepseek-v3']);
    expect(known).toEqual({
      cause: 'deepseek-v3: 503 ×1',
      causes: [{ source: 'deepseek-v3', reason: '503', count: 1 }],
    });
  });
});

describe('attemptCauseKey', () => {
  it('takes an HTTP status only when it could be one (100–599, whole): a log may hold any number', () => {
    const failed = (httpStatus: unknown, errorType = 'http') =>
      attemptCauseKey({
        ts: '2026-04-19T14:00:00.000Z',
        level: 'warn',
        event: 'attempt.end',
        job: 'blog',
        runId: 'r',
        scheduledFor: '2026-04-19T14:00:00.000Z',
        trigger: 'cron',
        provider: 'p1',
        outcome: 'failed',
        httpStatus,
        errorType,
      });
    expect(failed(503)).toBe(causeKey('p1', '503'));
    expect(failed(99999999999)).toBe(causeKey('p1', 'http'));
    expect(failed(42)).toBe(causeKey('p1', 'http'));
    expect(failed(503.5)).toBe(causeKey('p1', 'http'));
    expect(failed('503')).toBe(causeKey('p1', 'http'));
  });
});
