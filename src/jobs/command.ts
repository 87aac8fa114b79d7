/**
 * Command jobs: run any cron command for one slot under the same discipline as a generation run
 * (lock per job+slot, run.start/run.end records, alerts), the way runitor/cronitor wrap commands:
 * exit code passed back (128 + signal number when killed), SIGINT/SIGTERM/SIGHUP forwarded to the
 * child's whole process group, a tail of the output kept for the record, an optional timeout.
 */
import { constants as osConstants } from 'node:os';
import type { CommandJob } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import type { Trigger } from '../log/types.js';
import { scrubSecrets } from '../log/scrub.js';
import { secretValues, type JobContext } from './context.js';
import { OutputTail } from './output-tail.js';
import { runSlot } from './run-slot.js';
import { servedEntry } from './shared-ledger.js';
import type { RunHandle, SlotRunResult, WorkResult } from './types.js';

/** Exit code when --timeout ended the command (as timeout(1) does). */
export const TIMEOUT_EXIT = 124;
/** Exit codes of a command that could not start, as a shell reports them. */
export const NOT_FOUND_EXIT = 127;
export const NOT_EXECUTABLE_EXIT = 126;
/** Grace between SIGTERM and SIGKILL when a timeout or abort ends the command. */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** How long to wait, once the command exited, for descendants still holding its output pipes. */
const DRAIN_MS = 1000;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface CommandRunOptions {
  trigger: Trigger;
  /** argv to run; default the job's configured `command`. */
  command?: string[];
  /** Working directory; default the config's folder for the configured command, else process.cwd(). */
  cwd?: string;
  /** Kill the command's group after this long (SIGTERM, then SIGKILL after killGraceMs). */
  timeoutMs?: number;
  killGraceMs?: number;
  /**
   * Where the command's output goes (a tail is kept for the log in every case):
   * 'inherit' its stdout to ours and stderr to ours; 'stderr' both to our stderr (keeps our stdout
   * for --json); 'quiet' nowhere.
   */
  stdio: 'inherit' | 'stderr' | 'quiet';
  /** Forward SIGINT/SIGTERM/SIGHUP received by this process to the command's group. Default true. */
  forwardSignals?: boolean;
  /** Aborting ends the command like a timeout does (SIGTERM, then SIGKILL). */
  signal?: AbortSignal;
  /** Run even when the shared ledger says another run (on any host) served the slot. */
  force?: boolean;
}

export interface CommandSlotResult extends SlotRunResult {
  /** What `lucy-ops run` exits with: the command's code, 128+signal, 124, 126, 127, or 75 when locked. */
  exitCode: number;
  signal?: string;
  timedOut: boolean;
}

/** The outcome of one command execution, before it becomes a log record. */
interface Execution {
  exitCode: number;
  signal?: string;
  timedOut: boolean;
  aborted: boolean;
  forwarded?: string;
  error?: string;
}

export async function runCommandSlot(
  ctx: JobContext,
  job: CommandJob,
  slot: Date,
  opts: CommandRunOptions,
): Promise<CommandSlotResult> {
  const argv = opts.command?.length ? opts.command : job.command;
  if (!argv?.length)
    throw new Error(`job ${job.name} has no command: give one after -- or set jobs.${job.name}.command`);
  const cwd = opts.cwd ?? (opts.command?.length ? process.cwd() : ctx.config.configDir || process.cwd());
  const secrets = secretValues(ctx.config, ctx.env);

  const result = await runSlot(
    ctx,
    job.name,
    slot,
    opts.trigger,
    async (run): Promise<WorkResult<Execution>> => {
      // a fleet: another host may have served this slot (the shared ledger); a command has no output
      // file of its own to find, so the ledger is the only record that it ran
      const elsewhere = opts.force ? undefined : await servedEntry(ctx, job.name, run.slot);
      if (elsewhere)
        return {
          status: 'skipped',
          reason: 'served',
          fields: { servedBy: elsewhere.host, servedRunId: elsewhere.runId },
        };
      const tail = new OutputTail();
      // the lock outlives this process while the command's group runs (a kill -9 of lucy-ops run)
      const execution = await execute(argv, cwd, childEnv(ctx, run), tail, opts, (group) => run.holdForGroup?.(group));
      const outputTail = scrubSecrets(tail.text(), secrets);
      const ok = execution.exitCode === 0 && !execution.timedOut && !execution.aborted;
      return {
        status: ok ? 'ok' : 'failed',
        fields: {
          command: argv.map((a) => scrubSecrets(a, secrets)),
          exitCode: execution.exitCode,
          ...(execution.signal ? { signal: execution.signal } : {}),
          ...(execution.timedOut ? { timedOut: true } : {}),
          ...(execution.forwarded ? { forwardedSignal: execution.forwarded } : {}),
          ...(opts.force ? { forced: true } : {}),
          ...(ok
            ? {}
            : { error: scrubSecrets(execution.error ?? describeFailure(execution, opts.timeoutMs), secrets) }),
          outputTail,
        },
        value: execution,
      };
    },
    opts.timeoutMs,
  );

  const { value: execution, ...slotRun } = result;
  if (slotRun.status === 'skipped' && !slotRun.locked) return { ...slotRun, exitCode: ExitCode.ok, timedOut: false };
  if (slotRun.locked || !execution) {
    return { ...slotRun, exitCode: slotRun.locked ? ExitCode.tempfail : ExitCode.failed, timedOut: false };
  }
  return { ...slotRun, exitCode: execution.exitCode, signal: execution.signal, timedOut: execution.timedOut };
}

function childEnv(ctx: JobContext, run: RunHandle): Record<string, string | undefined> {
  return {
    ...ctx.env,
    LUCY_OPS_JOB: run.job,
    LUCY_OPS_SLOT: run.slot,
    LUCY_OPS_RUN_ID: run.runId,
    LUCY_OPS_TRIGGER: run.trigger,
  };
}

async function execute(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  tail: OutputTail,
  opts: CommandRunOptions,
  onGroup?: (group: number) => void,
): Promise<Execution> {
  const { execa } = await import('execa');
  const child = execa(argv[0], argv.slice(1), {
    cwd,
    env,
    extendEnv: false,
    // its own process group (and session), so a signal reaches every process it started
    detached: true,
    cleanup: false,
    reject: false,
    buffer: false,
    stdin: 'inherit',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  // never an unhandled rejection, whichever way the run ends
  const settled = child.then(
    (r) => r,
    (err) => err as { failed: true; code?: string; originalMessage?: string; message?: string },
  );

  const pid = child.pid;
  // detached: the child leads its own process group, whose id is its pid
  if (pid !== undefined) onGroup?.(pid);
  // listen now: 'close' can follow 'exit' before an await continuation could attach to it
  const closed = onceClose(child);
  const exitedEvent = onceExit(child);
  const outs = routeOutput(child.stdout, child.stderr, tail, opts.stdio);
  const state: { timedOut: boolean; aborted: boolean; forwarded?: string } = { timedOut: false, aborted: false };
  const timers: NodeJS.Timeout[] = [];
  let exited = false;

  const killGroup = (sig: NodeJS.Signals) => {
    if (pid === undefined || exited) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  const terminate = () => {
    killGroup('SIGTERM');
    timers.push(setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    state.forwarded = sig;
    killGroup(sig);
  };
  const onAbort = () => {
    state.aborted = true;
    terminate();
  };

  if (pid !== undefined) {
    if (opts.forwardSignals !== false) for (const sig of FORWARDED_SIGNALS) process.on(sig, onSignal);
    if (opts.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          state.timedOut = true;
          terminate();
        }, opts.timeoutMs),
      );
    }
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  }

  try {
    const exit = await Promise.race([
      settled.then((r) => ({ kind: 'settled' as const, r })),
      exitedEvent.then((e) => ({ kind: 'exit' as const, ...e })),
    ]);
    exited = true;
    if (exit.kind === 'settled') {
      const r = exit.r as {
        exitCode?: number;
        signal?: string;
        failed?: boolean;
        code?: string;
        originalMessage?: string;
        message?: string;
      };
      if (r.exitCode === undefined && !r.signal) return { ...state, ...startFailure(argv[0], r) };
      return {
        ...state,
        ...fromExit(r.exitCode ?? null, (r.signal as NodeJS.Signals | undefined) ?? null, state.timedOut),
      };
    }
    // exited, but a descendant may still hold the pipes open: read what comes soon, then let go
    await Promise.race([closed, new Promise((resolve) => timers.push(setTimeout(resolve, DRAIN_MS)))]);
    outs.detach();
    child.stdout?.destroy();
    child.stderr?.destroy();
    return { ...state, ...fromExit(exit.code, exit.signal, state.timedOut) };
  } finally {
    exited = true;
    for (const t of timers) clearTimeout(t);
    for (const sig of FORWARDED_SIGNALS) process.off(sig, onSignal);
    opts.signal?.removeEventListener('abort', onAbort);
    outs.detach();
  }
}

function onceExit(
  child: import('node:child_process').ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function onceClose(child: import('node:child_process').ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()));
}

function fromExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  timedOut: boolean,
): Pick<Execution, 'exitCode' | 'signal'> {
  if (timedOut) return { exitCode: TIMEOUT_EXIT, ...(signal ? { signal } : {}) };
  if (signal) return { exitCode: 128 + (osConstants.signals[signal] ?? 0), signal };
  return { exitCode: code ?? 1 };
}

function startFailure(
  file: string,
  r: { code?: string; originalMessage?: string; message?: string },
): Pick<Execution, 'exitCode' | 'error'> {
  if (r.code === 'ENOENT')
    return {
      exitCode: NOT_FOUND_EXIT,
      error: `command not found: ${file} (not on PATH, or the working directory does not exist)`,
    };
  if (r.code === 'EACCES')
    return { exitCode: NOT_EXECUTABLE_EXIT, error: `command not executable: ${file} (permission denied)` };
  return {
    exitCode: NOT_FOUND_EXIT - 1,
    error: `command could not start: ${file}: ${r.originalMessage ?? r.message ?? r.code ?? 'unknown error'}`,
  };
}

function describeFailure(e: Execution, timeoutMs?: number): string {
  if (e.timedOut) return `timed out after ${timeoutMs} ms${e.signal ? ` (ended by ${e.signal})` : ''}`;
  if (e.aborted) return `aborted${e.signal ? ` (ended by ${e.signal})` : ''}`;
  if (e.signal) return `killed by ${e.signal}${e.forwarded ? ` (forwarded from lucy-ops)` : ''}`;
  return `exited with code ${e.exitCode}`;
}

interface OutputRoute {
  detach(): void;
}

/** Copies the command's output to where it should go, live, with backpressure, and into the tail. */
function routeOutput(
  stdout: NodeJS.ReadableStream | null,
  stderr: NodeJS.ReadableStream | null,
  tail: OutputTail,
  mode: CommandRunOptions['stdio'],
): OutputRoute {
  const links: Array<() => void> = [];
  const link = (src: NodeJS.ReadableStream | null, dest: NodeJS.WritableStream | undefined) => {
    if (!src) return;
    let broken = false;
    const onDestError = () => {
      // our own output went away (a closed pipe): keep the command running, keep the tail
      broken = true;
      src.resume();
    };
    const onData = (chunk: Buffer) => {
      tail.push(chunk);
      if (!dest || broken) return;
      if (!dest.write(chunk)) {
        src.pause();
        dest.once('drain', () => src.resume());
      }
    };
    const onSrcError = () => {};
    dest?.on('error', onDestError);
    src.on('error', onSrcError);
    src.on('data', onData);
    links.push(() => {
      dest?.off('error', onDestError);
      src.off('data', onData);
    });
  };
  const out = mode === 'inherit' ? process.stdout : mode === 'stderr' ? process.stderr : undefined;
  const err = mode === 'quiet' ? undefined : process.stderr;
  link(stdout, out);
  link(stderr, err);
  return {
    detach: () => {
      for (const unlink of links.splice(0)) unlink();
    },
  };
}
