import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../exit-codes.js';
import { CliError } from './common.js';
import { command, exitCodeFor, type CommandRun } from './lifecycle.js';

/** A program with one command `go [name]` whose action is `action`; parse `argv` (after the program name). */
async function runProgram(action: (...args: unknown[]) => Promise<void>, argv: string[]): Promise<void> {
  const program = new Command('t').option('--json').option('--no-color').exitOverride();
  program.command('go [name]').option('--flag <v>').action(action);
  await program.parseAsync(['node', 't', ...argv]);
}

let stderr: string[];
beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('command()', () => {
  it('passes the positional arguments and options, and sets the exit code the work returns', async () => {
    let seen: unknown[] = [];
    await runProgram(
      command(async (_run, name: string | undefined, flags: { flag?: string }) => {
        seen = [name, flags.flag];
        return ExitCode.unavailable;
      }),
      ['go', 'blog', '--flag', 'x'],
    );
    expect(seen).toEqual(['blog', 'x']);
    expect(process.exitCode).toBe(ExitCode.unavailable);
  });

  it('leaves the exit code alone when the work returns none', async () => {
    await runProgram(
      command(async () => undefined),
      ['go'],
    );
    expect(process.exitCode).toBeUndefined();
  });

  it('reads --json and --no-color from the program', async () => {
    let run: CommandRun | undefined;
    await runProgram(
      command(async (r) => {
        run = r;
      }),
      ['--json', '--no-color', 'go'],
    );
    expect(run?.json).toBe(true);
    expect(run?.color).toBe(false);
  });

  it('runs every cleanup in order after the work, also when the work throws, and the work error wins', async () => {
    const order: string[] = [];
    const failing = command(async (run) => {
      run.onCleanup(() => order.push('first'));
      run.onCleanup(() => {
        order.push('second');
        throw new Error('close failed');
      });
      run.onCleanup(async () => order.push('third'));
      order.push('work');
      throw new CliError('the work failed', ExitCode.config);
    });
    await expect(runProgram(failing, ['go'])).rejects.toThrow('the work failed');
    expect(order).toEqual(['work', 'first', 'second', 'third']);
    expect(stderr.join('')).toContain('lucy-ops: warning: while stopping: Error: close failed');
  });

  it('throws a cleanup failure when the work itself succeeded (after running the other cleanups)', async () => {
    const order: string[] = [];
    const work = command(async (run) => {
      run.onCleanup(() => {
        throw new Error('store close failed');
      });
      run.onCleanup(() => order.push('after'));
      return ExitCode.ok;
    });
    await expect(runProgram(work, ['go'])).rejects.toThrow('store close failed');
    expect(order).toEqual(['after']);
  });

  it('stops listening for SIGINT/SIGTERM when the command ends, even if the work never disposed', async () => {
    const before = process.listenerCount('SIGTERM');
    let during = 0;
    await runProgram(
      command(async (run) => {
        await run.interrupts();
        during = process.listenerCount('SIGTERM');
      }),
      ['go'],
    );
    expect(during).toBe(before + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('writes warnings and lines to stderr with the lucy-ops prefix', async () => {
    await runProgram(
      command(async (run) => {
        run.warn('a doubt');
        run.stderr('a line');
      }),
      ['go'],
    );
    expect(stderr.join('')).toBe('lucy-ops: warning: a doubt\nlucy-ops: a line\n');
  });
});

describe('exitCodeFor', () => {
  it('maps the error kinds to the exit codes, one stderr line each', () => {
    expect(exitCodeFor(new CliError('bad flag', ExitCode.usage), [])).toBe(ExitCode.usage);
    expect(exitCodeFor(Object.assign(new Error('no config'), { exitCode: ExitCode.config }), [])).toBe(ExitCode.config);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'error: unknown option'), [])).toBe(
      ExitCode.usage,
    );
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(help)'), [])).toBe(ExitCode.ok);
    expect(exitCodeFor(new TypeError('boom'), [])).toBe(ExitCode.internal);
    const lines = stderr.join('').split('\n');
    expect(lines[0]).toBe('lucy-ops: bad flag');
    expect(lines[1]).toBe('lucy-ops: no config');
    expect(lines[2]).toMatch(/^lucy-ops: internal error: TypeError: boom/);
  });
});
