/**
 * What `lucy-ops status` shows: each job's status from the recent end of the job log, each
 * provider's breaker, and the store that holds them. Reads only: it opens no lock and writes
 * nothing, so anyone who can read the log and the state can run it.
 */
import fs from 'node:fs';
import { unreadableError } from '../state/state-dir-error.js';
import { jobSchedulesFromConfig } from '../analysis/jobs.js';
import { servedInWindow } from './shared-ledger.js';
import { jobStatuses, type JobStatus } from '../analysis/status.js';
import type { ProviderActivity } from '../analysis/provider-activity.js';
import type { ResolvedConfig } from '../config/types.js';
import { recentRecords, type TailStats } from '../log/tail.js';
import { expandRotated } from '../log/reader.js';
import { breakerBoard, type BreakerView } from '../engine/breaker-board.js';
import type { OpenedStore } from '../state/open-store.js';

export interface StoreInfo {
  kind: string;
  where: string;
  fallback?: string;
}

export interface StatusReport {
  now: string;
  /** Start of the log window read (jobs' slots before it are not looked at). */
  since: string;
  jobs: JobStatus[];
  /** Each provider's breaker, and what the log read says it did lately. */
  providers: Array<BreakerView & ProviderActivity>;
  store: StoreInfo;
  log: { path: string; found: boolean; lines: number; skippedLines: number; startedAtByte: number };
}

/** Runs started this long before `since` may still serve a slot inside it: read them too. */
const LOOKBACK_MS = 60 * 60_000;

export async function statusReport(
  config: ResolvedConfig,
  store: OpenedStore,
  opts: { now: number; sinceMs: number; jobs?: readonly string[]; warn?: (message: string) => void },
): Promise<StatusReport> {
  const until = new Date(opts.now);
  const since = new Date(opts.sinceMs);
  const schedules = jobSchedulesFromConfig(config, opts.jobs);
  const stats: TailStats = { lines: 0, skippedLines: 0, startedAt: 0, bytes: 0 };
  const files = expandRotated(config.log);
  for (const file of files) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      throw unreadableError(file, err); // 78, naming the owner: not "no runs at all"
    }
  }
  const found = files.length > 0;
  const records = found ? recentRecords(config.log, opts.sinceMs - LOOKBACK_MS, stats) : [];
  // a fleet: slots other hosts served (this host's log only says it skipped them) count as served
  const served = store.servedBetween
    ? await servedInWindow(
        store,
        schedules.map((j) => j.name),
        { since: new Date(opts.sinceMs - LOOKBACK_MS), until },
        opts.warn ?? (() => {}),
      )
    : [];
  const { jobs, providers: activity } = await jobStatuses(schedules, { since, until }, records, served);
  const clock = { now: () => opts.now };
  const breakers = await breakerBoard(config, store, clock).views(config.providers.map((p) => p.name));
  const providers = breakers.map((view) => ({ ...view, ...activity.of(view.provider) }));
  return {
    now: until.toISOString(),
    since: since.toISOString(),
    jobs,
    providers,
    store: { kind: store.kind, where: store.where, ...(store.fallback ? { fallback: store.fallback } : {}) },
    log: {
      path: config.log,
      found,
      lines: stats.lines,
      skippedLines: stats.skippedLines,
      startedAtByte: stats.startedAt,
    },
  };
}
