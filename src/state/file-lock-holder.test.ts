import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHolder, groupAlive, inspectHolder } from './file-lock-holder.js';
import { thisHost } from './file-lock-owner.js';

const STALE_MS = 10_000;
const lockFile = (record: object | string, ageMs = 0) => {
  const path = join(mkdtempSync(join(tmpdir(), 'lucy-lock-holder-')), 'a.lock');
  writeFileSync(path, typeof record === 'string' ? record : JSON.stringify(record));
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
  return path;
};
/** A pid of this host that no longer exists: a process that ran and exited. */
const deadPid = () => spawnSync('true').pid!;
const owner = (pid: number, host = thisHost, extra: object = {}) => ({ pid, host, token: 'tok', at: 'x', ...extra });

describe('whether a lock file’s holder lives', () => {
  it('gone when there is no file', () => {
    expect(inspectHolder(join(tmpdir(), 'no-such-dir-lucy', 'a.lock'), STALE_MS)).toEqual({ kind: 'gone' });
  });

  it('live: a process of this host that exists, or another host’s holder that touched the file lately', () => {
    expect(inspectHolder(lockFile(owner(process.pid)), STALE_MS)).toMatchObject({ kind: 'live' });
    expect(inspectHolder(lockFile(owner(deadPid(), 'elsewhere')), STALE_MS)).toMatchObject({ kind: 'live' });
    // between create and write: an empty file is a holder about to write its record
    expect(inspectHolder(lockFile(''), STALE_MS)).toEqual({ kind: 'live', owner: undefined });
  });

  it('dead at once when this host’s pid is gone; dead when untouched past staleMs, wherever it is', () => {
    const gone = inspectHolder(lockFile(owner(deadPid())), STALE_MS);
    expect(gone).toMatchObject({ kind: 'dead', token: 'tok' });
    expect(gone.kind === 'dead' && gone.ino).toBeGreaterThan(0);
    expect(inspectHolder(lockFile(owner(process.pid, 'elsewhere'), STALE_MS + 5_000), STALE_MS)).toMatchObject({
      kind: 'dead',
    });
    expect(inspectHolder(lockFile('', STALE_MS + 5_000), STALE_MS)).toMatchObject({ kind: 'dead', token: undefined });
  });

  it('a recorded process group keeps the lock alive past its dead holder, and is named as such', async () => {
    const command = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const group = command.pid!;
      expect(groupAlive(group)).toBe(true);
      const holder = deadPid();
      const path = lockFile(owner(holder, thisHost, { group }), STALE_MS * 10);
      expect(inspectHolder(path, STALE_MS)).toMatchObject({ kind: 'live' });
      expect(describeHolder(path)).toBe(
        `its command (process group ${group}) is still running, though the lucy-ops process (pid ${holder}) that started it is gone`,
      );
      command.kill('SIGKILL');
      await new Promise((resolve) => command.once('exit', resolve));
      expect(groupAlive(group)).toBe(false);
      expect(inspectHolder(path, STALE_MS)).toMatchObject({ kind: 'dead' });
    } finally {
      command.kill('SIGKILL');
    }
  });

  it('says who holds it, in words; nothing when free or unreadable', () => {
    expect(describeHolder(lockFile(owner(4242, 'web1')))).toBe('held by pid 4242 on web1');
    expect(describeHolder(lockFile(owner(4242, 'web1', { group: 4243 })))).toBe(
      'held by pid 4242 on web1, command process group 4243',
    );
    expect(describeHolder(lockFile('not a record'))).toBeUndefined();
    expect(describeHolder(join(tmpdir(), 'no-such-dir-lucy', 'a.lock'))).toBeUndefined();
  });

  it('groupAlive is false for no group (0, 1, not a number)', () => {
    for (const group of [0, 1, -5, 1.5, Number.NaN]) expect(groupAlive(group), String(group)).toBe(false);
  });
});
