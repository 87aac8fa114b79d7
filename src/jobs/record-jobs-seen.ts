/**
 * The watchdog's note of job names new to the config (analysis/jobs-seen.ts says why): after the
 * logs are read and before anything is judged, one `jobs.seen` record naming the config's jobs no
 * earlier record named is appended to the job log, and the judging of this very run counts it.
 */
import type { SlotLedger } from '../analysis/ledger.js';
import { JOBS_SEEN_EVENT } from '../analysis/jobs-seen.js';
import type { ResolvedConfig } from '../config/types.js';
import type { LogRecord } from '../log/types.js';
import { JobLog, newRunId } from '../log/writer.js';

export interface JobsSeenOptions {
  /** The clock's now (ms): the record's time. */
  now: number;
  /** Whether every log was read to its end: one that was not may hold jobs.seen records already. */
  complete: boolean;
  warn: (message: string) => void;
}

/** Appends the record when a name is new; returns the names it carried (none: nothing written). */
export function recordJobsSeen(config: ResolvedConfig, ledger: SlotLedger, opts: JobsSeenOptions): string[] {
  if (!opts.complete) return [];
  const names = ledger.jobsSeen.unseen(Object.keys(config.jobs));
  if (names.length === 0) return [];
  const at = new Date(opts.now).toISOString();
  const record: LogRecord = {
    ts: at,
    level: 'info',
    event: JOBS_SEEN_EVENT,
    job: 'watchdog',
    runId: newRunId(opts.now),
    scheduledFor: at,
    trigger: 'cron',
    jobs: names,
    // the log's first: the jobs already there when the watchdog first looked keep their judging start
    ...(ledger.jobsSeen.any ? {} : { seed: true }),
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
  if (!written) return [];
  ledger.add(record);
  return names;
}
