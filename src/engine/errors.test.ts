import { describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  DeadlineExceededError,
  EngineError,
  RunAbortedError,
  StreamInterruptedError,
} from './errors.js';
import type { Attempt } from './types.js';

const failed = (provider: string, extra: Partial<Attempt> = {}): Attempt => ({
  provider,
  model: `${provider}-model`,
  outcome: 'failed',
  ms: 5,
  ...extra,
});

describe('engine errors: one base with a stable code, the attempts and the exit code', () => {
  const attempts = [failed('p1', { httpStatus: 503, errorType: 'server' }), failed('p2', { errorType: 'timeout' })];
  const cases: Array<[EngineError, string, number, string]> = [
    [new AllProvidersFailedError(attempts, false), 'all-providers-failed', 69, 'AllProvidersFailedError'],
    [
      new AllProvidersFailedError([{ provider: 'p1', model: 'm', outcome: 'skipped-open', ms: 0 }], true),
      'all-breakers-open',
      69,
      'AllProvidersFailedError',
    ],
    [new DeadlineExceededError(attempts, 1000), 'deadline-exceeded', 69, 'DeadlineExceededError'],
    [new RunAbortedError(attempts, 'interrupted by SIGTERM'), 'run-aborted', 1, 'RunAbortedError'],
    [new StreamInterruptedError(attempts, 'p2', 'p2-model', 12), 'stream-interrupted', 1, 'StreamInterruptedError'],
    [
      new StreamInterruptedError(
        [failed('p1', { errorType: 'too-large', error: 'passed maxResponseBytes' })],
        'p1',
        'm',
        3,
      ),
      'response-too-large',
      1,
      'StreamInterruptedError',
    ],
  ];

  it.each(cases)('%s → %s, exit %i', (err, code, exitCode, name) => {
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code, exitCode, name });
    expect(err.attempts.length).toBeGreaterThan(0);
  });

  it('messages say what happened, summed up per provider', () => {
    expect(new AllProvidersFailedError(attempts, false).message).toBe('no provider could serve: p1: 503; p2: timeout');
    expect(new AllProvidersFailedError([], true).message).toBe('no provider could serve: every breaker is open');
    expect(new DeadlineExceededError(attempts, 1000).message).toBe(
      'run deadline of 1000 ms reached after 2 attempt(s): p1: 503; p2: timeout',
    );
    expect(new RunAbortedError([]).message).toBe('run aborted');
    expect(new StreamInterruptedError([failed('p1', { error: 'reset' })], 'p1', 'm', 4).message).toBe(
      'stream from p1 broke after 4 characters were delivered: reset',
    );
    expect(
      new StreamInterruptedError([failed('p1', { errorType: 'too-large', error: 'too big' })], 'p1', 'm', 4).message,
    ).toBe('stream from p1 was cut off after 4 characters were delivered: too big');
  });
});
