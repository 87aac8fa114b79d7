/**
 * Builds the commander program. Each command lives in its own file and exports
 * `register(program)`; commands are imported lazily by name so a cron run loads only what it uses.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { globalOpts, printJson } from './common.js';
import { exitCodeFor } from './lifecycle.js';

type Registrar = { register(program: Command): void };

/** name → module. Registering all is cheap; heavy imports happen inside action handlers. */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  backfill: () => import('./backfill.js'),
  breaker: () => import('./breaker.js'),
  completion: () => import('./completion.js'),
  drill: () => import('./drill.js'),
  generate: () => import('./generate.js'),
  init: () => import('./init.js'),
  postmortem: () => import('./postmortem.js'),
  probe: () => import('./probe.js'),
  run: () => import('./run.js'),
  sim: () => import('./sim.js'),
  serve: () => import('./serve.js'),
  status: () => import('./status.js'),
};

export async function main(argv: string[]): Promise<void> {
  // `lucy-ops ... | head`: a reader that leaves early is not a crash (the work still finishes)
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
  const ownArgs = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv; // not `run`'s command
  // chalk ignores NO_COLOR (https://no-color.org); only pay for chalk when colour is turned off
  if (process.env.NO_COLOR || ownArgs.includes('--no-color')) (await import('chalk')).default.level = 0;
  // `--version --json`: a machine asking, so a JSON document (commander's --version prints text)
  if (
    ownArgs.includes('--json') &&
    ownArgs.slice(2).every((a) => a.startsWith('-')) &&
    ownArgs.some((a) => a === '--version' || a === '-V')
  ) {
    printJson({ name: 'lucy-ops', version: packageVersion(), node: process.versions.node });
    return;
  }
  const program = new Command('lucy-ops')
    .description('Failover, circuit breaking, silent-gap detection and backfill for LLM cron jobs')
    .option('-c, --config <path>', 'config file (default: lucy-ops.config.* found from the working directory up)')
    .option('--json', 'one JSON document on stdout, nothing else there')
    .option('--no-color', 'no colour in human output (as NO_COLOR=1 does)')
    .option(
      '--tz <zone>',
      "zone of human output's times: local, UTC or e.g. Europe/Berlin (default: a job's slots in its tz, else UTC)",
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  npx lucy-ops init && npx lucy-ops probe providers   # a new project: config, crontab, live check
  npx lucy-ops generate blog                          # what the crontab line runs every hour
  npx lucy-ops postmortem gaps --since 6h             # what did not run, and why
  npx lucy-ops drill                                  # rehearse an outage offline
  npx lucy-ops <command> --help                       # each command's options and examples

Exit codes: 0 done, 1 the work failed, 64 usage error, 69 no provider could serve,
75 the same job and slot is already running, 78 configuration error.`,
    )
    // every command's --help lists --config, --json and --no-color too
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(str) });
  // a zone nobody knows is a usage error before any work, whatever the command prints
  program.hook('preAction', async (_, action) => {
    const { tz } = globalOpts(action);
    if (tz !== undefined) (await import('./time-format.js')).chooseDisplayZone(tz);
  });

  // Register every command (cheap: only option parsing lives in these files).
  const wanted = argv[2];
  const names = Object.keys(COMMANDS);
  // `completion` describes every command, so it needs them all
  const toLoad = wanted && names.includes(wanted) && wanted !== 'completion' ? [wanted] : names;
  for (const name of toLoad) (await COMMANDS[name]()).register(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err, ownArgs);
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}
