/**
 * After-run hooks: what happens after each run that did work (a cron run through run-slot, a
 * proxied call through api/run-log). The job context carries the list; by default alerts
 * (src/alerts) and, when metrics.textfile is set, the metrics textfile (src/metrics). Each hook
 * loads its module only when it runs. They run side by side; none can fail the run or another
 * hook: a failure is one warning on stderr naming the hook.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { AfterRunHook, JobContext } from './context.js';
import type { AfterRun } from './types.js';

/** Alerts: a cron run by its job's alert policy, a proxied call by its chain's request window. */
const alertsHook: AfterRunHook = {
  name: 'alerts',
  run: async (ctx, { run, result, call }) =>
    call
      ? (await import('../alerts/after-call.js')).alertAfterCall(ctx, run, result, call)
      : (await import('../alerts/after-run.js')).alertAfterRun(ctx, run, result),
};

/** The metrics textfile: count the run, rewrite the file. */
const metricsHook: AfterRunHook = {
  name: 'metrics',
  run: async (ctx, { run, result }) => (await import('../metrics/after-run.js')).metricsAfterRun(ctx, run, result),
};

/** The hooks of a job context that names none. */
function defaultAfterRunHooks(config: ResolvedConfig): AfterRunHook[] {
  return config.metrics.textfile ? [alertsHook, metricsHook] : [alertsHook];
}

/** Runs the context's hooks for a run that did work (a skipped run has nothing to report). */
export async function runAfterRunHooks(ctx: JobContext, after: AfterRun): Promise<void> {
  const hooks = ctx.afterRun ?? defaultAfterRunHooks(ctx.config);
  if (after.result.status === 'skipped' || hooks.length === 0) return;
  const settled = await Promise.allSettled(hooks.map(async (hook) => hook.run(ctx, after)));
  settled.forEach((s, i) => {
    if (s.status === 'rejected')
      ctx.warn(`${hooks[i].name} after the run failed: ${(s.reason as Error)?.message ?? String(s.reason)}`);
  });
}
