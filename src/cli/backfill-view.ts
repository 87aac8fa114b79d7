/** Human output of `backfill`: a progress line while it works (TTY only), then a table. */
import chalk from 'chalk';
import Table from 'cli-table3';
import type { BackfillResult, BackfillSlot } from '../jobs/backfill.js';
import { rendered, tableLook } from './table-look.js';
import type { DisplayTimes } from './time-format.js';

/** A single rewritten stderr line; silent when stderr is not a terminal (cron, CI, pipes). */
export function progressLine(times: DisplayTimes) {
  if (!process.stderr.isTTY) return undefined;
  return {
    update: (done: number, total: number, s: BackfillSlot) => {
      const line = `backfill ${done}/${total}  ${s.job} ${times.at(s.slot, s.job)}  ${s.status}`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
    },
    done: () => process.stderr.write('\r\x1b[2K'),
  };
}

const COLOUR: Record<BackfillSlot['status'], (s: string) => string> = {
  filled: chalk.green,
  failed: chalk.red,
  skipped: chalk.dim,
  planned: chalk.cyan,
};

export function printBackfill(r: BackfillResult, dryRun: boolean, times: DisplayTimes): void {
  const out = process.stdout;
  if (r.skippedLines > 0)
    out.write(
      chalk.dim(
        `${r.skippedLines} log line(s) were not job records (not JSON, truncated, or missing fields) and were skipped.\n`,
      ),
    );
  const notJudged = notJudgedText(r, times);
  if (r.slots.length === 0) {
    const [since, until] = times.window(r.since, r.until);
    out.write(
      notJudged
        ? `Nothing to backfill between ${since} and ${until}: every judged slot is served (or still within its run's deadline); ${notJudged}.\n`
        : `Nothing to backfill between ${since} and ${until}: every slot is served (or still within its run's deadline).\n`,
    );
    return;
  }
  const table = new Table({ head: ['job', 'slot', 'was', dryRun ? 'plan' : 'now', 'detail'], ...tableLook() });
  for (const s of r.slots) {
    table.push([
      s.job,
      times.at(s.slot, s.job),
      s.was,
      COLOUR[s.status](s.status),
      s.reason ?? (s.provider ? `${s.provider}${s.degraded ? ' (fallback)' : ''}` : ''),
    ]);
  }
  out.write(rendered(table) + '\n');
  out.write(chalk.dim(times.note(r.slots.map((s) => s.job))) + '\n');
  if (notJudged) out.write(chalk.dim(`${notJudged[0].toUpperCase()}${notJudged.slice(1)}.`) + '\n');
  if (dryRun) {
    out.write(`${r.slots.length} slot(s) would run. Run again without --dry-run to fill them.\n`);
    return;
  }
  out.write(
    `${chalk.green(`${r.filled} filled`)}, ${r.failed ? chalk.red(`${r.failed} failed`) : '0 failed'}, ${r.skipped} skipped\n`,
  );
  if (r.busyJobs.length) out.write(chalk.yellow(`Another backfill is running for: ${r.busyJobs.join(', ')}\n`));
  if (r.stoppedEarly)
    process.stderr.write(
      chalk.red(
        `Stopped early: ${r.stoppedEarly}. Fix the providers (lucy-ops probe providers) and run the same backfill again.\n`,
      ),
    );
}

/** "10 slots of threads not judged (out of the config after 02:00Z until 04:30Z), so not planned", or ''. */
function notJudgedText(r: BackfillResult, times: DisplayTimes): string {
  const each = (r.notJudgedOutOfConfig ?? []).map((n) => {
    const periods = n.outOfConfig
      .map(
        (p) =>
          `after ${times.at(p.after, n.job)} until ${p.until === null ? 'the watchdog sees it back' : times.at(p.until, n.job)}`,
      )
      .join('; ');
    return `${n.slots} slot${n.slots === 1 ? '' : 's'} of ${n.job} not judged (out of the config${periods ? ` ${periods}` : ''})`;
  });
  return each.length > 0 ? `${each.join('; ')}, so not planned` : '';
}
