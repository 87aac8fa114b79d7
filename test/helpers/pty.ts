/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal of a
 * given width sees it: stdout and stderr are both the terminal (so they arrive merged, in order).
 * `hasScript` is false where `script` is missing.
 */
import { execSync } from 'node:child_process';
import { execa } from 'execa';
import { BIN } from './cli.js';

export interface PtyResult {
  exitCode: number;
  /** Everything the terminal showed, line ends as `\n` (a redrawn line keeps its `\r`s: see screenLines). */
  output: string;
  /** The same with every `\r` removed: the text of the screen, for matching words and rows. */
  screen: string;
}

export const hasScript = ((): boolean => {
  try {
    execSync('script -qc true /dev/null', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function runInPty(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; columns?: number; timeoutMs?: number },
): Promise<PtyResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const r = await execa('script', ['-qec', `stty cols ${opts.columns ?? 80} rows 50; exec ${command}`, '/dev/null'], {
    cwd: opts.cwd,
    // CI and TERM come from whoever runs the suite (CI=true turns chalk's colour off): a terminal here is
    // an xterm outside CI, as at an engineer's prompt.
    env: { NO_COLOR: '1', FORCE_COLOR: undefined, CI: undefined, TERM: 'xterm-256color', ...opts.env },
    reject: false,
    // a bound against a wedged process, not a budget: as runCli's, under load a CLI run can take a minute
    timeout: opts.timeoutMs ?? 180_000,
  });
  const raw = String(r.stdout ?? '');
  return { exitCode: r.exitCode ?? -1, output: raw.replace(/\r\n/g, '\n'), screen: raw.replace(/\r/g, '') };
}

/** The lines a terminal would show: a `\r` returns to the line's start, so only what follows the last one stays. */
export function screenLines(output: string): string[] {
  return output.split('\n').map((line) => line.slice(line.lastIndexOf('\r') + 1).replace(/\u001b\[K/g, ''));
}
