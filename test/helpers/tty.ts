/**
 * The built CLI on a pseudo-terminal of a given width, through `script` (util-linux): stdout is a
 * TTY there, as at an on-call engineer's prompt. `hasScript` is false where `script` is missing.
 */
import { execSync } from 'node:child_process';
import { execa } from 'execa';
import { BIN } from './cli.js';

export const hasScript = ((): boolean => {
  try {
    execSync('script -qc true /dev/null', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `lucy-ops ...args` on a terminal `columns` wide; the screen's text with CRs removed. */
export async function runOnTerminal(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; columns?: number },
): Promise<{ exitCode: number; screen: string }> {
  const command = `stty cols ${opts.columns ?? 80} rows 50; node ${quote(BIN)} ${args.map(quote).join(' ')}`;
  const r = await execa('script', ['-qec', command, '/dev/null'], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, CI: undefined, TERM: 'xterm-256color', ...opts.env },
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: r.exitCode ?? -1, screen: String(r.stdout ?? '').replace(/\r/g, '') };
}
