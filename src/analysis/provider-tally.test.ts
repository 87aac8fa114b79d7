import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { ProviderTally } from './provider-tally.js';

const attempt = (outcome: string, extra: object = {}): LogRecord => ({
  ts: '2026-04-19T14:00:01.000Z',
  level: 'info',
  event: 'attempt.end',
  job: 'chat',
  runId: 'r1',
  scheduledFor: '2026-04-19T14:00:01.000Z',
  trigger: 'manual',
  provider: 'deepseek-v3',
  outcome,
  ...extra,
});

describe('ProviderTally', () => {
  it('counts a request the caller cut short (a serve client that left) as neither ok nor a failure of the provider', () => {
    const tally = new ProviderTally(['deepseek-v3']);
    const window = [Date.parse('2026-04-19T14:00:00Z'), Date.parse('2026-04-19T15:00:00Z')] as const;
    const records = [
      attempt('ok'),
      attempt('failed', { httpStatus: 503, errorType: 'http' }),
      attempt('failed', { errorType: 'aborted' }),
      attempt('failed', { errorType: 'aborted' }),
    ];
    for (const r of records) tally.add(r, ...window);
    expect(tally.list()).toEqual([
      {
        provider: 'deepseek-v3',
        requests: 4,
        ok: 1,
        failed: 1,
        cutShort: 2,
        skippedOpen: 0,
        errors: [{ reason: '503', count: 1 }],
      },
    ]);
    // the window's cause names the 503 only
    expect([...tally.failures.values()]).toEqual([1]);
  });
});
