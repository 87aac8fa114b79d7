import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeAbandonedTemps, STALE_TEMP_MS, tempPath, writeFileAtomic } from './atomic-write.js';
import { errorCode } from './error-code.js';
import { pidAlive } from './pid-alive.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lucy-ops-atomic-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The pid of a process that has exited (so signalling it fails with ESRCH). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
/** A process that is certainly running: the one that started this test worker. */
const livePid = () => process.ppid;
const runningAsRoot = process.getuid?.() === 0;

/** A temp as writeFileAtomic names one, written by `pid`, last modified `ageMs` before `now`. */
function temp(file: string, pid: number, ageMs = 0, now = Date.now()): string {
  const path = tempPath(file, pid);
  writeFileSync(path, 'half a file');
  utimesSync(path, new Date(now - ageMs), new Date(now - ageMs));
  return path;
}

describe('writeFileAtomic', () => {
  it('replaces the file whole through a hidden temp in the same folder, and leaves no temp', () => {
    const dir = tempDir();
    const file = join(dir, 'nested', 'out.md');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, Buffer.from('second'));
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['out.md']);
    expect(basename(tempPath(file))).toMatch(/^\.out\.md\.[0-9a-f]{8}-\d+\.[0-9a-f]{8}\.tmp$/);
  });

  it('gives a new file the mode asked for (the umask applies), 0666 by default', () => {
    const dir = tempDir();
    const umask = process.umask(0o022);
    try {
      writeFileAtomic(join(dir, 'state.json'), '{}', { mode: 0o644 });
      writeFileAtomic(join(dir, 'plain'), 'x');
      process.umask(0o002);
      writeFileAtomic(join(dir, 'state.json'), '{}', { mode: 0o644 }); // a rename: the new file's mode
    } finally {
      process.umask(umask);
    }
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, 'plain')).mode & 0o777).toBe(0o644);
  });

  it('on failure removes its temp, throws, and leaves the old file as it was', () => {
    const dir = tempDir();
    const file = join(dir, 'report.html');
    writeFileAtomic(file, 'old');
    mkdirSync(join(dir, 'taken.html')); // renaming a file over a folder fails after the temp is written
    expect(() => writeFileAtomic(join(dir, 'taken.html'), 'new')).toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'taken.html']);
    expect(readFileSync(file, 'utf8')).toBe('old');
  });

  it.skipIf(runningAsRoot)('throws when the folder cannot be written, leaving nothing behind', () => {
    const dir = tempDir();
    writeFileAtomic(join(dir, 'kept'), 'old');
    chmodSync(dir, 0o555);
    let thrown: unknown;
    try {
      writeFileAtomic(join(dir, 'kept'), 'new');
    } catch (error) {
      thrown = error;
    }
    expect(errorCode(thrown)).toBe('EACCES');
    expect(readdirSync(dir)).toEqual(['kept']);
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('old');
  });

  it('with mkdir: false refuses a missing folder instead of creating it', () => {
    const file = join(tempDir(), 'absent', 'state.json');
    expect(() => writeFileAtomic(file, '{}', { mkdir: false })).toThrow(/ENOENT/);
    expect(existsSync(join(file, '..'))).toBe(false);
  });
});

describe('removeAbandonedTemps', () => {
  it("removes a killed writer's temps and this process's own, keeps a live writer's and other files", () => {
    const dir = tempDir();
    const file = join(dir, 'lucy-ops.prom');
    const dead = temp(file, deadPid());
    const own = temp(file, process.pid);
    const live = temp(file, livePid());
    const otherTarget = temp(join(dir, 'other.prom'), deadPid());
    writeFileSync(join(dir, '.lucy-ops.prom.notes'), 'not a temp');
    writeFileSync(join(dir, '.lucy-ops.prom.tmp'), 'not our scheme');
    expect(removeAbandonedTemps(dir, 'lucy-ops.prom').sort()).toEqual([dead, own].sort());
    expect(readdirSync(dir).sort()).toEqual(
      [basename(live), basename(otherTarget), '.lucy-ops.prom.notes', '.lucy-ops.prom.tmp'].sort(),
    );
    // no prefix: every temp of the folder
    expect(removeAbandonedTemps(dir)).toEqual([otherTarget]);
  });

  it("keeps a live writer's temp until it is 10 minutes old (its pid may have been reused)", () => {
    const dir = tempDir();
    const now = Date.parse('2026-04-19T14:00:00Z');
    const young = temp(join(dir, 'lucy-ops.prom'), livePid(), STALE_TEMP_MS - 1000, now);
    expect(removeAbandonedTemps(dir, 'lucy-ops.prom', now)).toEqual([]);
    expect(removeAbandonedTemps(dir, 'lucy-ops.prom', now + 1000)).toEqual([young]);
    expect(existsSync(young)).toBe(false);
  });

  it("judges another host's temp by age only: its pid means nothing here", () => {
    const dir = tempDir();
    const now = Date.now();
    const name = (pid: number) => `.state.json.0badc0de-${pid}.a1b2c3d4.tmp`;
    for (const [pid, ageMs] of [
      [deadPid(), 0],
      [process.pid, 0],
      [deadPid(), STALE_TEMP_MS + 1000],
    ]) {
      writeFileSync(join(dir, name(pid)), '{');
      utimesSync(join(dir, name(pid)), new Date(now - ageMs), new Date(now - ageMs));
    }
    const removed = removeAbandonedTemps(dir, 'state.json', now);
    expect(removed).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('also reads temps named without a host (older lucy-ops): as this host', () => {
    const dir = tempDir();
    const legacy = join(dir, `.2026-04-19T1400Z--half.md.${deadPid()}.1776607200000.tmp`);
    writeFileSync(legacy, '---\n');
    expect(removeAbandonedTemps(dir, '2026-04-19T1400Z--')).toEqual([legacy]);
  });

  it('a missing folder is nothing to tidy', () => {
    expect(removeAbandonedTemps(join(tempDir(), 'absent'))).toEqual([]);
  });
});

describe('pidAlive and errorCode', () => {
  it('tells a running process from one that exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(livePid())).toBe(true);
    expect(pidAlive(deadPid())).toBe(false);
  });

  it('reads the code of a system error, and nothing else', () => {
    let enoent: unknown;
    try {
      readFileSync(join(tempDir(), 'absent'));
    } catch (error) {
      enoent = error;
    }
    expect(errorCode(enoent)).toBe('ENOENT');
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
    expect(errorCode({ code: 42 })).toBeUndefined();
  });
});
