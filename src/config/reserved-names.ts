/**
 * The job names lucy-ops writes its own log records and alert memory under: the gap watchdog
 * (`gaps` alert memory, its alerts as `watchdog`), alerts about no one job, serve (and `serve:<label>`
 * for its callers' labels), probe providers and hand changes to breakers. The config refuses them as
 * job names, and the gap analysis does not take their records as evidence that a job ran.
 */
export const RESERVED_JOB_NAMES: ReadonlySet<string> = new Set([
  'gaps',
  'serve',
  'watchdog',
  'alerts',
  'probe',
  'breaker',
]);

/** Whether a record's `job` is one of lucy-ops' own names rather than a scheduled job's. */
export function isOwnRecordName(job: string): boolean {
  return RESERVED_JOB_NAMES.has(job) || job.startsWith('serve:');
}
