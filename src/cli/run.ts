import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { alertLines, CliError, printJson } from './common.js';
import { jobOf } from './context.js';
import { timerDurationFlag } from './flags.js';
import { command } from './lifecycle.js';
import { resolveSlot } from './generate.js';

interface RunFlags {
  slot?: string;
  timeout?: string;
  /** Always set: the option has a default. */
  killAfter: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('run <job> [command...]')
    .description("run a cron command for one slot of a job: the job's lock, run.start/run.end records, alerts")
    .option(
      '--slot <time>',
      'the slot to serve: an ISO time that is a slot, or relative like 2h (the latest slot at or before then); default: the latest slot now',
    )
    .option('--timeout <duration>', 'end the command after this long (SIGTERM to its process group); exit 124')
    .option('--force', 'run even if the shared ledger (Redis) says another run already served this slot')
    .option(
      '--kill-after <duration>',
      'after --timeout, SIGKILL the group if it is still running this much later',
      '5s',
    )
    .addHelpText(
      'after',
      `
The command comes after --; without one, the job's configured command runs (in the config's folder).
Its stdout and stderr pass through live (under --json both go to stderr), and its environment has
LUCY_OPS_JOB, LUCY_OPS_SLOT (ISO), LUCY_OPS_RUN_ID and LUCY_OPS_TRIGGER.

Examples:
  # crontab: the sitemap job at 5 past every hour, logged and locked like every other job
  5 * * * *  cd /srv/app && . ./.lucy-ops.env && npx --no-install lucy-ops run sitemap --timeout 10m -- npm run sitemap
  lucy-ops run sitemap --timeout 10m
  lucy-ops run sitemap --slot 2026-04-19T14:05Z --json -- ./scripts/sitemap.sh

Exit codes: the command's own exit code; 128 + signal number when it was killed by a signal;
124 when --timeout ended it; 127 command not found, 126 not executable;
64 usage error; 75 this job and slot is already running (the command did not start); 78 configuration error.`,
    )
    .action(
      command(async (run, jobName: string, argv: string[], flags: RunFlags) => {
        const timeoutMs = flags.timeout === undefined ? undefined : timerDurationFlag('--timeout', flags.timeout);
        const killGraceMs = timerDurationFlag('--kill-after', flags.killAfter);
        const config = await run.config();
        const job = jobOf(config, jobName, 'command');
        if (!argv.length && !job.command.length) {
          throw new CliError(
            `job ${jobName} has no command: give one after -- or set jobs.${jobName}.command`,
            ExitCode.usage,
          );
        }
        const { runCommandSlot } = await import('../jobs/command.js');
        const alerts = alertLines();
        const ctx = await run.context(config, { alertLine: alerts.alertLine });
        const slot = await resolveSlot(job, flags.slot, ctx.clock.now());
        const result = await runCommandSlot(ctx, job, slot, {
          trigger: flags.slot ? 'manual' : 'cron',
          command: argv.length ? argv : undefined,
          timeoutMs: timeoutMs ?? job.deadlineMs,
          killGraceMs,
          stdio: run.json ? 'stderr' : 'inherit',
          force: flags.force,
        });
        const slotIso = slot.toISOString();
        if (run.json)
          printJson({
            job: jobName,
            slot: slotIso,
            status: result.status,
            exitCode: result.exitCode,
            durationMs: result.durationMs,
            ...(result.status === 'skipped' && !result.locked
              ? { reason: 'served', servedBy: result.fields?.servedBy ?? null }
              : {}),
          });
        const shown = async () =>
          (await import('./time-format.js')).viewTimes(ctx.clock.now(), config).at(slotIso, jobName);
        if (result.status === 'skipped' && !result.locked) {
          const on = typeof result.fields?.servedBy === 'string' ? ` on ${result.fields.servedBy}` : '';
          if (!run.json)
            process.stdout.write(
              `• ${jobName} ${await shown()} skipped: already served${on} (use --force to run again)\n`,
            );
        } else if (result.locked) {
          const holder = result.holder ? ` (${result.holder})` : '';
          run.stderr(`${jobName} ${await shown()} is already running in another process${holder}; skipped`);
        } else if (result.status === 'failed' && !alerts.alerted()) {
          const why = String(result.fields?.error ?? `exit code ${result.exitCode}`);
          run.stderr(`${jobName} ${await shown()} failed: ${why} (exit ${result.exitCode}, run ${result.runId})`);
        }
        return result.exitCode;
      }),
    );
}
