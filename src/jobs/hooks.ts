/** After-run hooks: alerts and metrics are wired in here (see src/alerts, src/metrics). */
import type { JobContext } from './context.js';
import type { RunHandle, WorkResult } from './run-slot.js';

export async function afterRunHooks(_ctx: JobContext, _run: RunHandle, _result: WorkResult): Promise<void> {
  // filled in by the alerting and metrics work
}
