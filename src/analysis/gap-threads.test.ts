import { describe, expect, it } from 'vitest';
import { othersBusy, threadsFor, threadsFromEnv, type CpuClock } from './gap-threads.js';

const MB = 1 << 20;

describe('threadsFor', () => {
  const large = { size: 1024 * MB, minBytes: 64 * MB };

  it('reads a small file, or on one core, with one thread', () => {
    expect(threadsFor({ size: 10 * MB, minBytes: 64 * MB, cores: 2, othersBusy: 0 })).toBe(1);
    expect(threadsFor({ size: 64 * MB - 1, minBytes: 64 * MB, cores: 2, othersBusy: 0 })).toBe(1);
    expect(threadsFor({ ...large, cores: 1, othersBusy: 0 })).toBe(1);
  });

  it('takes a second core when other processes leave at least half of it', () => {
    expect(threadsFor({ size: 64 * MB, minBytes: 64 * MB, cores: 2, othersBusy: 0 })).toBe(2);
    expect(threadsFor({ ...large, cores: 2, othersBusy: 0.4 })).toBe(2);
    expect(threadsFor({ ...large, cores: 2, othersBusy: 0.5 })).toBe(2);
    expect(threadsFor({ ...large, cores: 2, othersBusy: 0.6 })).toBe(1);
    expect(threadsFor({ ...large, cores: 2, othersBusy: 2 })).toBe(1);
    expect(threadsFor({ ...large, cores: 2, othersBusy: -1 })).toBe(2);
  });

  it('uses two threads at most, however many cores are free', () => {
    expect(threadsFor({ ...large, cores: 16, othersBusy: 0 })).toBe(2);
    expect(threadsFor({ ...large, cores: 16, othersBusy: 13.5 })).toBe(2);
    expect(threadsFor({ ...large, cores: 16, othersBusy: 14.8 })).toBe(1);
  });
});

/** A clock over `ms`: each core idle `idle[i]` ms of it, and this process busy `own` ms. */
function fakeClock(idle: number[], own: number, ms = 50): CpuClock {
  let t = 1000;
  let waited = false;
  return {
    idleMs: () => idle.map((n) => 5000 + (waited ? n : 0)),
    ownMs: () => 700 + (waited ? own : 0),
    now: () => t,
    wait: (n) => {
      expect(n).toBe(ms);
      t += n;
      waited = true;
      return Promise.resolve();
    },
  };
}

describe('othersBusy', () => {
  it('is the cores not idle, less what this process used', async () => {
    // an idle host while this process reads on one core: nobody else is busy
    expect(await othersBusy(50, fakeClock([0, 50], 50))).toBeCloseTo(0);
    // another process holds one core
    expect(await othersBusy(50, fakeClock([0, 50], 0))).toBeCloseTo(1);
    // this process's own threads on both cores (its worker starting) are not someone else's
    expect(await othersBusy(50, fakeClock([0, 0], 100))).toBeCloseTo(0);
    // both cores taken by others; half of one
    expect(await othersBusy(50, fakeClock([0, 0], 0))).toBeCloseTo(2);
    expect(await othersBusy(50, fakeClock([25, 50], 0))).toBeCloseTo(0.5);
    // cores that cannot be read: nothing is known, nothing held against a second thread
    expect(await othersBusy(50, { ...fakeClock([0, 0], 0), idleMs: () => [] })).toBe(0);
  });
});

describe('threadsFromEnv', () => {
  it('reads LUCY_OPS_GAPS_THREADS when it is a count', () => {
    expect(threadsFromEnv({ LUCY_OPS_GAPS_THREADS: '1' })).toBe(1);
    expect(threadsFromEnv({ LUCY_OPS_GAPS_THREADS: '3' })).toBe(3);
    expect(threadsFromEnv({ LUCY_OPS_GAPS_THREADS: '0' })).toBeUndefined();
    expect(threadsFromEnv({ LUCY_OPS_GAPS_THREADS: 'two' })).toBeUndefined();
    expect(threadsFromEnv({})).toBeUndefined();
  });
});
