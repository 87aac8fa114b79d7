/**
 * Builds the commander program. Each command lives in its own file and exports
 * `register(program)`; commands are imported lazily by name so a cron run loads only what it uses.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './common.js';
import { ExitCode } from '../exit-codes.js';

type Registrar = { register(program: Command): void };

/** name → module. Registering all is cheap; heavy imports happen inside action handlers. */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  backfill: () => import('./backfill.js'),
  breaker: () => import('./breaker.js'),
  drill: () => import('./drill.js'),
  generate: () => import('./generate.js'),
  init: () => import('./init.js'),
  postmortem: () => import('./postmortem.js'),
  probe: () => import('./probe.js'),
  run: () => import('./run.js'),
  sim: () => import('./sim.js'),
  serve: () => import('./serve.js'),
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command('lucy-ops')
    .description('Failover, circuit breaking, silent-gap detection and backfill for LLM cron jobs')
    .option('-c, --config <path>', 'config file (default: lucy-ops.config.* found from the working directory up)')
    .option('--json', 'one JSON document on stdout, nothing else there')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(str) });

  // Register every command (cheap: only option parsing lives in these files).
  const wanted = argv[2];
  const names = Object.keys(COMMANDS);
  const toLoad = wanted && names.includes(wanted) ? [wanted] : names;
  for (const name of toLoad) (await COMMANDS[name]()).register(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version are not errors
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return ExitCode.usage;
  }
  if (err instanceof CliError) {
    if (err.json !== undefined) process.stdout.write(JSON.stringify(err.json, null, 2) + '\n');
    process.stderr.write(`lucy-ops: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as { exitCode?: number; message?: string; stack?: string };
  if (typeof e?.exitCode === 'number') {
    process.stderr.write(`lucy-ops: ${e.message}\n`);
    return e.exitCode;
  }
  process.stderr.write(`lucy-ops: internal error: ${e?.stack ?? String(err)}\n`);
  return ExitCode.internal;
}
