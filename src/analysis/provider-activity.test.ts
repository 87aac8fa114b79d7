import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { ProviderActivityBook } from './provider-activity.js';

const attempt = (ts: string, outcome: string): LogRecord => ({
  ts,
  level: 'info',
  event: 'attempt.end',
  job: 'blog',
  runId: 'r',
  scheduledFor: '2026-04-19T14:00:00.000Z',
  trigger: 'cron',
  provider: 'deepseek-v3',
  outcome,
  httpStatus: 503,
  errorType: 'http',
});

describe('ProviderActivityBook', () => {
  it('keeps the latest failure by time, and a record whose time is no time is none', () => {
    const book = new ProviderActivityBook();
    book.add(attempt('2026-04-19T14:00:01.000Z', 'failed'));
    book.add(attempt('NaN', 'failed'));
    book.add(attempt('2026-04-19T14:05:00.000Z', 'ok'));
    book.add(attempt('yesterday', 'ok'));
    const activity = book.of('deepseek-v3');
    expect(activity.lastFailure?.at).toBe('2026-04-19T14:00:01.000Z');
    expect(activity.lastOk).toBe('2026-04-19T14:05:00.000Z');
  });
});
