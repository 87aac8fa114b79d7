/** The file store across real processes: lost updates, kill -9 of lock holders, lock races. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileForWorkers, startWorker } from '../../test/fixtures/state-harness.mjs';
import { lockFileName, openFileStore } from './file-store.js';

let modules: string;
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-procs-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  modules = await compileForWorkers();
  dirs.push(modules);
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('FileStore across processes', () => {
  it('50 processes × 10 increments of one key: exact count, valid state.json, no temp files', async () => {
    const dir = await tempDir();
    // 500 locked writes, each with an fsync, one at a time: on a loaded machine that is many seconds,
    // and a process that keeps losing the race for the lock may wait past the default lockWaitMs
    // (15 s) and give up. Giving up is not what this test is about (that bound has its own test in
    // file-store.test.ts): no update may be lost, however long the queue.
    const workers = Array.from({ length: 50 }, () =>
      startWorker(modules, ['increment', dir, 'count', '10'], { LUCY_STATE_LOCK_WAIT_MS: '85000' }),
    );
    const results = await Promise.all(workers.map((w) => w.exited));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'done\n' });
    const doc = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(doc).toEqual({ version: 1, entries: { count: 500 } });
    expect((await readdir(dir)).sort()).toEqual(['locks', 'state.json']);
  });

  it('a process killed with -9 inside update does not block the others', async () => {
    const dir = await tempDir();
    // A long stale bound: only the pid liveness check can free the lock within this test.
    const store = await openFileStore(dir, { staleMs: 60_000, lockWaitMs: 300 });
    await store.update('count', () => 5);
    const holder = startWorker(modules, ['hold-update', dir], { LUCY_STATE_STALE_MS: '60000' });
    expect(await holder.firstLine).toBe('holding');
    // While it lives (frozen inside update), the lock is respected.
    await expect(store.update('count', (n: number | undefined) => (n ?? 0) + 1)).rejects.toThrow(/could not lock/);
    holder.child.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    // The same 300 ms bound now succeeds: the dead pid is noticed on the first try, no stale wait.
    expect(await store.update('count', (n: number | undefined) => (n ?? 0) + 1)).toBe(6);
    const other = startWorker(modules, ['increment', dir, 'count', '3'], { LUCY_STATE_STALE_MS: '60000' });
    expect((await other.exited).code).toBe(0);
    expect(await store.get('count')).toBe(9);
    expect(await store.get('held')).toBeUndefined(); // the killed update never landed
  });

  it('a lock whose holder was killed with -9 can be taken at once; a live one cannot', async () => {
    const dir = await tempDir();
    const store = await openFileStore(dir, { staleMs: 60_000 });
    const holder = startWorker(modules, ['hold-lock', dir, 'generate:blog:2025-04-19T14:00:00.000Z']);
    expect(await holder.firstLine).toBe('won');
    expect(await store.tryLock('generate:blog:2025-04-19T14:00:00.000Z')).toBeNull();
    holder.child.kill('SIGKILL');
    await holder.exited;
    const lock = await store.tryLock('generate:blog:2025-04-19T14:00:00.000Z');
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it('of 8 processes racing for one lock exactly one wins, and it is released on exit', async () => {
    const dir = await tempDir();
    // They leave through process.exit without releasing: the store's exit hook must remove the file.
    const racers = Array.from({ length: 8 }, () => startWorker(modules, ['hold-lock', dir, 'slot', 'exit']));
    const outcomes = await Promise.all(racers.map((w) => w.firstLine));
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'lost')).toHaveLength(7);
    for (const racer of racers) racer.child.stdin.end();
    for (const result of await Promise.all(racers.map((w) => w.exited))) expect(result.code, result.stderr).toBe(0);
    expect(await readdir(join(dir, 'locks'))).not.toContain(lockFileName('slot'));
  });
});
