import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('generate <job>').description('run a generation job through the provider chain').action(() => {
    throw new Error('not yet implemented');
  });
}
