import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { alertLines, CliError, printJson } from './common.js';
import { jobOf, keyProblems, keysError } from './context.js';
import { timeFlag } from './flags.js';
import { command } from './lifecycle.js';
import type { CronSemantics } from '../config/types.js';

interface GenerateFlags {
  slot?: string;
  force?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command('generate <job>')
    .description("run a generation job's prompt through the provider chain and write its output for one slot")
    .option(
      '--slot <time>',
      'the slot to serve: an ISO time that is a slot, or relative like 2h (the latest slot at or before then); default: the latest slot now',
    )
    .option('--force', 'run even if the slot already has output (replaces it)')
    .option('--dry-run', 'show what would run and the prompts it would send; call no provider, write nothing')
    .addHelpText(
      'after',
      `
Examples:
  # crontab: every hour, failures go to MAILTO (stderr), successes to the log only
  0 * * * *  cd /srv/app && . ./.lucy-ops.env && npx --no-install lucy-ops generate blog >/dev/null
  lucy-ops generate blog --slot 2026-04-19T14:00Z --json
  lucy-ops generate threads --dry-run

Exit codes: 0 ok or already served, 1 failed, 64 usage error (unknown job, a --slot not on
the schedule, a bad flag), 69 no provider could serve,
75 this job and slot is already running, 78 configuration error (a missing API key
variable too: the run is logged as a failed run of its slot; --dry-run exits 78 as well),
130/143 stopped by SIGINT/SIGTERM (the run is logged as failed, its lock released).`,
    )
    .action(
      command(async (run, jobName: string, flags: GenerateFlags) => {
        // a dry run is a check a person runs: its config warnings show even when piped
        const config = await run.config({ warnings: flags.dryRun || undefined });
        const job = jobOf(config, jobName, 'generate');
        const { jobChain, generateSlot, missingKeysError } = await import('../jobs/generate.js');
        const alerts = alertLines();
        const ctx = await run.context(config, { alertLine: alerts.alertLine });
        const slot = await resolveSlot(job, flags.slot, ctx.clock.now());
        const trigger = flags.slot ? 'manual' : 'cron';
        const chain = jobChain(ctx, job);
        const problems = await keyProblems(config, chain);
        // a rotated secret at 3 a.m. must be loud: the run is logged as a failed run of its slot
        // (alerts count it, gaps show it failed) unless the slot is already served
        const missingKeys = problems.length ? missingKeysError(chain, ctx.env) : undefined;
        const interrupt = await run.interrupts();
        const watch = (await import('./attempt-progress.js')).attemptProgress();
        const result = await generateSlot(ctx, job, slot, {
          force: flags.force,
          dryRun: flags.dryRun,
          trigger,
          signal: interrupt.signal,
          missingKeys,
          watch,
        });
        watch?.done();
        interrupt.dispose();
        if (problems.length && (result.failure === 'config' || result.locked)) throw keysError(config, problems);
        const { failure, ...shown } = result;
        if (run.json) printJson(shown);
        // a failed run whose alert line is already on stderr gets no second line
        else if (!(result.status === 'failed' && alerts.alerted()))
          (await import('./generate-view.js')).printGenerate(
            result,
            (await import('./time-format.js')).viewTimes(ctx.clock.now(), config),
          );
        const interrupted = result.status === 'failed' ? interrupt.exitCode() : undefined;
        if (interrupted !== undefined) return interrupted;
        if (result.status === 'ok') return ExitCode.ok;
        if (result.status === 'skipped') return result.locked ? ExitCode.tempfail : ExitCode.ok;
        return failure === 'unavailable' ? ExitCode.unavailable : ExitCode.failed;
      }),
    );
}

/** The slot a run serves: --slot (must be one of the schedule's), else the latest at or before now. */
export async function resolveSlot(
  job: { schedule: string; tz: string; cron: CronSemantics },
  arg: string | undefined,
  now: number,
): Promise<Date> {
  const { latestSlotAtOrBefore, nextSlotAfter } = await import('../schedule/slots.js');
  const { schedule, tz, cron } = job;
  if (!arg) {
    const slot = latestSlotAtOrBefore(schedule, tz, new Date(now), cron);
    if (!slot) throw new CliError(`schedule ${schedule} has no slot at or before now`, ExitCode.usage);
    return slot;
  }
  const t = timeFlag('--slot', arg, now);
  const before = latestSlotAtOrBefore(schedule, tz, t, cron);
  if (before && before.getTime() === t.getTime()) return t;
  // `--slot 2h` (or `now`) means the slot that was current then: a relative time is never exact
  const relative = !/^\s*\d{4}-\d{2}-\d{2}/.test(arg);
  if (relative && before) return before;
  const near = [before, nextSlotAfter(schedule, tz, t, cron)]
    .filter((d) => d !== undefined)
    .map((d) => d.toISOString())
    .join(' or ');
  throw new CliError(
    `--slot ${t.toISOString()} is not a slot of schedule "${schedule}" (${tz}); nearest: ${near || 'none'}`,
    ExitCode.usage,
  );
}
