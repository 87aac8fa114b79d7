/**
 * The life of one command, the same for all of them: read the global options, load the config,
 * open the job context or the state store, catch SIGINT/SIGTERM for the work, write warnings to
 * stderr, set the exit code, and close what was opened (job log, state store, provider
 * connections) whatever happens. A command's file only parses its options and says what to do:
 *
 *   .action(command(async (run, jobName: string, flags: Flags) => { ...; return ExitCode.ok; }))
 *
 * An error thrown by the work reaches `exitCodeFor` (through main) after the cleanup has run.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import type { ResolvedConfig } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import type { JobContext } from '../jobs/context.js';
import type { StateStore } from '../state/types.js';
import { CliError, globalOpts, jsonPrinted, printJson, setExit, stdoutColor } from './common.js';
import type { Interrupt } from './interrupt.js';

type ContextOptions = NonNullable<Parameters<typeof import('../jobs/context.js').openJobContext>[1]>;

export interface CommandRun {
  readonly cmd: Command;
  /** --json: stdout carries one JSON document and nothing else. */
  readonly json: boolean;
  /** Colour in a view written to stdout: a terminal, and neither NO_COLOR nor --no-color. */
  readonly color: boolean;
  /**
   * The config named by --config (or found from the working directory up); exit 78 when it is bad.
   * Its warnings (doubts, not errors) go to stderr on a terminal, or always with `warnings: true`
   * (checks a person runs by hand, such as --dry-run): a crontab line whose config is deliberate
   * must not mail the same doubt every hour.
   */
  config(opts?: { warnings?: boolean }): Promise<ResolvedConfig>;
  /** The job context (clock, store, log) for this config; its log and store close when the command ends. */
  context(config: ResolvedConfig, opts?: ContextOptions): Promise<JobContext>;
  /**
   * The state store opened read-only (on-call views: nothing created, locked or written, so anyone
   * who can read the state may run them); closed when the command ends.
   */
  readStore(config: ResolvedConfig): Promise<StateStore>;
  /** SIGINT/SIGTERM abort the work from here on (see interrupt.ts); stops listening when the command ends. */
  interrupts(): Promise<Interrupt>;
  /** Close the providers' shared HTTP connections when the command ends (commands that send requests). */
  closeProviders(): void;
  /** Run this when the command ends, after the work, in the order registered. */
  onCleanup(fn: () => unknown): void;
  /** "lucy-ops: warning: <message>" on stderr. */
  warn(message: string): void;
  /** "lucy-ops: <line>" on stderr. */
  stderr(line: string): void;
}

/** Wraps a command's work as a commander action: the work returns its exit code (or sets none: 0). */
export function command<Args extends unknown[]>(
  work: (run: CommandRun, ...args: Args) => Promise<number | void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    // commander calls an action with the positional arguments, the options, then the command
    const cmd = args[args.length - 1] as Command;
    const life = new Lifecycle(cmd);
    let code: number | void;
    try {
      code = await work(life, ...(args.slice(0, -1) as Args));
    } catch (err) {
      // the work's error is the one to report; a cleanup that fails after it only adds a warning
      await life.end().catch((cleanupErr: unknown) => life.warn(`while stopping: ${String(cleanupErr)}`));
      throw err;
    }
    await life.end();
    if (code !== undefined) setExit(code);
  };
}

class Lifecycle implements CommandRun {
  readonly json: boolean;
  readonly color: boolean;
  private readonly cleanups: Array<() => unknown> = [];
  private interrupt: Interrupt | undefined;
  private loaded: ResolvedConfig | undefined;

  constructor(readonly cmd: Command) {
    this.json = Boolean(globalOpts(cmd).json);
    this.color = stdoutColor(cmd);
  }

  async config(opts: { warnings?: boolean } = {}): Promise<ResolvedConfig> {
    if (this.loaded) return this.loaded;
    const { loadConfig } = await import('../config/load.js');
    const config = await loadConfig(globalOpts(this.cmd).config);
    // every command that reads a config can print or log outside text (an alert command's stderr,
    // a provider's error): each scrub from here on blanks the configured secrets, job run or not
    const [{ addKnownSecrets }, { secretValues }] = await Promise.all([
      import('../log/scrub.js'),
      import('../jobs/secrets.js'),
    ]);
    addKnownSecrets(secretValues(config, process.env));
    if (opts.warnings ?? process.stderr.isTTY) for (const warning of config.warnings ?? []) this.warn(warning);
    this.loaded = config;
    return config;
  }

  async context(config: ResolvedConfig, opts?: ContextOptions): Promise<JobContext> {
    const { openJobContext } = await import('../jobs/context.js');
    const ctx = await openJobContext(config, opts);
    this.onCleanup(async () => {
      ctx.log.close();
      await ctx.store.close();
    });
    return ctx;
  }

  async readStore(config: ResolvedConfig): Promise<StateStore> {
    const { openStateStore } = await import('../state/open-store.js');
    const store = await openStateStore(config, { readOnly: true, onWarning: (m) => this.warn(m) });
    this.onCleanup(() => store.close());
    return store;
  }

  async interrupts(): Promise<Interrupt> {
    if (!this.interrupt) {
      const { catchInterrupts } = await import('./interrupt.js');
      this.interrupt = catchInterrupts();
    }
    return this.interrupt;
  }

  closeProviders(): void {
    this.onCleanup(async () => (await import('../providers/registry.js')).defaultProviders.close());
  }

  onCleanup(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  warn(message: string): void {
    this.stderr(`warning: ${message}`);
  }

  stderr(line: string): void {
    process.stderr.write(`lucy-ops: ${line}\n`);
  }

  /** Every cleanup runs, even after one fails; the first failure is thrown once all have run. */
  async end(): Promise<void> {
    this.interrupt?.dispose();
    let failure: { err: unknown } | undefined;
    for (const fn of this.cleanups.splice(0)) {
      try {
        await fn();
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }
}

/**
 * The exit code for an error that ended a command (or its parsing), with its one stderr line;
 * under --json, stdout still gets one document (`{"error": {message, exitCode}}`). `ownArgs`: the
 * command line up to a `--` (what follows belongs to `run`'s command).
 */
export function exitCodeFor(err: unknown, ownArgs: string[]): number {
  const code = codeAndMessage(err);
  // (--help and --version end here too, with exit code 0: they are not errors)
  if (ownArgs.includes('--json') && !jsonPrinted() && code !== ExitCode.ok) {
    const missingCommand = err instanceof CommanderError && err.code === 'commander.help';
    const message = missingCommand
      ? 'a command is missing (the list is in the help on stderr)'
      : err instanceof Error
        ? err.message.replace(/^error: /, '').trim()
        : String(err);
    printJson({ error: { message, exitCode: code } });
  }
  return code;
}

function codeAndMessage(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version are not errors; help shown because a subcommand is missing is (exitCode 1)
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    if (err.code === 'commander.help') return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return ExitCode.usage;
  }
  if (err instanceof CliError) {
    if (err.json !== undefined) printJson(err.json);
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
