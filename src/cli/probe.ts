import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { globalOpts, printJson, setExit } from './common.js';
import { configFor } from './context.js';
import { msFlag } from './flags.js';

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
A provider whose API key variable is not set is reported as failed (errorType missing-key).
Every result is written to the job log as a \`probe\` record (job "probe").

Examples:
  lucy-ops probe providers                 # table: provider, model, ok, latency, status, error, breaker
  lucy-ops probe providers --json --strict # CI smoke step: exit 1 if any provider fails

Exit codes: 0 at least one provider answered, 69 none answered, 1 (--strict) any failed,
64 usage error, 78 configuration error.`,
    )
    .action(async (flags: ProbeFlags, cmd: Command) => {
      const { json } = globalOpts(cmd);
      const timeoutMs = msFlag('--timeout', flags.timeout);
      const config = await configFor(cmd);
      const { openJobContext } = await import('../jobs/context.js');
      const { probeProviders } = await import('../probe/probe.js');
      const ctx = await openJobContext(config);
      try {
        // Ctrl-C ends the requests at once: they are reported as failed, as any failure is
        const interrupt = (await import('./interrupt.js')).catchInterrupts();
        const results = await probeProviders(ctx, { timeoutMs, signal: interrupt.signal });
        interrupt.dispose();
        if (json) printJson({ providers: results });
        else (await import('../probe/view.js')).printProbe(results);
        const answered = results.filter((r) => r.ok).length;
        const code =
          answered === 0
            ? ExitCode.unavailable
            : flags.strict && answered < results.length
              ? ExitCode.failed
              : ExitCode.ok;
        if (code !== ExitCode.ok) {
          // one line on stderr whatever happens to stdout (a crontab's >/dev/null): cron mails it
          const failed = results.filter((r) => !r.ok).map((r) => `${r.provider} (${r.errorType ?? 'failed'})`);
          process.stderr.write(
            `lucy-ops: probe: ${answered} of ${results.length} provider(s) answered; failed: ${failed.join(', ')}\n`,
          );
        }
        setExit(code);
      } finally {
        ctx.log.close();
        await ctx.store.close();
        const { closeProviderAgent } = await import('../providers/openai-compatible.js');
        await closeProviderAgent();
      }
    });
}
