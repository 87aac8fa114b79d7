/**
 * `lucy-ops status`: the on-call engineer's first command. Option parsing here; the report comes
 * from src/jobs/status-report.ts and the screen from status-view.ts, both loaded inside the action.
 */
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError, printJson } from './common.js';
import { repeatable, timeFlag } from './flags.js';
import { command } from './lifecycle.js';

interface StatusFlags {
  since: string;
  job?: string[];
}

export function register(program: Command): void {
  program
    .command('status')
    .description("on-call's one screen: each job's last and next slot, each provider's breaker, the store")
    .option('--since <time>', 'how far back to read the job log: ISO 8601 or a duration ago (45m, 6h, 2d)', '24h')
    .option('--job <name>', 'only this job (repeatable)', repeatable)
    .addHelpText(
      'after',
      `
For each job: its latest slot (served, by which provider, by a fallback or not, or "ok on HOST"
when another host served it, with "(its run not in the logs read)" when only this host's skip says
so; failed; missing; running; due: its time has come and no run has settled it, with when it is
judged), how many slots in a row went unserved or were served by a fallback, and the next slot;
slots served more than once get a line (×N, as postmortem gaps lists its doubles), and a job the
watchdog saw out of the config gets a line saying which of its slots were not judged.
For each provider: its breaker, since when it has been down, whether it was tripped by hand, and
when it will be tried again. Then the state store in use. Slots are judged as \`postmortem gaps\`
judges them. Only the end of the job log is read (it is found by bisecting the file, so a large log
costs no more than a small one): the last 24 hours unless --since says otherwise. It only reads:
no lock, no write, so anyone who can read the log and the state can run it.

Examples:
  lucy-ops status                     # first step of every incident
  lucy-ops status --json | jq '.jobs[] | select(.failuresInARow > 0)'
  lucy-ops status --since 3d --job blog
  lucy-ops status --tz local          # times in this host's zone (default: UTC, a job's slots in its tz)

Exit codes: 0 shown (whatever the state of the jobs); 64 usage error; 78 configuration error (or
state this user cannot read).`,
    )
    .action(
      command(async (run, flags: StatusFlags) => {
        const { clockFromEnv } = await import('../clock.js');
        const now = clockFromEnv().now();
        const since = timeFlag('--since', flags.since, now);
        if (since.getTime() >= now)
          throw new CliError(`--since (${since.toISOString()}) must be in the past`, ExitCode.usage);
        const { jobOf } = await import('./context.js');
        const config = await run.config();
        for (const name of flags.job ?? []) jobOf(config, name);
        const store = await run.readStore(config);
        const { statusReport } = await import('../jobs/status-report.js');
        const report = await statusReport(config, store, {
          now,
          sinceMs: since.getTime(),
          jobs: flags.job,
          warn: (m) => run.warn(m),
        });
        if (run.json) return printJson(report);
        const [{ renderStatus }, { Chalk }, { terminalWidth }, { viewTimes }] = await Promise.all([
          import('./status-view.js'),
          import('chalk'),
          import('./columns.js'),
          import('./time-format.js'),
        ]);
        const chalk = new Chalk({ level: run.color ? 1 : 0 });
        process.stdout.write(
          renderStatus(report, { width: terminalWidth() ?? Infinity, c: chalk, times: viewTimes(now, config) }),
        );
      }),
    );
}
