import { describe, expect, it } from 'vitest';
import { threadsFor, threadsFromEnv } from './gap-threads.js';

const MB = 1 << 20;

describe('threadsFor', () => {
  const large = { size: 1024 * MB, minBytes: 64 * MB };

  it('reads a small file, or on one core, with one thread', () => {
    expect(threadsFor({ size: 10 * MB, minBytes: 64 * MB, cores: 2 })).toBe(1);
    expect(threadsFor({ size: 64 * MB - 1, minBytes: 64 * MB, cores: 2 })).toBe(1);
    expect(threadsFor({ ...large, cores: 1 })).toBe(1);
  });

  it('reads a large file with a thread per core, two at most', () => {
    expect(threadsFor({ size: 64 * MB, minBytes: 64 * MB, cores: 2 })).toBe(2);
    expect(threadsFor({ ...large, cores: 2 })).toBe(2);
    expect(threadsFor({ ...large, cores: 16 })).toBe(2);
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
