import { describe, expect, it } from 'vitest';
import { decisionFor, newlyOpened, nextMemory, type JobAlertMemory, type RunOutcome } from './policy.js';

/** Feed runs through the policy as the store would (one update each) and collect the decisions. */
function play(statuses: Array<'ok' | 'failed' | 'down'>, threshold = 3): Array<string | null> {
  let memory: JobAlertMemory | undefined;
  return statuses.map((s, i) => {
    const run: RunOutcome = {
      runId: `r${i}`,
      status: s === 'ok' ? 'ok' : 'failed',
      unavailable: s === 'down',
      at: `2026-04-19T${10 + i}:00:00Z`,
    };
    memory = nextMemory(memory, run, threshold);
    return decisionFor(memory, run.runId)?.alert ?? null;
  });
}

describe('alert policy', () => {
  it('alerts once at the threshold, once on recovery, and never in between', () => {
    expect(play(['failed', 'failed', 'failed', 'failed', 'failed', 'ok', 'ok'])).toEqual([
      null,
      null,
      'job-failing',
      null,
      null,
      'job-recovered',
      null,
    ]);
  });

  it('a success below the threshold resets the count silently', () => {
    expect(play(['failed', 'failed', 'ok', 'failed', 'failed', 'failed'])).toEqual([
      null,
      null,
      null,
      null,
      null,
      'job-failing',
    ]);
  });

  it('a chain failure alerts at once, then the threshold escalates once, then one recovery', () => {
    expect(play(['down', 'down', 'down', 'down', 'ok'])).toEqual([
      'chain-failed',
      null,
      'job-failing',
      null,
      'job-recovered',
    ]);
  });

  it('a chain failure that reaches the threshold sends job-failing only', () => {
    expect(play(['failed', 'failed', 'down', 'down', 'ok'])).toEqual([
      null,
      null,
      'job-failing',
      null,
      'job-recovered',
    ]);
    expect(play(['down', 'ok'], 1)).toEqual(['job-failing', 'job-recovered']);
  });

  it('a decision belongs to the run whose update made it', () => {
    const m = nextMemory(undefined, { runId: 'a', status: 'failed', unavailable: true, at: '2026-04-19T10:00:00Z' }, 3);
    expect(decisionFor(m, 'a')?.alert).toBe('chain-failed');
    expect(decisionFor(m, 'b')).toBeUndefined();
    // pure: the same input gives the same output (an optimistic store may call it twice)
    expect(
      nextMemory(undefined, { runId: 'a', status: 'failed', unavailable: true, at: '2026-04-19T10:00:00Z' }, 3),
    ).toEqual(m);
  });

  it('only closed → open counts as a newly opened breaker', () => {
    expect(
      newlyOpened([
        { provider: 'a', from: 'closed', to: 'open' },
        { provider: 'b', from: 'half-open', to: 'open' },
        { provider: 'c', from: 'open', to: 'half-open' },
        { provider: 'a', from: 'closed', to: 'open' },
      ]),
    ).toEqual(['a']);
    expect(newlyOpened(undefined)).toEqual([]);
  });
});
