/**
 * The node_exporter textfile: rendered from the state store after each run and swapped in with a
 * rename, so the collector never reads half a file. The temp name does not end in `.prom`, so the
 * collector ignores it while it is being written.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
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

/** Render every stored counter and the current breaker states into `metrics.textfile`. */
export async function writeTextfile(
  config: Pick<ResolvedConfig, 'jobs' | 'providers' | 'metrics'>,
  store: StateStore,
  breakers: BreakerGauge[],
): Promise<string | undefined> {
  const file = config.metrics.textfile;
  if (!file) return undefined;
  const counters = await readCounters(store, { jobs: Object.keys(config.jobs), providers: config.providers.map((p) => p.name) });
  writeFileAtomic(file, renderMetrics({ ...counters, breakers }));
  return file;
}
