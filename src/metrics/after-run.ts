/** The metrics half of the after-run hook: count the run in the store, then rewrite the textfile. */
import type { JobContext } from '../jobs/context.js';
import type { RunHandle, WorkResult } from '../jobs/types.js';
import { openBreakers } from '../engine/breaker-board.js';
import { recordRun } from './counters.js';
import { writeTextfile } from './textfile.js';

export async function metricsAfterRun(
  ctx: JobContext,
  run: RunHandle,
  result: WorkResult,
): Promise<string | undefined> {
  if (!ctx.config.metrics.textfile || result.status === 'skipped') return undefined;
  await recordRun(ctx.store, {
    job: run.job,
    status: result.status,
    at: ctx.clock.now(),
    attempts: result.attempts ?? [],
  });
  const breakers = await openBreakers(ctx).views(ctx.config.providers.map((p) => p.name));
  return writeTextfile(ctx.config, ctx.store, breakers);
}
