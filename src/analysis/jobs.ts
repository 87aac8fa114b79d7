/** The jobs of a config as the gap analysis (and backfill) sees them. */
import fs from 'node:fs';
import type { ResolvedConfig } from '../config/types.js';
import type { JobSchedule } from './ledger-types.js';

/** Start-up slack on top of a run's deadline before an unserved slot is judged. */
export const GRACE_SLACK_MS = 60_000;

/**
 * Every job of the config (or only `names`, in config order), each with its grace period (a slot
 * younger than the job's deadline plus a minute may still be running, so it is not judged yet) and
 * when the config file was last written (where judging begins if the logs hold no records at all).
 */
export function jobSchedulesFromConfig(
  config: ResolvedConfig,
  names?: readonly string[],
  graceMs?: number,
): JobSchedule[] {
  const wanted = names && names.length > 0 ? new Set(names) : undefined;
  const configWrittenMs = writtenAt(config.configPath);
  return Object.entries(config.jobs)
    .filter(([name]) => !wanted || wanted.has(name))
    .map(([name, job]) => ({
      name,
      schedule: job.schedule,
      tz: job.tz,
      cron: job.cron,
      graceMs: graceMs ?? (job.deadlineMs ?? config.deadlineMs) + GRACE_SLACK_MS,
      deadlineMs: job.deadlineMs ?? config.deadlineMs,
      configWrittenMs,
    }));
}

/** The file's last write, or undefined for an in-memory config or one that cannot be read. */
function writtenAt(file: string): number | undefined {
  if (!file) return undefined;
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
