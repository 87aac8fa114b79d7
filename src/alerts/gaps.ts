/**
 * The watchdog's alert: `postmortem gaps --fail-on-gap` found slots with no record at all (the
 * silent case: the job never started, so no after-run hook could speak). One alert per watchdog
 * run listing every gap not alerted before; a gap is remembered by job and first slot in the state
 * store (`alert:gaps`), so a watchdog every 30 minutes over `--since 2h` does not repeat itself
 * while the same gap stays open. Gaps made only of failed runs are left to the job alerts.
 */
import type { Gap } from '../analysis/gaps.js';
import { WATCHDOG_JOB } from '../analysis/jobs-seen.js';
import type { ResolvedConfig } from '../config/types.js';
import { JobLog, newRunId } from '../log/writer.js';
import type { StateStore } from '../state/types.js';
import { sendAlert } from './send.js';
import type { AlertReport } from './types.js';

export const GAPS_KEY = 'alert:gaps';
/** How long a sent gap is remembered (longer than any sensible --since). */
const REMEMBER_MS = 14 * 86_400_000;

/** The fields of a gap this needs. */
export type GapLike = Pick<Gap, 'job' | 'start' | 'end' | 'slots' | 'failed' | 'missing' | 'cause'>;

export interface GapAlertOptions {
  /** Default: the config's state store, opened and closed here. */
  store?: StateStore;
  now?: number;
  /** The window the watchdog looked at (for the message). */
  since?: string;
  until?: string;
  /** Where the one stderr line goes. Default process.stderr. */
  stderr?: (line: string) => void;
}

/** Send one `gap` alert for the gaps with missing slots not alerted yet; undefined when there are none. */
export async function alertOnGaps(
  config: ResolvedConfig,
  gaps: GapLike[],
  opts: GapAlertOptions = {},
): Promise<AlertReport | undefined> {
  const silent = gaps.filter((g) => g.missing > 0);
  if (silent.length === 0) return undefined;
  const now = opts.now ?? Date.now();
  const store = opts.store ?? (await (await import('../state/open-store.js')).openStateStore(config));
  try {
    const keyOf = (g: GapLike) => `${g.job}@${g.start}`;
    let fresh: GapLike[] = [];
    await store.update<Record<string, number>>(GAPS_KEY, (current) => {
      const kept = Object.fromEntries(Object.entries(current ?? {}).filter(([, at]) => now - at < REMEMBER_MS));
      fresh = silent.filter((g) => kept[keyOf(g)] === undefined);
      for (const g of fresh) kept[keyOf(g)] = now;
      return kept;
    });
    if (fresh.length === 0) return undefined;
    const runId = newRunId(now);
    const log = new JobLog(config.log);
    const at = new Date(now).toISOString();
    return await sendAlert(
      config,
      {
        kind: 'gap',
        ts: at,
        summary: `${fresh.length === 1 ? 'a silent gap' : `${fresh.length} silent gaps`}: ${fresh.map(describeGap).join('; ')}`,
        ...(fresh.length === 1 ? { job: fresh[0].job, slot: fresh[0].start } : {}),
        details: {
          gaps: fresh,
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.until ? { until: opts.until } : {}),
        },
      },
      {
        stderr: opts.stderr,
        log: log.forRun({ job: WATCHDOG_JOB, runId, scheduledFor: at, trigger: 'cron' }),
      },
    );
  } finally {
    if (!opts.store) await store.close();
  }
}

function describeGap(g: GapLike): string {
  const span = g.end ? `${g.start} → ${g.end}` : `since ${g.start} (still open)`;
  const what = [g.missing ? `${g.missing} missing` : '', g.failed ? `${g.failed} failed` : '']
    .filter(Boolean)
    .join(', ');
  return `${g.job} ${span}, ${what}${g.cause ? ` (${g.cause})` : ''}`;
}
