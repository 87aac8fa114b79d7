/**
 * What `postmortem gaps` and `postmortem report` both start from: the window (--since/--until
 * against the clock), the config's jobs (--job, --grace) and the logs to read (--log). Loaded
 * inside their actions.
 */
import type { JobSchedule } from '../analysis/ledger-types.js';
import type { ResolvedConfig } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { CliError } from './common.js';
import { durationFlag, timeFlag } from './flags.js';
import type { CommandRun } from './lifecycle.js';

interface ScopeFlags {
  since: string;
  until: string;
  job?: string[];
  log?: string[];
  grace?: string;
  /** The watchdog (`gaps --fail-on-gap`): the gap line speaks when something is owed, so no warning of a log not written yet. */
  failOnGap?: boolean;
}

interface AnalysisScope {
  /** The clock's now (LUCY_OPS_NOW or the system's), ms. */
  now: number;
  since: Date;
  until: Date;
  config: ResolvedConfig;
  jobs: JobSchedule[];
  sources: string[];
}

/** The window; a usage error (64) when it is empty or backwards. */
async function analysisWindow(flags: ScopeFlags): Promise<{ now: number; since: Date; until: Date }> {
  const { clockFromEnv } = await import('../clock.js');
  const now = clockFromEnv().now();
  const since = timeFlag('--since', flags.since, now);
  const until = timeFlag('--until', flags.until, now);
  if (since.getTime() >= until.getTime()) {
    throw new CliError(
      `--since (${since.toISOString()}) must be before --until (${until.toISOString()})`,
      ExitCode.usage,
    );
  }
  return { now, since, until };
}

/** The window, the config, its jobs (unknown --job: 64) and the log sources (a missing --log: 64). */
export async function analysisScope(run: CommandRun, flags: ScopeFlags): Promise<AnalysisScope> {
  const window = await analysisWindow(flags);
  const graceMs = flags.grace === undefined ? undefined : durationFlag('--grace', flags.grace);
  const { jobOf } = await import('./context.js');
  const config = await run.config();
  for (const name of flags.job ?? []) jobOf(config, name);
  const { jobSchedulesFromConfig } = await import('../analysis/jobs.js');
  const jobs = jobSchedulesFromConfig(config, flags.job, graceMs);
  const { logSources } = await import('./log-sources.js');
  const sources = await logSources(config.log, flags.log, (message) => run.warn(message), {
    quietWhenMissing: Boolean(flags.failOnGap) && !process.stdout.isTTY,
  });
  return { ...window, config, jobs, sources };
}
