import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError } from './common.js';
import { command } from './lifecycle.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export function register(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script (bash, zsh or fish) for lucy-ops')
    .addHelpText(
      'after',
      `
The script completes commands, subcommands and flags; it is made from this program's own
definitions, so it stays right when lucy-ops changes (install it again after an upgrade).

Examples:
  lucy-ops completion bash > ~/.local/share/bash-completion/completions/lucy-ops
  lucy-ops completion zsh > "\${fpath[1]}/_lucy-ops"        # or: source <(lucy-ops completion zsh)
  lucy-ops completion fish > ~/.config/fish/completions/lucy-ops.fish`,
    )
    .action(
      command(async (_run, shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell))
          throw new CliError(`completion: unknown shell ${JSON.stringify(shell)} (bash, zsh or fish)`, ExitCode.usage);
        const { completionScript } = await import('./completion-script.js');
        process.stdout.write(completionScript(program, shell as Shell));
      }),
    );
}
