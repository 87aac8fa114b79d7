import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/validate.js';
import { tempPath } from '../files/atomic-write.js';
import { lockFileName, openFileStore } from './file-store.js';
import { runStoreContract, storeFixture } from './store-contract.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

runStoreContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-contract-'));
  return storeFixture(
    (opts = {}) => openFileStore(dir, opts),
    () => rm(dir, { recursive: true, force: true }),
  );
});

describe('FileStore on disk', () => {
  it('keeps every key in one versioned state.json and leaves no temp files', async () => {
    const dir = await tempDir();
    const store = await openFileStore(join(dir, 'nested', 'state'));
    await store.update('breaker:a', () => ({ state: 'closed', consecutiveFailures: 1 }));
    await store.update('alert:blog', () => 2);
    const doc = JSON.parse(await readFile(join(dir, 'nested', 'state', 'state.json'), 'utf8'));
    expect(doc).toEqual({
      version: 1,
      entries: { 'breaker:a': { state: 'closed', consecutiveFailures: 1 }, 'alert:blog': 2 },
    });
    const files = await readdir(join(dir, 'nested', 'state'));
    expect(files.sort()).toEqual(['locks', 'state.json']);
  });

  it('tidies temp files abandoned by a killed writer, and only those', async () => {
    const dir = await tempDir();
    const statePath = join(dir, 'state.json');
    const old = tempPath(statePath, process.ppid); // a live pid, but too old to be a write in flight
    const killed = tempPath(statePath, spawnSync(process.execPath, ['-e', '']).pid!);
    const fresh = tempPath(statePath, process.ppid);
    for (const temp of [old, killed, fresh]) await writeFile(temp, '{"version":1,"entri');
    const longAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(old, longAgo, longAgo);
    await openFileStore(dir);
    expect((await readdir(dir)).sort()).toEqual([basename(fresh), 'locks'].sort());
  });

  it('writes state.json readable by others (0644 before the umask): on-call users run status', async () => {
    const dir = await tempDir();
    const store = await openFileStore(dir);
    const umask = process.umask(0o002); // a umask that would let a default-mode file be group-writable
    try {
      await store.update('k', () => 1);
    } finally {
      process.umask(umask);
    }
    expect((await stat(join(dir, 'state.json'))).mode & 0o777).toBe(0o644);
    await store.close();
  });

  it('skips the write when update changes nothing', async () => {
    const dir = await tempDir();
    const store = await openFileStore(dir);
    await store.update('k', () => ({ a: 1 }));
    const before = await stat(join(dir, 'state.json'));
    await store.update<{ a: number }>('k', (current) => ({ ...current! }));
    expect((await stat(join(dir, 'state.json'))).ino).toBe(before.ino);
  });

  it('moves a corrupt state.json aside, warns, and carries on empty (update path)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), '{"version":1,"entries":{"breaker:a":');
    const warnings: string[] = [];
    const store = await openFileStore(dir, { onWarning: (m) => warnings.push(m) });
    expect(await store.update<number>('count', (n) => (n ?? 0) + 1)).toBe(1);
    const files = await readdir(dir);
    const aside = files.filter((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]), 'utf8')).toBe('{"version":1,"entries":{"breaker:a":');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not valid JSON.*moved it to .*state\.json\.corrupt-/);
    expect(store.warnings).toEqual(warnings);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual({ version: 1, entries: { count: 1 } });
  });

  it('moves a corrupt state.json aside on a plain read too, and reads it as empty', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), '[1,2,3]');
    const store = await openFileStore(dir);
    expect(await store.list('')).toEqual({});
    expect(await store.get('x')).toBeUndefined();
    expect(store.warnings).toHaveLength(1);
    expect(store.warnings[0]).toMatch(/not a version 1 state document/);
    expect((await readdir(dir)).filter((f) => f.startsWith('state.json.corrupt-'))).toHaveLength(1);
  });

  it('refuses a state.json written by a newer format instead of discarding it', async () => {
    const dir = await tempDir();
    const newer = '{"version":2,"entries":{}}';
    await writeFile(join(dir, 'state.json'), newer);
    const store = await openFileStore(dir);
    await expect(store.get('x')).rejects.toThrow(/format version 2/);
    await expect(store.update('x', () => 1)).rejects.toThrow(/format version 2/);
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(newer);
  });
});

describe('FileStore locks on disk', () => {
  it('lock names become safe, distinct file names inside locks/', async () => {
    for (const name of ['../../etc/passwd', '/abs/path', '..', 'a\u0000b', 'C:\\x']) {
      const file = lockFileName(name);
      expect(file).not.toMatch(/[/\\\u0000]/);
      expect(file.startsWith('.')).toBe(false);
    }
    expect(lockFileName('a/b')).not.toBe(lockFileName('a_b'));
    const dir = await tempDir();
    const store = await openFileStore(dir);
    const lock = await store.tryLock('../../escape');
    expect(await readdir(join(dir, 'locks'))).toEqual([lockFileName('../../escape')]);
    await lock!.release();
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it('a lock left by a dead process on this host is taken at once', async () => {
    const dir = await tempDir();
    const store = await openFileStore(dir, { staleMs: 60_000 });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const path = join(dir, 'locks', lockFileName('job'));
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid, host: hostname(), token: 'old', at: new Date().toISOString() }),
    );
    const lock = await store.tryLock('job');
    expect(lock).not.toBeNull();
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
  });

  it.each([
    [
      'a lock from another host is respected while fresh and taken once stale',
      JSON.stringify({ pid: 1, host: 'another-host', token: 'theirs', at: new Date().toISOString() }),
    ],
    ['a half-written (empty) lock file counts as live until it goes stale', ''],
  ])('%s', async (_name, contents) => {
    const dir = await tempDir();
    const store = await openFileStore(dir, { staleMs: 5_000 });
    const path = join(dir, 'locks', lockFileName('job'));
    await writeFile(path, contents);
    expect(await store.tryLock('job')).toBeNull();
    const old = new Date(Date.now() - 6_000);
    await utimes(path, old, old);
    expect(await store.tryLock('job')).not.toBeNull();
  });

  it('an update waits for a live holder of state.lock and gives up after lockWaitMs', async () => {
    const dir = await tempDir();
    const holder = await openFileStore(dir);
    const waiter = await openFileStore(dir, { lockWaitMs: 150 });
    // Hold the state lock from "another host" so liveness cannot be checked by pid.
    await writeFile(join(dir, 'state.lock'), JSON.stringify({ pid: 1, host: 'another-host', token: 't', at: '' }));
    await expect(waiter.update('k', () => 1)).rejects.toThrow(
      /could not lock .*state\.lock within 150 ms \(held by pid 1 on another-host\)/,
    );
    await rm(join(dir, 'state.lock'));
    expect(await waiter.update('k', () => 1)).toBe(1);
    expect(await holder.get('k')).toBe(1);
  });

  it("an update's signal ends its wait for state.lock at once, and changes nothing", async () => {
    const dir = await tempDir();
    const store = await openFileStore(dir, { lockWaitMs: 60_000 });
    await writeFile(join(dir, 'state.lock'), JSON.stringify({ pid: 1, host: 'another-host', token: 't', at: '' }));
    const aborter = new AbortController();
    const waiting = store.update('k', () => 1, { signal: aborter.signal });
    const queued = store.update('j', () => 2, { signal: aborter.signal }); // behind it in this process
    const settled = Promise.allSettled([waiting, queued]);
    const started = performance.now();
    aborter.abort(new Error('run deadline reached'));
    const [a, b] = await settled;
    expect(performance.now() - started).toBeLessThan(5_000); // at once, against a 60 s lockWaitMs (room for a loaded machine)
    for (const r of [a, b])
      expect(r).toMatchObject({ status: 'rejected', reason: { message: 'run deadline reached' } });
    await expect(store.update('k', () => 1, { signal: aborter.signal })).rejects.toThrow('run deadline reached');
    await rm(join(dir, 'state.lock'));
    expect(await store.update('other', () => 3)).toBe(3); // the queue moved on
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('j')).toBeUndefined();
  });
});

describe('openFileStore on a stateDir that cannot be a folder', () => {
  const opening = async (stateDir: string) =>
    openFileStore(stateDir).then(
      () => undefined,
      (e: unknown) => e as Error & { exitCode?: number },
    );

  it('a file where stateDir should be: a config error (exit 78) naming the setting and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-notdir-'));
    await writeFile(join(dir, '.lucy-ops'), 'not a folder');
    const err = await opening(join(dir, '.lucy-ops'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.exitCode).toBe(78);
    expect(err?.message).toMatch(
      new RegExp(`^stateDir ${join(dir, '.lucy-ops')} is not a folder \\(a file is in the way\\): .*ENOTDIR`),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('a file above stateDir, or in place of its locks folder, is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-notdir-'));
    await writeFile(join(dir, 'var'), '');
    expect((await opening(join(dir, 'var/state')))?.message).toMatch(
      new RegExp(`^stateDir ${join(dir, 'var/state')} cannot be used: ${join(dir, 'var')} is a file, not a folder`),
    );
    await writeFile(join(dir, 'locks'), '');
    const err = await opening(dir);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toContain(`${join(dir, 'locks')} is a file, not a folder`);
    await rm(dir, { recursive: true, force: true });
  });
});
