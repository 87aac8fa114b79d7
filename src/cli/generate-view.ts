/** Human output of `generate`: one line a person can read half awake. */
import chalk from 'chalk';
import type { GenerateResult } from '../jobs/generate.js';
import type { DisplayTimes } from './time-format.js';

export function printGenerate(r: GenerateResult, times: DisplayTimes): void {
  const slot = times.at(r.slot, r.job);
  const failedBefore = r.attempts.filter((a) => a.outcome !== 'ok');
  const secs = r.durationMs !== undefined ? ` (${(r.durationMs / 1000).toFixed(1)} s)` : '';
  if (r.status === 'ok') {
    const via = r.degraded ? chalk.yellow(`FALLBACK ${r.provider}`) : chalk.green(r.provider ?? '');
    const why = failedBefore.length ? chalk.dim(` after ${failedBefore.map(describeAttempt).join(', ')}`) : '';
    process.stdout.write(
      `${chalk.green('✔')} ${r.job} ${slot} served by ${via} (${r.model})${why} → ${r.output}${secs}\n`,
    );
  } else if (r.status === 'skipped') {
    // an overlapping run (exit 75) is worth a line in cron's mail; an already-served slot is not
    const out = r.locked ? process.stderr : process.stdout;
    out.write(
      `${chalk.dim('•')} ${r.job} ${slot} skipped: ${r.reason ?? 'nothing to do'}${r.output ? ` (${r.output})` : ''}\n`,
    );
    if (r.prompt) process.stdout.write(promptLines(r.prompt));
  } else {
    process.stderr.write(`${chalk.red('✖')} lucy-ops: ${r.job} ${slot} FAILED: ${r.error ?? 'failed'}${secs}\n`);
  }
}

function describeAttempt(a: GenerateResult['attempts'][number]): string {
  if (a.outcome === 'skipped-open') return `${a.provider} skipped (breaker open)`;
  return `${a.provider} ${a.httpStatus ?? a.errorType ?? 'failed'}`;
}

/** A dry run's messages, each line indented under its role, so a multi-line prompt stays readable. */
function promptLines(prompt: { system: string; user: string }): string {
  const block = (role: string, text: string) =>
    chalk.dim(`  ${role}:`) +
    '\n' +
    text
      .split('\n')
      .map((line) => `    ${line}`.trimEnd())
      .join('\n') +
    '\n';
  return block('system', prompt.system) + block('user', prompt.user);
}
