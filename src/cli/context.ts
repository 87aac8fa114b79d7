/** A command's job and its API keys, checked before any work, with the usage and config exit codes. */
import type { CommandJob, GenerateJob, ResolvedConfig, ResolvedJob } from '../config/types.js';
import { ExitCode } from '../exit-codes.js';
import { CliError } from './common.js';

export function jobOf(config: ResolvedConfig, name: string, want: 'generate'): GenerateJob;
export function jobOf(config: ResolvedConfig, name: string, want: 'command'): CommandJob;
export function jobOf(config: ResolvedConfig, name: string, want?: 'any'): ResolvedJob;
export function jobOf(config: ResolvedConfig, name: string, want: 'generate' | 'command' | 'any' = 'any'): ResolvedJob {
  // own keys only: `generate toString` is an unknown job, not Object.prototype.toString
  const job = Object.hasOwn(config.jobs, name) ? config.jobs[name] : undefined;
  if (!job)
    throw new CliError(
      `unknown job ${JSON.stringify(name)}; jobs in ${config.configPath}: ${Object.keys(config.jobs).join(', ') || '(none)'}`,
      ExitCode.usage,
    );
  if (want === 'generate' && job.prompt === undefined)
    throw new CliError(
      `job ${name} is a command job; run it with \`lucy-ops run ${name} -- <command>\``,
      ExitCode.usage,
    );
  if (want === 'command' && job.prompt !== undefined)
    throw new CliError(`job ${name} is a generation job; run it with \`lucy-ops generate ${name}\``, ExitCode.usage);
  return job;
}

/** Refuse (exit 78) before any work when the chain needs API keys that are not set. */
export async function requireKeys(config: ResolvedConfig, chain = config.providers, env = process.env): Promise<void> {
  const problems = await keyProblems(config, chain, env);
  if (problems.length) throw keysError(config, problems);
}

/** One line per provider of the chain whose API key variable is unset or empty (names the variable, never a value). */
export async function keyProblems(
  config: ResolvedConfig,
  chain = config.providers,
  env = process.env,
): Promise<string[]> {
  const { missingKeys } = await import('../engine/chain.js');
  return missingKeys(config, chain, env);
}

/** The exit-78 error for missing keys, as stderr and `--json` show it. */
export function keysError(config: ResolvedConfig, problems: string[]): CliError {
  return new CliError(`configuration error in ${config.configPath}:\n  ${problems.join('\n  ')}`, ExitCode.config);
}
