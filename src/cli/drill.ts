import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError, printJson } from './common.js';
import { command } from './lifecycle.js';

interface DrillFlags {
  keep?: string;
  report?: string;
}

export function register(program: Command): void {
  program
    .command('drill')
    .description(
      'rehearse the April 19 outage on built-in simulated providers (offline, no config, no keys); a self-test',
    )
    .option(
      '--keep <dir>',
      'keep the artefacts (configs, state, job logs, generated files) in this new or empty folder',
    )
    .option(
      '--report <dir>',
      "write act 1's and act 2's incident reports here (drill-before.html/.md, drill-after.html/.md)",
    )
    .addHelpText(
      'after',
      `
Three acts on one simulated afternoon (2026-04-19, 13:00-16:00 UTC; deepseek-v3 down 14:14-14:59):
  1. before: the primary alone, as on April 19: runs fail, nothing alerts, postmortem gaps finds the incident
  2. after:  the chain with its breaker and alerts: fallbacks serve, the breaker saves requests, no gap
  3. backfill fills act 1's gap exactly once; a second backfill does nothing

Its times are UTC (--tz other than UTC is refused: 64).
It ignores your config (--config is accepted and ignored) and touches nothing of yours:
everything lives in a temporary folder, removed at the end unless --keep is given.

Examples:
  npx lucy-ops drill
  npx lucy-ops drill --json | jq '.numbers'
  npx lucy-ops drill --report .        # drill-before.html and drill-after.html, side by side
  npx lucy-ops drill --keep /tmp/drill && npx lucy-ops postmortem gaps --config /tmp/drill/after/lucy-ops.config.json --since 2026-04-19T13:00Z --until 2026-04-19T16:00Z

Exit codes: 0 every act behaved as expected, 1 a check failed (named on stderr), 64 usage error.`,
    )
    .action(
      command(async (run, flags: DrillFlags) => {
        // the rehearsal tells a fixed UTC afternoon and checks it against UTC times: a --tz that
        // would be silently ignored is refused instead
        const zone = (await import('./time-format.js')).chosenDisplayZone();
        if (zone !== undefined && zone !== 'UTC')
          throw new CliError(
            `--tz ${zone}: the drill tells the April 19 afternoon in UTC only (leave out --tz, or use --tz UTC)`,
            ExitCode.usage,
          );
        const { runDrill, keepDirProblem } = await import('../drill/run.js');
        if (flags.keep !== undefined) {
          const problem = keepDirProblem(flags.keep);
          if (problem) throw new CliError(`--keep: ${problem}`, ExitCode.usage);
        }
        if (flags.report !== undefined) {
          const fs = await import('node:fs');
          if (fs.existsSync(flags.report) && !fs.statSync(flags.report).isDirectory())
            throw new CliError(`--report: ${flags.report} exists and is not a folder`, ExitCode.usage);
        }
        const progress = !run.json && process.stderr.isTTY;
        const report = await runDrill({
          keep: flags.keep,
          report: flags.report,
          onAct: progress
            ? (act) => process.stderr.write(`\r\x1b[2Kdrill: ${act.name} done${act.ok ? '' : ' (with failed checks)'}`)
            : undefined,
        });
        if (progress) process.stderr.write('\r\x1b[2K');
        if (run.json) printJson(report);
        else {
          const { renderDrill } = await import('../drill/report.js');
          process.stdout.write(renderDrill(report, { color: run.color }));
        }
        if (!report.ok) run.stderr(`drill failed: ${report.failedChecks.join('; ')}`);
        return report.ok ? ExitCode.ok : ExitCode.failed;
      }),
    );
}
