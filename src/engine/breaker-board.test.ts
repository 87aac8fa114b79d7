import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { breakerKey, type BreakerRecord } from './breaker.js';
import { memoryStore } from '../../test/helpers/memory-store.js';
import { breakerBoard, decideProbeSuccess } from './breaker-board.js';

const T0 = Date.parse('2026-04-19T14:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const config = {
  providers: [{ name: 'p', timeoutMs: 1000 }],
  breaker: { failureThreshold: 3, cooldownMs: 300_000 },
} as never;

const handTrip = (until: number): BreakerRecord => ({
  state: 'open',
  consecutiveFailures: 0,
  openedAt: at(T0),
  retryAt: at(until),
  by: 'manual',
});
/** A breaker three failures opened at T0, for a 5-minute cooldown. */
const failureTrip = (): BreakerRecord => ({
  state: 'open',
  consecutiveFailures: 3,
  openedAt: at(T0),
  retryAt: at(T0 + 300_000),
  lastError: 'server',
});

describe('decideProbeSuccess', () => {
  it('keeps a running hand trip, closes everything else that is not already clean', () => {
    expect(decideProbeSuccess(handTrip(T0 + 1), T0)).toEqual({ from: 'open', close: false, trippedUntil: at(T0 + 1) });
    // the hand trip's time is over: like any open breaker whose trial is due
    expect(decideProbeSuccess(handTrip(T0), T0)).toEqual({ from: 'open', close: true });
    expect(
      decideProbeSuccess({ state: 'open', consecutiveFailures: 3, openedAt: at(T0), retryAt: at(T0 + 9e5) }, T0),
    ).toEqual({ from: 'open', close: true });
    expect(
      decideProbeSuccess({ state: 'half-open', consecutiveFailures: 3, openedAt: at(T0), trialUntil: at(T0 + 1) }, T0),
    ).toEqual({ from: 'half-open', close: true });
    expect(decideProbeSuccess({ state: 'closed', consecutiveFailures: 2, lastError: 'server' }, T0)).toEqual({
      from: 'closed',
      close: true,
    });
    expect(decideProbeSuccess({ state: 'closed', consecutiveFailures: 0 }, T0)).toEqual({
      from: 'closed',
      close: false,
    });
  });
});

describe('recordProbeSuccess', () => {
  it('a hand trip stays open and untouched; nothing is written', async () => {
    const store = memoryStore();
    store.data.set(breakerKey('p'), handTrip(T0 + 7_200_000));
    const r = await breakerBoard(config, store, new ManualClock(T0)).recordProbeSuccess('p');
    expect(r).toMatchObject({
      transition: undefined,
      trippedUntil: at(T0 + 7_200_000),
      view: { state: 'open', by: 'manual' },
    });
    expect(store.updates).toBe(0);
  });

  it('closes a breaker opened by failures and resets a closed one’s count (no transition for that)', async () => {
    const store = memoryStore();
    store.data.set(breakerKey('p'), failureTrip());
    const board = breakerBoard(config, store, new ManualClock(T0));
    expect(await board.recordProbeSuccess('p')).toMatchObject({
      transition: { provider: 'p', from: 'open', to: 'closed' },
      view: { state: 'closed' },
    });
    expect(store.data.has(breakerKey('p'))).toBe(false);
    store.data.set(breakerKey('p'), { state: 'closed', consecutiveFailures: 2, lastError: 'server' });
    expect((await board.recordProbeSuccess('p')).transition).toBeUndefined();
    expect(store.data.has(breakerKey('p'))).toBe(false);
  });

  it('a `breaker trip` landing between the read and the write wins', async () => {
    const store = memoryStore((data) => data.set(breakerKey('p'), handTrip(T0 + 60_000)));
    store.data.set(breakerKey('p'), failureTrip());
    const r = await breakerBoard(config, store, new ManualClock(T0)).recordProbeSuccess('p');
    expect(r).toMatchObject({
      transition: undefined,
      trippedUntil: at(T0 + 60_000),
      view: { state: 'open', by: 'manual' },
    });
    expect(store.data.get(breakerKey('p'))).toMatchObject({ state: 'open', by: 'manual' });
  });
});
