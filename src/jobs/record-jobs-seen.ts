/**
 * The watchdog's note of changes to the config's job names (analysis/jobs-seen.ts says why): after
 * the logs are read and before anything is judged, one `jobs.seen` record is appended to the job
 * log naming the config's jobs the records do not show in the config (new, or put back after being
 * taken out) and the jobs they show there that the config no longer has; the judging of this very
 * run counts it.
 */
import type { SlotLedger } from '../analysis/ledger.js';
import { JOBS_SEEN_EVENT, WATCHDOG_JOB } from '../analysis/jobs-seen.js';
import { periodsOutOf, recordedSlots } from '../analysis/judging.js';
import type { ResolvedConfig } from '../config/types.js';
import type { LogRecord } from '../log/types.js';
import { JobLog, newRunId } from '../log/writer.js';

export interface JobsSeenOptions {
  /** The clock's now (ms): the record's time. */
  now: number;
  /** Whether every log was read to its end: one that was not may hold jobs.seen records already. */
  complete: boolean;
  warn: (message: string) => void;
  /**
   * The watchdog's previous look at the config (watchdog-look.ts): a job it named then, taken out
   * since, was in the config at least until then.
   */
  lastLook?: { at: number; jobs: readonly string[] };
}

/** What a record carried (both empty: nothing was written). */
export interface JobsSeenNote {
  /** Names new to the config, or back in it. */
  jobs: string[];
  /** Names taken out of it. */
  removed: string[];
  /** Names put back, each with the start of the period it was out (not judged). */
  back: Record<string, string>;
}

/** Appends the record when the config's names changed; returns what it carried. */
export async function recordJobsSeen(
  config: ResolvedConfig,
  ledger: SlotLedger,
  opts: JobsSeenOptions,
): Promise<JobsSeenNote> {
  const none = { jobs: [], removed: [], back: {} };
  if (!opts.complete) return none;
  const seen = ledger.jobsSeen;
  const configured = Object.keys(config.jobs);
  const names = seen.unseen(configured);
  const removed = seen.gone(configured);
  if (names.length === 0 && removed.length === 0) return none;
  const at = new Date(opts.now).toISOString();
  // a name put back: when the period it was out began, so a reader of this record alone (status
  // reads only the log's end) still knows it
  const back = Object.fromEntries(
    names.flatMap((name) => {
      const open = periodsOutOf(name, ledger, recordedSlots(ledger.jobs.get(name), ledger)).at(-1);
      return open && !Number.isFinite(open.untilMs) ? [[name, new Date(open.afterMs).toISOString()]] : [];
    }),
  );
  // each removed job's last record in every log read (a run of a job the config does not have is
  // refused before it writes anything, so it was in the config then), or the watchdog's previous
  // look when that named it and came later; one with neither is left out: the removal record, or
  // its last naming, bounds the period
  const look = opts.lastLook;
  const lastSeen = Object.fromEntries(
    removed.flatMap((name) => {
      const looked = look && look.at < opts.now && look.jobs.includes(name) ? look.at : -Infinity;
      const ms = Math.max(ledger.lastOfOthers.get(name) ?? -Infinity, looked);
      return Number.isFinite(ms) ? [[name, new Date(ms).toISOString()]] : [];
    }),
  );
  const record: LogRecord = {
    ts: at,
    level: 'info',
    event: JOBS_SEEN_EVENT,
    job: WATCHDOG_JOB,
    runId: newRunId(opts.now),
    scheduledFor: at,
    trigger: 'cron',
    jobs: names,
    // the log's first: the jobs already there when the watchdog first looked keep their judging start
    ...(seen.any ? {} : { seed: true }),
    ...(Object.keys(back).length > 0 ? { back } : {}),
    // the schedule it came back with: judged by it from now, not by its last run's
    ...(Object.keys(back).length > 0
      ? {
          backSchedule: Object.fromEntries(
            Object.keys(back).map((name) => [
              name,
              { schedule: config.jobs[name].schedule, tz: config.jobs[name].tz ?? 'UTC' },
            ]),
          ),
        }
      : {}),
    ...(removed.length > 0 ? { removed } : {}),
    ...(Object.keys(lastSeen).length > 0 ? { lastSeen } : {}),
  };
  let written = true;
  const log = new JobLog(config.log, {
    warn: (message) => {
      written = false;
      opts.warn(message);
    },
  });
  log.append(record);
  log.close();
  // judged with it only once the log holds it: a note that was not kept must not hide a job
  if (!written) return none;
  ledger.add(record);
  return { jobs: names, removed, back };
}
