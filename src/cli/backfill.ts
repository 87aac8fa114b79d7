import type { Command } from 'commander';
import type { GenerateJob } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { CliError, printJson } from './common.js';
import { jobOf, requireKeys } from './context.js';
import { durationFlag, repeatable, timeFlag } from './flags.js';
import { command } from './lifecycle.js';
import { LOG_FLAG_HELP } from './log-sources.js';

interface BackfillFlags {
  since: string;
  until?: string;
  job?: string[];
  dryRun?: boolean;
  concurrency: string;
  log?: string[];
  grace?: string;
}

export function register(program: Command): void {
  program
    .command('backfill')
    .description('re-run every missed or failed slot in a window, exactly once')
    .requiredOption('--since <time>', 'start of the window (ISO time, or relative: 45m, 6h, 2d)')
    .option('--until <time>', 'end of the window (default: now)')
    .option('--job <name>', 'only this job (repeatable)', repeatable)
    .option('--dry-run', 'list the plan; run nothing')
    .option('--concurrency <n>', 'slots run at once', '1')
    .option('--log <file>', LOG_FLAG_HELP, repeatable)
    .option(
      '--grace <duration>',
      "don't plan slots this recent (measured from now): their run may still be going (default: the job's deadline + 1m)",
    )
    .addHelpText(
      'after',
      `
Examples:
  # after an outage: look first, then fill
  lucy-ops postmortem gaps --since 6h
  lucy-ops backfill --since 6h --dry-run
  lucy-ops backfill --since 2026-04-19T14:00Z --until 2026-04-19T15:00Z --job blog
  lucy-ops backfill --since 2h --grace 0s --dry-run    # plan even the slots just due

A slot counts as served once a run.end with outcome "ok" carries it (a planned slot whose output
is already there is recorded so, without generating again), or once a run here found it served
by another host (a skipped run.end naming servedRunId; or the shared Redis ledger says so), so a
second backfill over
the same window finds nothing to do. It reads the same logs as postmortem gaps: the configured
log and its rotations, plus every --log, and plans the slots it would call failed or missing:
the cron daemon's slots, from each job's first record on, by the schedule of their time; slots
younger than the grace (from now, not from --until) are left alone. Slots running right now are
skipped, never doubled.
Exit codes: 0 done, 1 some slots failed, 69 stopped early (no provider could serve),
75 another backfill is running for every job asked, 78 configuration error,
130/143 stopped by SIGINT/SIGTERM (the slot in progress is logged as failed).`,
    )
    .action(
      command(async (run, flags: BackfillFlags) => {
        const config = await run.config();
        for (const j of flags.job ?? []) jobOf(config, j);
        // the same logs as postmortem gaps (the configured one plus every --log), checked the same way
        const { logSources } = await import('./log-sources.js');
        await logSources(config.log, flags.log, (message) => run.warn(message));
        const graceMs = flags.grace === undefined ? undefined : durationFlag('--grace', flags.grace);
        const concurrency = Number(flags.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
          throw new CliError('--concurrency must be a whole number from 1 to 32', ExitCode.usage);
        const ctx = await run.context(config);
        const now = new Date(ctx.clock.now());
        const since = timeFlag('--since', flags.since, now);
        const until = flags.until === undefined ? now : timeFlag('--until', flags.until, now);
        if (since >= until)
          throw new CliError(
            `--since (${since.toISOString()}) must be before --until (${until.toISOString()})`,
            ExitCode.usage,
          );
        if (!flags.dryRun) {
          const { jobChain } = await import('../jobs/generate.js');
          const generating = Object.values(config.jobs).filter(
            (j): j is GenerateJob => j.prompt !== undefined && (!flags.job || flags.job.includes(j.name)),
          );
          const needed = new Set(generating.flatMap((j) => jobChain(ctx, j)));
          if (needed.size)
            await requireKeys(
              config,
              config.providers.filter((p) => needed.has(p)),
            );
        }
        const { backfill } = await import('../jobs/backfill.js');
        const view = await import('./backfill-view.js');
        const times = (await import('./time-format.js')).viewTimes(now.getTime(), config);
        const progress = view.progressLine(times); // a terminal's stderr only, so never in cron's mail
        const interrupt = await run.interrupts();
        const result = await backfill(ctx, {
          since,
          until,
          jobs: flags.job,
          dryRun: flags.dryRun,
          concurrency,
          logs: flags.log,
          graceMs,
          now,
          signal: interrupt.signal,
          onProgress: progress?.update,
        });
        progress?.done();
        interrupt.dispose();
        for (const error of result.unreadable) run.warn(`could not read all of ${error}`);
        if (run.json) printJson(result);
        else view.printBackfill(result, Boolean(flags.dryRun), times);
        const signal = interrupt.received();
        // a backfill is safe to repeat (served slots never run again): say so, on stderr whatever stdout is
        if (signal)
          run.stderr(
            `backfill interrupted by ${signal} (${result.filled} filled, ${result.failed} failed so far); run the same command again to continue`,
          );
        return (
          interrupt.exitCode() ??
          (result.stoppedEarly
            ? ExitCode.unavailable
            : result.failed > 0
              ? ExitCode.failed
              : result.busyJobs.length > 0 && result.filled === 0 && result.slots.every((s) => s.status === 'skipped')
                ? ExitCode.tempfail
                : ExitCode.ok)
        );
      }),
    );
}
