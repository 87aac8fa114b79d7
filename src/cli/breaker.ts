import type { Command } from 'commander';
import type { ResolvedConfig } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import type { JobContext } from '../jobs/context.js';
import { CliError, printJson, say } from './common.js';
import { positiveDurationFlag } from './flags.js';
import { command, type CommandRun } from './lifecycle.js';

export function register(program: Command): void {
  const breaker = program
    .command('breaker')
    .description('read or change circuit breaker state (shared by every process through the state store)')
    .addHelpText(
      'after',
      `
Examples:
  lucy-ops breaker status
  lucy-ops breaker trip deepseek-v3 --for 2h   # planned maintenance: runs skip it for 2 hours
  lucy-ops breaker reset deepseek-v3           # close it now
  lucy-ops breaker reset --all                 # close every breaker

Changes are written to the job log as breaker.open / breaker.close records with by: "manual".`,
    );

  breaker
    .command('status')
    .description('every provider: state, consecutive failures, when it opened, when it will be retried, last error')
    .addHelpText(
      'after',
      '\nExamples:\n  lucy-ops breaker status\n  lucy-ops breaker status --json --config /srv/app/lucy-ops.config.ts',
    )
    .action(
      command(async (run) => {
        // only reads: no lock, no log, no folder created, so any user who can read the state may run it
        const config = await run.config();
        const [{ breakerBoard }, { clockFromEnv }] = await Promise.all([
          import('../engine/breaker-board.js'),
          import('../clock.js'),
        ]);
        const clock = clockFromEnv();
        const store = await run.readStore(config);
        await show({ config, store, clock }, run.json, breakerBoard(config, store, clock));
      }),
    );

  breaker
    .command('reset [providers...]')
    .description('close the named breakers, or every one with --all')
    .option('--all', 'close every breaker, including ones tripped by hand for maintenance')
    .addHelpText(
      'after',
      '\nExamples:\n  lucy-ops breaker reset deepseek-v3            # the provider is back\n  lucy-ops breaker reset deepseek-v3 qwen-72b\n  lucy-ops breaker reset --all                  # close every breaker (hand trips too)\n\nWith neither names nor --all it changes nothing and exits 64: a bare reset must not end a\nmaintenance trip by accident.',
    )
    .action(
      command(async (run, providers: string[], flags: { all?: boolean }) => {
        if (providers.length === 0 && !flags.all)
          throw new CliError(
            'breaker reset: name the providers to close (e.g. `lucy-ops breaker reset deepseek-v3`), or give --all to close every breaker; `lucy-ops breaker status` lists them',
            ExitCode.usage,
          );
        if (providers.length > 0 && flags.all)
          throw new CliError('breaker reset: give provider names or --all, not both', ExitCode.usage);
        await withBoard(run, async ({ ctx, json, board, log }) => {
          for (const provider of providers) knownProvider(ctx.config, provider);
          const changed: Transition[] = [];
          if (flags.all) changed.push(...(await board.reset()));
          else for (const provider of new Set(providers)) changed.push(...(await board.reset(provider)));
          for (const t of changed) log('breaker.close', { provider: t.provider, from: t.from, by: 'manual' });
          const what = flags.all ? 'every breaker' : providers.join(', ');
          say(
            (changed.length
              ? `closed: ${changed.map((t) => `${t.provider} (was ${t.from})`).join(', ')}`
              : `${what}: already closed (failure counts reset)`) + hostOnly(ctx),
            json,
          );
          await show(ctx, json, board, { changed });
        });
      }),
    );

  breaker
    .command('trip <provider>')
    .description('open a breaker by hand (planned maintenance); runs skip the provider until it is due for a trial')
    .option('--for <duration>', 'how long it stays open, e.g. 10m, 2h (default: breaker.cooldownMs)')
    .addHelpText(
      'after',
      '\nExamples:\n  lucy-ops breaker trip deepseek-v3 --for 2h   # planned maintenance: skip it, zero requests\n  lucy-ops breaker trip qwen-72b --json',
    )
    .action(
      command(async (run, provider: string, flags: { for?: string }) => {
        await withBoard(run, async ({ ctx, json, board, log }) => {
          knownProvider(ctx.config, provider);
          const forMs =
            flags.for === undefined ? ctx.config.breaker.cooldownMs : positiveDurationFlag('--for', flags.for);
          const t = await board.trip(provider, forMs);
          const view = await board.view(provider);
          log('breaker.open', { provider, from: t.from, by: 'manual', forMs, retryAt: view.retryAt });
          const until = view.retryAt
            ? (await import('./time-format.js')).viewTimes(ctx.clock.now()).until(view.retryAt)
            : '?';
          say(
            `${provider}: breaker open until ${until} (tripped by hand; \`lucy-ops breaker reset ${provider}\` closes it)${hostOnly(ctx)}`,
            json,
          );
          await show(ctx, json, board, { changed: [t] });
        });
      }),
    );
}

type Board = import('../engine/breaker-board.js').BreakerBoard;
type Transition = import('../engine/breaker.js').Transition;
type Log = (event: string, fields: Record<string, unknown>) => void;

async function withBoard(
  run: CommandRun,
  fn: (a: { ctx: JobContext; json: boolean; board: Board; log: Log }) => Promise<void>,
): Promise<void> {
  const config = await run.config();
  const { openBreakers } = await import('../engine/breaker-board.js');
  const { newRunId } = await import('../log/writer.js');
  const ctx = await run.context(config);
  // a hand change is a run of its own, like a probe: no slot, so scheduledFor is when it was made
  const now = ctx.clock.now();
  const runLog = ctx.log.forRun({
    job: 'breaker',
    runId: newRunId(now),
    scheduledFor: new Date(now).toISOString(),
    trigger: 'manual',
  });
  const log: Log = (event, fields) => runLog(event, fields, event === 'breaker.open' ? 'warn' : 'info');
  await fn({ ctx, json: run.json, board: openBreakers(ctx), log });
}

async function show(
  ctx: Pick<JobContext, 'config' | 'store' | 'clock'>,
  json: boolean,
  board: Board,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const views = await board.views(ctx.config.providers.map((p) => p.name));
  const fallback = ctx.store.fallback;
  const store = { kind: ctx.store.kind, where: ctx.store.where, ...(fallback ? { fallback } : {}) };
  if (json) return printJson({ providers: views, store, ...extra });
  const [{ printBreakers }, { viewTimes }] = await Promise.all([import('./probe-view.js'), import('./time-format.js')]);
  printBreakers(views, store, viewTimes(ctx.clock.now()));
}

/** A hand change made while Redis is down lands in this host's file store only: say so where it is confirmed. */
function hostOnly(ctx: JobContext): string {
  const fallback = ctx.store.fallback;
  return fallback
    ? ' (ON THIS HOST ONLY: the shared Redis store is unavailable, so other hosts do not see this change; repeat it once Redis is back)'
    : '';
}

function knownProvider(config: ResolvedConfig, name: string): void {
  if (config.providers.some((p) => p.name === name)) return;
  const known = config.providers.map((p) => p.name).join(', ');
  throw new CliError(
    `unknown provider ${JSON.stringify(name)}; providers in ${config.configPath || 'the config'}: ${known}`,
    ExitCode.usage,
  );
}
