/** The jobs of a config as the gap analysis (and backfill) sees them. */
import type { ResolvedConfig } from '../config/types.js';
import type { JobSchedule } from './ledger.js';

/** Start-up slack on top of a run's deadline before an unserved slot is judged. */
export const GRACE_SLACK_MS = 60_000;

/**
 * Every job of the config (or only `names`, in config order), each with its grace period: a slot
 * younger than the job's deadline plus a minute may still be running, so it is not judged yet.
 */
export function jobSchedulesFromConfig(
  config: ResolvedConfig,
  names?: readonly string[],
  graceMs?: number,
): JobSchedule[] {
  const wanted = names && names.length > 0 ? new Set(names) : undefined;
  return Object.entries(config.jobs)
    .filter(([name]) => !wanted || wanted.has(name))
    .map(([name, job]) => ({
      name,
      schedule: job.schedule,
      tz: job.tz,
      cron: job.cron,
      graceMs: graceMs ?? (job.deadlineMs ?? config.deadlineMs) + GRACE_SLACK_MS,
    }));
}
