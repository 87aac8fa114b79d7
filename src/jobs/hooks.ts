/**
 * After-run hooks (called by run-slot for every run that did work, and for proxied requests):
 * alerts (src/alerts) and the metrics textfile (src/metrics). They run side by side; neither can
 * fail the run or the other: a failure is one warning on stderr.
 */
import type { CallVerdict } from '../alerts/after-call.js';
import type { JobContext } from './context.js';
import type { RunHandle, WorkResult } from './types.js';

export async function afterRunHooks(ctx: JobContext, run: RunHandle, result: WorkResult): Promise<void> {
  await runHooks(ctx, run, result, async () =>
    (await import('../alerts/after-run.js')).alertAfterRun(ctx, run, result),
  );
}

/** A proxied request (serve, library): the request alert policy instead of a cron job's. */
export async function afterCallHooks(
  ctx: JobContext,
  run: RunHandle,
  result: WorkResult,
  call: CallVerdict,
): Promise<void> {
  await runHooks(ctx, run, result, async () =>
    (await import('../alerts/after-call.js')).alertAfterCall(ctx, run, result, call),
  );
}

async function runHooks(
  ctx: JobContext,
  run: RunHandle,
  result: WorkResult,
  alerts: () => Promise<unknown>,
): Promise<void> {
  if (result.status === 'skipped' || ctx.afterRunHooks === false) return;
  const hooks: Array<[string, () => Promise<unknown>]> = [['alerts', alerts]];
  if (ctx.config.metrics.textfile)
    hooks.push(['metrics', async () => (await import('../metrics/after-run.js')).metricsAfterRun(ctx, run, result)]);
  const settled = await Promise.allSettled(hooks.map(([, fn]) => fn()));
  settled.forEach((s, i) => {
    if (s.status === 'rejected')
      ctx.warn(`${hooks[i][0]} after the run failed: ${(s.reason as Error)?.message ?? String(s.reason)}`);
  });
}
