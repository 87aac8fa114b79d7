/**
 * The node_exporter textfile: rendered from the state store after each run and swapped in with a
 * rename (writeFileAtomic), so the collector never reads half a file. The temp name does not end in
 * `.prom`, so the collector ignores it while it is being written; temps a killed writer left are
 * removed by the next write.
 */
import { basename, dirname } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { removeAbandonedTemps, writeFileAtomic } from '../files/atomic-write.js';
import type { StateStore } from '../state/types.js';
import { readCounters } from './counters.js';
import { renderMetrics, type BreakerGauge } from './render.js';

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
  removeAbandonedTemps(dirname(file), basename(file));
  writeFileAtomic(file, renderMetrics({ ...counters, breakers }), { mode: 0o644 });
  return file;
}
