/**
 * `postmortem report`: an incident window as one self-contained HTML page and/or Markdown, from the
 * job logs. Option parsing only; the analysis and the renderers load inside the action, so no other
 * command pays for them.
 */
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError, printJson } from './common.js';
import { repeatable } from './flags.js';
import { command } from './lifecycle.js';
import { LOG_FLAG_HELP } from './log-sources.js';

interface ReportFlags {
  since: string;
  until: string;
  job?: string[];
  log?: string[];
  html?: string;
  md?: string;
  grace?: string;
}

const DEFAULT_HTML = 'lucy-ops-report.html';

export function registerReport(postmortem: Command): void {
  postmortem
    .command('report')
    .description('an incident report of a window: a self-contained HTML page (SVG timeline) and/or Markdown')
    .requiredOption('--since <time>', 'start of the window: ISO 8601 or a duration ago (45m, 6h, 2d)')
    .option('--until <time>', 'end of the window: ISO 8601 or a duration ago', 'now')
    .option('--job <name>', 'only this job (repeatable)', repeatable)
    .option('--log <file>', LOG_FLAG_HELP, repeatable)
    .option('--html <file>', `write the HTML page here (default: ${DEFAULT_HTML}, unless --md or --json is given)`)
    .option('--md <file>', "write the Markdown here ('-' for stdout)")
    .option(
      '--grace <duration>',
      "don't judge slots this recent: their run may still be going (default: the job's deadline + 1m)",
    )
    .addHelpText(
      'after',
      `
The page is one HTML file with its CSS and SVG inline (no script, no font or image from the
network): it opens offline, attached to an email, in light or dark mode, and prints. It shows
the headline (the incident: when, how long, which jobs, its slots not served on time and how
many were filled later (by what, when) or are still unserved, its cause, what a job still owing a
slot has done since; the stretches a fallback served or backfill filled beside it;
the window's counts), a timeline (one row per job, one cell per slot; the breakers'
open periods and the alerts beneath), the cause (attempts per provider and error class), what
the chain and the breaker did, and a table of every affected slot. --md writes the same facts
as Markdown; --json prints them (the facts, not the page) on stdout. An incident is a run of
slots not served on time (failed or missing at their time), filled later or not, grouped by the
rule of \`postmortem gaps\`: the incidents gaps showed before any backfill, with the same spans
after it (gaps then lists only what is still owed, incidents[].stillUnserved). One whose slots
were all filled is over. Slots a fallback served were served on time: no incident; they are told
beside the incidents.

Examples:
  lucy-ops postmortem report --since 2026-04-19T12:00Z --until 2026-04-19T18:00Z
  lucy-ops postmortem report --since 6h --html incident.html --md incident.md
  lucy-ops postmortem report --since 2026-04-19T12:00Z --until 2026-04-19T18:00Z --md - | pbcopy
  lucy-ops postmortem report --since 24h --job threads --json | jq '.headline'

Exit codes: 0 done (an incident or not); 1 a file could not be written; 64 usage error;
78 configuration error.`,
    )
    .action(
      command(async (run, flags: ReportFlags) => {
        if (run.json && flags.md === '-')
          throw new CliError('--md - and --json both want stdout: pick one', ExitCode.usage);
        const { analysisScope } = await import('./analysis-scope.js');
        const { now, since, until, config, jobs, sources } = await analysisScope(run, flags);

        const { gatherReportFacts } = await import('../analysis/report-facts.js');
        const gathered = await gatherReportFacts(jobs, { since, until }, sources, {
          chain: config.providers.map((p) => p.name),
          allTraffic: !flags.job?.length,
          now: new Date(now),
        });
        // the views' suggested backfill names the jobs asked for (--json prints the facts alone)
        const facts: import('../report/words.js').ReportView = flags.job?.length
          ? { ...gathered, jobsAsked: flags.job }
          : gathered;
        for (const error of gathered.errors) run.warn(`could not read all of ${error}`);

        const html = flags.html ?? (flags.md === undefined && !run.json ? DEFAULT_HTML : undefined);
        const { writeReports } = await import('../report/write.js');
        const written = await writeReports(facts, {
          html,
          md: flags.md === '-' ? undefined : flags.md,
          now: new Date(now),
        });
        if (flags.md === '-') {
          const { renderMarkdown } = await import('../report/markdown.js');
          process.stdout.write(renderMarkdown(facts));
        }
        if (run.json) printJson(gathered);
        else {
          const { title } = await import('../report/words.js');
          const say = (line: string) => (flags.md === '-' ? process.stderr : process.stdout).write(line + '\n');
          say(title(facts));
          for (const file of written) say(`wrote ${file}`);
        }
      }),
    );
}
