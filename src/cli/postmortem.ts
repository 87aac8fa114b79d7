/**
 * `postmortem gaps`: reads job logs against the jobs' schedules and finds silent gaps. Option
 * parsing only at the top; the analysis and the table code load inside the action.
 */
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { printJson } from './common.js';
import { durationFlag, repeatable } from './flags.js';
import { command } from './lifecycle.js';
import { LOG_FLAG_HELP } from './log-sources.js';
import { registerReport } from './postmortem-report.js';
import { printable, VIEW_MARK } from '../text/printable.js';

/** since, until and lateAfter always have a value: their options have defaults. */
interface GapsFlags {
  since: string;
  until: string;
  job?: string[];
  log?: string[];
  failOnGap?: boolean;
  grace?: string;
  lateAfter: string;
  timeline?: boolean;
}

export function register(program: Command): void {
  const postmortem = program
    .command('postmortem')
    .description('look back at what the job logs say happened')
    .addHelpText(
      'after',
      '\nExamples:\n  lucy-ops postmortem gaps --since 6h\n  lucy-ops postmortem gaps --since 2h --fail-on-gap   # crontab watchdog\n  lucy-ops postmortem report --since 6h              # the incident as an HTML page',
    );
  registerReport(postmortem);
  postmortem
    .command('gaps')
    .description('find silent gaps: slots of each job that no successful run served, with their cause')
    .option('--since <time>', 'start of the window: ISO 8601 or a duration ago (45m, 6h, 2d)', '24h')
    .option('--until <time>', 'end of the window: ISO 8601 or a duration ago', 'now')
    .option('--job <name>', 'only this job (repeatable)', repeatable)
    .option('--log <file>', LOG_FLAG_HELP, repeatable)
    .option(
      '--fail-on-gap',
      'exit 1 when a gap or a slot served more than once is found (for a CI or cron watchdog); off a terminal, print nothing when there is neither',
    )
    .option(
      '--grace <duration>',
      "don't judge slots this recent (counted from now, not --until): their run may still be going (default: the job's deadline + 1m)",
    )
    .option('--late-after <duration>', 'report a serving run that started this long after its slot as late', '1m')
    .option(
      '--timeline',
      'also draw the window: per job a row of slots (served, by a fallback, failed, missing, pending) fitting the terminal',
    )
    .addHelpText(
      'after',
      `
A slot is served when a run.end with outcome "ok" names it (scheduledFor), whenever that was
written (a backfill serves it late). An unserved slot is failed (a run for it failed or never
ended) or missing (no record at all: the silent case). A gap is a run of consecutive unserved
slots of one job: from its first unserved slot to the next served one (open if none yet); gaps
of different jobs that overlap in time form one incident. An incident ends when its jobs are
served again: a job whose next slot has not come since does not keep it open, and is named
beside it as still owing its slots; once over, it takes in no later gap. E.g. threads (every
15m) fails 05:15 and is served 05:30, blog (hourly) misses 05:00: one incident 05:00 → 05:30
"(blog still owes 05:00Z)", over, though blog's gap stays open until its 06:00 is served; a
threads failure at 05:45 is a new incident. Had blog missed 06:00 too, the incident would go on.
An incident's cause names its jobs with no record at all ("blog: no records at all — the job did
not run"). Slots served by a fallback (degraded: true) are served, and listed apart: the
stretches of service a fallback kept up. A slot this host
skipped as served by another host's run counts as served; when that run is in no log read and the
shared ledger does not name it, it is listed as "served elsewhere, unverified" (not a gap). With --timeline,
each job's slots are drawn on one time axis (# served, ~ by a fallback, X failed, ? missing,
. pending, - out of the config: not judged), one cell per slot when the terminal is wide
enough, else the worst slot of each cell.
The configured log (and its rotations)
is always read; each --log adds to it, as in backfill, so both see the same runs.

Slots are the ones the system cron daemon runs (config \`cron: 'croner'\` for croner's). Judging
begins at each job's first record in the logs read (a job with none: the first record of any
job, or when the watchdog first saw it in the config, if later); each slot is judged by the
schedule its run.start records name for that time. With --fail-on-gap, changes to the config's
job names are written to the log (event jobs.seen) before judging: a job just added is judged
from then, not from the log's first record; a job taken out and put back is not judged while it
was out (from the last sign of it in the config, its last record or the watchdog's last look at
the config, until the watchdog saw it back or it ran again; --json: jobs[].outOfConfig). Slots younger
than the grace (measured from now) are pending: not judged, and they neither extend nor end a gap.

Examples:
  lucy-ops postmortem gaps                          # the last 24 hours, every job
  lucy-ops postmortem gaps --since 6h --timeline    # and a picture of the afternoon, one cell per slot
  lucy-ops postmortem gaps --since 2026-04-19T12:00Z --until 2026-04-19T18:00Z --job threads
  lucy-ops postmortem gaps --since 7d --log /backup/host2/jobs.jsonl --json   # plus another host's log
  zcat old/jobs.jsonl.*.gz | lucy-ops postmortem gaps --since 30d --log -     # plus archived logs
  # crontab watchdog: silent while all is well; on a gap or a double it exits 1 and writes one stderr line,
  # which cron mails (MAILTO) even with stdout sent to /dev/null; a job seen back in the config after the
  # log said it was taken out is named once on that line (exit 0 if nothing else): it was not judged meanwhile
  */30 * * * * cd /srv/app && . ./.lucy-ops.env && npx --no-install lucy-ops postmortem gaps --since 2h --fail-on-gap >/dev/null

Exit codes: 0 done (gaps or not); 1 under --fail-on-gap, a gap or a slot served more than once
was found; 64 usage error; 78 configuration error.`,
    )
    .action(
      command(async (run, flags: GapsFlags) => {
        const lateAfterMs = durationFlag('--late-after', flags.lateAfter);
        const { analysisScope } = await import('./analysis-scope.js');
        const { now, since, until, config, jobs, sources } = await analysisScope(run, flags);

        // the store's warnings once each: the shared ledger and the watchdog's look both open it
        const warned = new Set<string>();
        const storeWarn = (message: string) => {
          if (warned.has(message)) return;
          warned.add(message);
          run.warn(message);
        };
        // with a shared store, slots other hosts served count as served here too
        const { readSharedLedger } = await import('../jobs/shared-ledger.js');
        const served = await readSharedLedger(
          config,
          jobs.map((j) => j.name),
          { since, until },
          storeWarn,
        );

        const { analyzeLogs } = await import('../analysis/gaps.js');
        const { terminalWidth } = await import('./columns.js');
        // the timeline picks its time per cell from the width: a pipe (cron mail) gets 80 columns
        const width = terminalWidth() ?? 80;
        let timelineColumns: number | undefined;
        if (flags.timeline)
          timelineColumns = (await import('./timeline-view.js')).cellColumns(
            jobs.map((j) => j.name),
            width,
          );
        // the watchdog notes job names new to the config in the log, so a job just added is judged
        // from then rather than from the log's first record (a false page on every new job)
        const recordJobsSeen = flags.failOnGap
          ? (await import('../jobs/record-jobs-seen.js')).recordJobsSeen
          : undefined;
        let seenNote: import('../jobs/record-jobs-seen.js').JobsSeenNote | undefined;
        // the watchdog's previous look at the config (a quiet run writes nothing to the log): a job
        // it named then and that is gone now was in the config until then
        const look = flags.failOnGap
          ? await (await import('../jobs/watchdog-look.js')).openWatchdogLook(config, { warn: storeWarn, now })
          : undefined;
        const report = await analyzeLogs(jobs, { since, until }, sources, {
          lateAfterMs,
          providers: config.providers.map((p) => p.name),
          served,
          now: new Date(now),
          timelineColumns,
          beforeJudging: recordJobsSeen
            ? async (ledger, stats) => {
                seenNote = await recordJobsSeen(config, ledger, {
                  now,
                  complete: stats.errors.length === 0,
                  warn: (message) => run.warn(message),
                  lastLook: look?.previous,
                });
              }
            : undefined,
        }).catch(async (err: unknown) => {
          await look?.close();
          throw err;
        });
        await look?.keep({ at: now, jobs: Object.keys(config.jobs) });
        for (const error of report.errors) run.warn(`could not read all of ${error}`);

        // the zone of every time people read here, human view and watchdog lines alike
        const times = (await import('./time-format.js')).viewTimes(now, config);
        // every gap and incident has `cause`, null when nothing explains it (scripts need not test for the key)
        if (run.json)
          printJson({
            ...report,
            gaps: report.gaps.map((g) => ({ ...g, cause: g.cause ?? null })),
            incidents: report.incidents.map((i) => ({ ...i, cause: i.cause ?? null })),
          });
        else if (flags.failOnGap && report.gaps.length === 0 && report.doubles.length === 0 && !process.stdout.isTTY) {
          // a watchdog in crontab: say nothing when all is well, so cron mails only about a gap
        } else {
          const { renderGapReport } = await import('./postmortem-view.js');
          process.stdout.write(await renderGapReport(report, { color: run.color, width, times }));
        }
        // a slot served twice (two hosts, a re-run that missed the first) is as wrong as one never
        // served: the watchdog names them too, in its one stderr line, and fails
        const doubles = flags.failOnGap && report.doubles.length > 0 ? doublesText(report.doubles, times) : undefined;
        // a job the log calls out of the config was not judged for that span: said once, when the
        // watchdog sees it back, so a removal that never happened (a stale or hand-written line)
        // cannot hide a gap without a word
        const notJudged =
          seenNote && Object.keys(seenNote.back).length > 0
            ? backText(seenNote.back, report.jobs, now, times)
            : undefined;
        if (flags.failOnGap && report.gaps.length > 0) {
          // the watchdog's alert goes through the same channels as the jobs' (silent gaps only:
          // failed runs have already alerted through the job alerts), once per gap; on stderr it
          // is the one line below, not a second one
          const held: string[] = [];
          let sent: import('../alerts/types.js').AlertReport | undefined;
          try {
            const { alertOnGaps } = await import('../alerts/gaps.js');
            sent = await alertOnGaps(config, report.gaps, {
              now,
              since: report.since,
              until: report.until,
              stderr: (line) => held.push(line),
            });
          } finally {
            // one line on stderr whatever happens to stdout (the watchdog's >/dev/null): cron mails
            // it, gaps of failed runs included; ALERT when it carries a new silent gap
            const alerted = (sent?.alert.details?.gaps ?? []) as ReadonlyArray<{ job: string; start: string }>;
            const gapsText = gapsLine(report.gaps, times, new Set(alerted.map((g) => `${g.job}@${g.start}`)));
            run.stderr([gapsText, doubles, notJudged].filter(Boolean).join('; '));
            // what the alert had to add (a channel that failed) still follows
            for (const line of held.slice(sent ? 1 : 0)) process.stderr.write(`${line}\n`);
          }
          return ExitCode.failed;
        }
        if (doubles) {
          run.stderr(notJudged ? `${doubles}; ${notJudged}` : doubles);
          return ExitCode.failed;
        }
        if (notJudged) run.stderr(notJudged);
      }),
    );
}

/**
 * "threads is back in the config; not judged while the log says it was out of it: from
 * 2026-04-19 14:15Z to 2026-04-19 15:00:02Z; if it never left …" (jobs seen back now). The period
 * ends at the job's first own record after it when the judged report has one, else now.
 */
function backText(
  back: Record<string, string>,
  jobs: ReadonlyArray<{ job: string; outOfConfig: ReadonlyArray<{ after: string; until: string | null }> }>,
  now: number,
  times: import('./time-format.js').DisplayTimes,
): string {
  const names = Object.keys(back).map((job) => printable(job, '?'));
  const each = Object.entries(back).map(([job, from]) => {
    const period = jobs.find((j) => j.job === job)?.outOfConfig.find((p) => Date.parse(p.after) === Date.parse(from));
    const until = period?.until == null ? undefined : Date.parse(period.until);
    const span =
      until === undefined
        ? `after ${times.full(from, job)} (until its next run or now)`
        : until < now
          ? `from ${times.full(from, job)} to ${times.full(period!.until!, job)}`
          : `from ${times.full(from, job)} until now`;
    return names.length === 1 ? span : `${printable(job, '?')} ${span}`;
  });
  const who =
    names.length === 1
      ? `${names[0]} is back in the config; not judged while the log says it was out of it`
      : `${names.join(', ')} are back in the config; not judged while the log says they were out of it`;
  return `${who}: ${each.join(', ')}; if ${names.length === 1 ? 'it' : 'one'} never left the config, a gap there was not paged`;
}

/** "served more than once: blog 2026-04-19 14:00Z (2 runs), ..." (the first ten). */
function doublesText(
  doubles: ReadonlyArray<{ job: string; slot: string; runs: number }>,
  times: import('./time-format.js').DisplayTimes,
): string {
  const shown = doubles.slice(0, 10).map((d) => `${d.job} ${times.full(d.slot, d.job)} (${d.runs} runs)`);
  const more = doubles.length > 10 ? `, and ${doubles.length - 10} more` : '';
  return `served more than once: ${shown.join(', ')}${more}`;
}

/**
 * "gaps: 2 gap(s), 4 unserved slot(s): threads from 14:15Z (3 failed); stories from ... (1 missing,
 * still open)", or "ALERT gap: ..." when it carries silent gaps alerted now (marked "alerted").
 */
function gapsLine(
  gaps: ReadonlyArray<{
    job: string;
    start: string;
    slots: number;
    failed: number;
    missing: number;
    open?: boolean;
    cause?: string;
  }>,
  times: import('./time-format.js').DisplayTimes,
  alerted: ReadonlySet<string>,
): string {
  const slots = gaps.reduce((n, g) => n + g.slots, 0);
  const each = gaps.map((g) => {
    const kinds = [
      g.failed ? `${g.failed} failed` : '',
      g.missing ? `${g.missing} missing` : '',
      g.open ? 'still open' : '',
      alerted.has(`${g.job}@${g.start}`) ? 'alerted' : '',
    ]
      .filter(Boolean)
      .join(', ');
    // the cause is log text: one printable line
    const cause = g.cause ? `: ${printable(g.cause, VIEW_MARK)}` : '';
    return `${g.job} from ${times.full(g.start, g.job)} (${kinds}${cause})`;
  });
  const head = alerted.size > 0 ? 'ALERT gap' : 'gaps';
  return `${head}: ${gaps.length} gap(s), ${slots} unserved slot(s): ${each.join('; ')}`;
}
