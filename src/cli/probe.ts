import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { printJson } from './common.js';
import { msFlag } from './flags.js';
import { command } from './lifecycle.js';

interface ProbeFlags {
  strict?: boolean;
  /** Always set: the option has a default. */
  timeout: string;
}

export function register(program: Command): void {
  const probe = program
    .command('probe')
    .description('live checks of the providers')
    .addHelpText(
      'after',
      '\nExamples:\n  lucy-ops probe providers\n  lucy-ops probe providers --json --strict   # CI smoke step',
    );
  probe
    .command('providers')
    .description(
      'one tiny real request (max_tokens 1) to every provider of the chain, concurrently, whatever its breaker says',
    )
    .option('--strict', 'exit 1 when any provider fails (default: only when none answers)')
    .option('--timeout <ms>', 'most each request may take (ms, or a duration like 5s)', '10000')
    .addHelpText(
      'after',
      `
A success closes an open breaker (it is a real observation), except one opened by
\`breaker trip\` whose time has not run out: that provider is still called, but its breaker
stays open and the output says until when (\`breaker reset\` closes it). A failure leaves
breakers alone.
A provider whose API key variable is unset or empty is reported as failed (errorType
missing-key, no request sent) and the command exits 78, as generate does: a CI step can tell
a missing secret from an outage. The other providers are still probed.
When it exits non-zero, each failed provider gets one line on stderr, whatever stdout is.
Every result is written to the job log as a \`probe\` record (job "probe").

Examples:
  lucy-ops probe providers                 # table: provider, model, ok, latency, status, error, breaker
  lucy-ops probe providers --json --strict # CI smoke step: exit 1 if any provider fails
  # crontab: every morning, a dead fallback mails one stderr line per failed provider
  0 7 * * *  cd /srv/app && . ./.lucy-ops.env && npx --no-install lucy-ops probe providers --strict >/dev/null

Exit codes: 0 at least one provider answered, 69 none answered, 1 (--strict) any failed,
64 usage error, 78 configuration error (also an API key variable unset or empty; it wins
over 69 and 1).`,
    )
    .action(
      command(async (run, flags: ProbeFlags) => {
        const timeoutMs = msFlag('--timeout', flags.timeout);
        const config = await run.config();
        const { probeProviders } = await import('../probe/probe.js');
        const ctx = await run.context(config);
        run.closeProviders();
        // Ctrl-C ends the requests at once: they are reported as failed, as any failure is
        const interrupt = await run.interrupts();
        const results = await probeProviders(ctx, { timeoutMs, signal: interrupt.signal });
        interrupt.dispose();
        const code = probeExitCode(results, flags.strict);
        if (run.json) printJson({ providers: results });
        // the failures' lines go to stderr below: the table does not repeat them
        else (await import('./probe-view.js')).printProbe(results, { errorLines: code === ExitCode.ok });
        // one line per failed provider on stderr whatever happens to stdout (a crontab's
        // >/dev/null, a CI's > probe.json): cron mails them, a CI log shows them
        if (code !== ExitCode.ok)
          for (const r of results.filter((one) => !one.ok))
            run.stderr(`probe: ${r.provider} failed (${r.errorType ?? 'error'}): ${r.error ?? 'no answer'}`);
        return code;
      }),
    );
}

/** 78 for a missing key (a secret, not an outage), else 69 when none answered, 1 under --strict when any failed. */
export function probeExitCode(results: Array<{ ok: boolean; errorType?: string }>, strict = false): number {
  if (results.some((r) => r.errorType === 'missing-key')) return ExitCode.config;
  const answered = results.filter((r) => r.ok).length;
  if (answered === 0) return ExitCode.unavailable;
  return strict && answered < results.length ? ExitCode.failed : ExitCode.ok;
}
