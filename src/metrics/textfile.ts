/**
 * The node_exporter textfile: rendered from the state store after each run and swapped in with a
 * rename, so the collector never reads half a file. The temp name does not end in `.prom`, so the
 * collector ignores it while it is being written; temps a killed writer left are removed by the
 * next write.
 */
import { randomBytes } from 'node:crypto';
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
import { basename, dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { pidAlive } from '../state/file-lock.js';
import type { StateStore } from '../state/types.js';
import { readCounters } from './counters.js';
import { renderMetrics, type BreakerGauge } from './render.js';

export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A temp older than this is abandoned even if its pid is alive (the pid may have been reused). */
export const STALE_TEMP_MS = 10 * 60_000;

/**
 * Removes the temps of `file` (`.<name>.<pid>.<hex>.tmp`, as writeFileAtomic names them) whose writer
 * is gone or that are older than STALE_TEMP_MS. A write takes milliseconds and is synchronous, so a
 * temp carrying this process's pid is never one in flight. Best effort: never throws.
 */
export function removeStaleTemps(file: string, nowMs = Date.now()): string[] {
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid === undefined) continue;
    const temp = join(dir, name);
    try {
      const live = Number(pid) !== process.pid && pidAlive(Number(pid));
      if (live && nowMs - statSync(temp).mtimeMs < STALE_TEMP_MS) continue;
      rmSync(temp, { force: true });
      removed.push(temp);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Render every stored counter and the current breaker states into `metrics.textfile`. */
export async function writeTextfile(
  config: Pick<ResolvedConfig, 'jobs' | 'providers' | 'metrics'>,
  store: StateStore,
  breakers: BreakerGauge[],
): Promise<string | undefined> {
  const file = config.metrics.textfile;
  if (!file) return undefined;
  const counters = await readCounters(store, {
    jobs: Object.keys(config.jobs),
    providers: config.providers.map((p) => p.name),
  });
  removeStaleTemps(file);
  writeFileAtomic(file, renderMetrics({ ...counters, breakers }));
  return file;
}
