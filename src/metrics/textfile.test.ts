import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/types.js';
import { openFileStore, type FileStore } from '../state/file-store.js';
import { STALE_TEMP_MS, tempPath } from '../files/atomic-write.js';
import { writeTextfile } from './textfile.js';

const dirs: string[] = [];
const stores: FileStore[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lucy-ops-textfile-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (so signalling it fails with ESRCH). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
/** A process that is certainly running: the one that started this test worker. */
const livePid = () => process.ppid;
/** A temp named as writeFileAtomic names one, written by `pid`, last modified `ageMs` before `now`. */
function temp(dir: string, pid: number, ageMs = 0, now = Date.now(), name = 'lucy-ops.prom'): string {
  const file = tempPath(join(dir, name), pid);
  writeFileSync(file, '# half a textfile\n');
  utimesSync(file, new Date(now - ageMs), new Date(now - ageMs));
  return file;
}

describe('writeTextfile', () => {
  it("removes a killed writer's temps (dead pid, or older than 10 minutes) and leaves a live writer's and other files", async () => {
    const dir = tempDir();
    const out = join(dir, 'node-exporter');
    const file = join(out, 'lucy-ops.prom');
    mkdirSync(out);
    const dead = temp(out, deadPid());
    const oldLive = temp(out, livePid(), STALE_TEMP_MS + 60_000);
    const freshLive = temp(out, livePid(), 1000);
    const otherFiles = temp(out, deadPid(), 0, Date.now(), 'other.prom');
    writeFileSync(join(out, '.lucy-ops.prom.notes'), 'not a temp');

    const store = await openFileStore(join(dir, 'state'));
    stores.push(store);
    const config = {
      jobs: { blog: {} },
      providers: [{ name: 'p1' }],
      metrics: { textfile: file },
    } as unknown as ResolvedConfig;
    expect(await writeTextfile(config, store, [])).toBe(file);

    expect(readFileSync(file, 'utf8')).toMatch(/^# HELP /);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(oldLive)).toBe(false);
    // the live writer's temp, another textfile's temp, a name that is not a temp, and the textfile
    expect(readdirSync(out).sort()).toEqual(
      [basename(freshLive), basename(otherFiles), '.lucy-ops.prom.notes', 'lucy-ops.prom'].sort(),
    );
  });
});
