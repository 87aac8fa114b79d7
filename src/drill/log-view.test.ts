import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { describeRun, noteworthy, runStories, runTimeline } from './log-view.js';

let n = 0;
function rec(runId: string, event: string, fields: Record<string, unknown> = {}): LogRecord {
  n++;
  return {
    ts: `2026-04-19T14:30:0${n % 10}.000Z`,
    level: 'info',
    event,
    job: 'threads',
    runId,
    scheduledFor: '2026-04-19T14:30:00.000Z',
    trigger: 'cron',
    ...fields,
  };
}

describe('drill log view', () => {
  it('tells a half-open trial that re-trips, then the fallback that served', () => {
    const records = [
      rec('a', 'run.start'),
      rec('a', 'breaker.half-open', { provider: 'p1', from: 'open' }),
      rec('a', 'attempt.end', { provider: 'p1', outcome: 'failed', httpStatus: 503 }),
      rec('a', 'breaker.open', { provider: 'p1', from: 'half-open' }),
      rec('a', 'attempt.end', { provider: 'p2', outcome: 'ok' }),
      rec('a', 'run.end', { outcome: 'ok', provider: 'p2', degraded: true }),
    ];
    const [story] = runStories(records);
    expect(describeRun(story)).toBe('p1 half-open trial: 503 → breaker OPEN again; served by p2 (fallback, degraded)');
    expect(noteworthy(story)).toBe(true);
  });

  it('lists failures with commas, names a skip, and a failed run', () => {
    const records = [
      rec('b', 'attempt.end', { provider: 'p1', outcome: 'failed', errorType: 'timeout' }),
      rec('b', 'attempt.end', { provider: 'p1', outcome: 'failed', httpStatus: 503 }),
      rec('b', 'breaker.open', { provider: 'p1', from: 'closed' }),
      rec('b', 'attempt.end', { provider: 'p2', outcome: 'skipped-open' }),
      rec('b', 'run.end', { outcome: 'failed' }),
    ];
    expect(describeRun(runStories(records)[0])).toBe(
      'p1 timeout, 503 → breaker OPEN; p2 skipped: breaker open, no request; run FAILED: slot not served',
    );
  });

  it('sums up plain runs and puts alerts under their run', () => {
    const plain = (id: string) => [
      rec(id, 'attempt.end', { provider: 'p1', outcome: 'ok' }),
      rec(id, 'run.end', { outcome: 'ok', provider: 'p1', degraded: false }),
    ];
    const records = [
      ...plain('c'),
      ...plain('d'),
      rec('e', 'run.end', { outcome: 'failed' }),
      rec('e', 'alert.sent', { kind: 'chain-failed', summary: 'down', channels: ['stderr'] }),
    ];
    const timeline = runTimeline(runStories(records));
    expect(timeline.map((e) => e.kind)).toEqual(['ok', 'failed', 'alert']);
    expect(timeline[0].text).toMatch(/^2 runs .* served by p1$/);
    expect(timeline[2].text).toBe('ALERT chain-failed (stderr): down');
  });
});
