/**
 * Who served a slot, as the ledger tells it: its ok runs here, and another host's run that a skip
 * here names (served elsewhere), checked against the ok runs' ids (serve-ids.ts) and the shared
 * ledger's word (JobLedger.vouched).
 */
import type { LogRecord } from '../log/types.js';
import type { JobLedger } from './ledger-types.js';
import { isOkRun } from './serve-ids.js';
import { counter, OKS } from './slot-counters.js';

/**
 * How many times the slot was served: its ok runs, and one more when a skip here names a serving
 * run that is none of them (another host's run whose log was not read). At least one when the slot
 * is served at all.
 */
export function servesOf(job: JobLedger, key: number, packed: number): number {
  const oks = counter(packed, OKS);
  return servedByRunNotRead(job, key, oks) ? oks + 1 : oks;
}

/**
 * Whether a skip here says another host served the slot by a run that is not among the ok runs of
 * the logs read (reading that host's log too shows the run itself, served on time or late).
 */
export function servedByRunNotRead(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhereRuns.size === 0) return false;
  const named = job.elsewhereRuns.get(key);
  if (named === undefined) return false;
  return (
    oks === 0 || !isOkRun({ xor: job.okRuns.get(key), pair: job.okPairs.get(key), more: job.okMore.get(key) }, named)
  );
}

/**
 * Whether the slot counts as served only on the word of a skip here: it names another host's run
 * that no log read shows and the shared ledger does not name (a stale or forged line would read
 * the same). Still served: the skip is all the record holds, and it is not a gap.
 */
export function servedUnverified(job: JobLedger, key: number, oks: number): boolean {
  return servedByRunNotRead(job, key, oks) && !job.vouched.has(key);
}

/**
 * Whether another host served the slot by a run of no log read: a skip here names such a run, or
 * the shared ledger's serve is the slot's only one.
 */
export function servedOnlyElsewhere(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhere.size === 0 || !job.elsewhere.has(key)) return false;
  return job.elsewhereRuns.has(key) ? servedByRunNotRead(job, key, oks) : true;
}

/**
 * Whether a record says another host served the slot and no ok run of the logs read did: the run
 * a view shows for the slot is then that host's (an ok run read is shown as itself).
 */
export function servedByNoRunRead(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhere.size === 0 || !job.elsewhere.has(key)) return false;
  return job.elsewhereRuns.has(key) ? oks === 0 : true;
}

/**
 * A run that found its slot already served by another host (the shared ledger) and skipped it:
 * `run.end` skipped, reason `served`, naming the serving run. Served there, so not missing here.
 */
export function isServedElsewhere(record: LogRecord): boolean {
  return (
    record.outcome === 'skipped' &&
    record.reason === 'served' &&
    typeof record.servedRunId === 'string' &&
    record.servedRunId !== ''
  );
}
