/**
 * Whole files or none: every file lucy-ops writes for others to read (generated content, the
 * metrics textfile, state.json, reports, the config cache, `init`'s files) is written to a temp
 * file in the same folder, fsynced and renamed over the target. A reader, or a run killed at any
 * moment, sees the old file or the new one, never half of one.
 *
 * Temp names: `.<name>.<host>-<pid>.<random>.tmp`. Hidden (a collector reading `*.prom`, or a
 * listing of `*.md`, never sees them) and naming their writer, so a later run can tell an
 * abandoned temp from one being written: see removeAbandonedTemps.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pidAlive } from './pid-alive.js';

export interface AtomicWriteOptions {
  /** Permission bits of a new file (the umask applies). Default 0o666, as fs.writeFileSync. */
  mode?: number;
  /** Create the folder when missing. Default true. */
  mkdir?: boolean;
}

/** A temp older than this is abandoned even when its pid is alive (the pid may have been reused). */
export const STALE_TEMP_MS = 10 * 60_000;

/** This host in temp names: a pid tells whether its writer lives only on the host that wrote it. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** `<host>-<pid>.<random>.tmp` after `.<name>.`; the host part is absent in older temps (then: this host's). */
const TEMP_SUFFIX = /^(?:([0-9a-f]{8})-)?(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Writes `data` to `file` through a temp file and a rename. On any failure the temp is removed
 * and the error thrown; the target is then untouched. Synchronous: a temp named with this
 * process's pid is never one still being written (removeAbandonedTemps relies on that).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(file);
  if (opts.mkdir ?? true) mkdirSync(dir, { recursive: true });
  const tmp = tempPath(file);
  try {
    // exclusive: never through a file or symlink someone planted at the temp name (a shared outDir)
    const fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      // a regular file takes it in one write; loop only for the rare short write
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd); // the bytes are on disk before the rename makes them the file
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** A fresh temp name for `file`, as a writer with `pid` on this host gives it (tests make abandoned ones). */
export function tempPath(file: string, pid = process.pid): string {
  return join(dirname(file), `.${basename(file)}.${HOST_TAG}-${pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Removes the temps in `dir` whose target name starts with `namePrefix` and whose writer is gone:
 * written by this process (writes are synchronous, so none is in flight), by a process of this host
 * that no longer exists, or last modified STALE_TEMP_MS ago (a pid may be reused; a writer on
 * another host sharing the folder cannot be checked). Best effort: never throws. Returns the
 * removed paths.
 */
export function removeAbandonedTemps(dir: string, namePrefix = '', nowMs = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(`.${namePrefix}`) || !name.endsWith('.tmp')) continue;
    const writer = tempWriter(name);
    if (!writer) continue;
    const temp = join(dir, name);
    try {
      const gone = writer.host === HOST_TAG && (writer.pid === process.pid || !pidAlive(writer.pid));
      if (!gone && nowMs - statSync(temp).mtimeMs < STALE_TEMP_MS) continue;
      rmSync(temp, { force: true });
      removed.push(temp);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** The host tag and pid in a temp's name; undefined when the name is not one writeFileAtomic gives. */
function tempWriter(name: string): { host: string; pid: number } | undefined {
  // the target name may hold dots: cut at each dot in turn until the rest parses as the suffix
  for (let at = name.indexOf('.', 1); at > 0; at = name.indexOf('.', at + 1)) {
    const m = TEMP_SUFFIX.exec(name.slice(at + 1));
    if (m) return { host: m[1] ?? HOST_TAG, pid: Number(m[2]) };
  }
  return undefined;
}
