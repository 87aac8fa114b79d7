import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectHolder } from './file-lock-holder.js';
import { readOwner, thisHost } from './file-lock-owner.js';
import { removeDeadLock } from './file-lock-takeover.js';

const STALE_MS = 10_000;
const deadPid = () => spawnSync('true').pid!;
const record = (pid: number, token: string) => JSON.stringify({ pid, host: thisHost, token, at: 'x' });
const deadLock = () => {
  const path = join(mkdtempSync(join(tmpdir(), 'lucy-takeover-')), 'a.lock');
  writeFileSync(path, record(deadPid(), 'dead'));
  const seen = inspectHolder(path, STALE_MS);
  if (seen.kind !== 'dead') throw new Error(`expected a dead holder, got ${seen.kind}`);
  return { path, seen };
};

describe('taking over a dead holder’s lock file', () => {
  it('removes the dead holder’s file and its own guard', () => {
    const { path, seen } = deadLock();
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.takeover`)).toBe(false);
  });

  it('of two processes that saw the same dead holder, the second removes nothing the first took since', () => {
    const { path, seen } = deadLock();
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(true);
    writeFileSync(path, record(process.pid, 'winner')); // the first one took the lock
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(false);
    expect(readOwner(path)?.token).toBe('winner');
  });

  it('a file taken again by a live holder, or by another dead one, since it was seen is left alone', () => {
    const { path, seen } = deadLock();
    writeFileSync(path, record(deadPid(), 'another'));
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(false);
    expect(readOwner(path)?.token).toBe('another');
  });

  it('waits while another process holds the guard; clears a guard whose holder died, for the next round', () => {
    const { path, seen } = deadLock();
    writeFileSync(`${path}.takeover`, record(process.pid, 'guard'));
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(false);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.takeover`)).toBe(true);
    writeFileSync(`${path}.takeover`, record(deadPid(), 'guard'));
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(false);
    expect(existsSync(`${path}.takeover`)).toBe(false);
    expect(removeDeadLock(path, seen, STALE_MS)).toBe(true);
  });
});
