/**
 * The one line `postmortem gaps` and `status` give the periods jobs were out of the config: the
 * same words, spans and counts (jobs[].outOfConfig, notJudgedOutOfConfig in --json) in both views.
 */
import type { JobSummary } from '../analysis/gap-types.js';
import type { DisplayTimes } from './time-format.js';

/** The periods jobs were out of the config (the watchdog saw them taken out): not judged then. */
export function outOfConfigLine(
  report: { jobs: ReadonlyArray<Pick<JobSummary, 'job' | 'outOfConfig' | 'notJudgedOutOfConfig'>> },
  times: DisplayTimes,
): string | undefined {
  const span = (job: string, p: { after: string; until: string | null }) =>
    `after ${times.at(p.after, job)} until ${p.until === null ? 'the watchdog sees it back' : times.at(p.until, job)}`;
  // each job's count of such slots, as the report's table and --json (notJudgedOutOfConfig) give it
  // a period with no slot left unjudged (a `--since` after its slots) says nothing worth a line
  const each = report.jobs
    .filter((j) => j.outOfConfig.length > 0 && (j.notJudgedOutOfConfig ?? 0) > 0)
    .map((j) => {
      const n = j.notJudgedOutOfConfig ?? 0;
      return `${j.job} ${j.outOfConfig.map((p) => span(j.job, p)).join('; ')} (${n} slot${n === 1 ? '' : 's'})`;
    });
  if (each.length === 0) return undefined;
  return `Not judged while out of the config (slots with no run record): ${each.join('; ')}.`;
}
