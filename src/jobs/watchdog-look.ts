/**
 * The watchdog's last look at the config, kept in the state store (`watchdog:look`): when it ran
 * and the job names the config had then. A quiet watchdog run writes nothing to the log, so without
 * it the log's last sign of a job in the config is its last record (or the last watchdog run that
 * paged); with it, a job the watchdog later sees taken out counts as in the config until that look
 * (`lastSeen` in the removal record: record-jobs-seen.ts), and a slot owed before the look (judged
 * then, or still pending) stays judged. Losing it (no store, a store that fails) only loses that
 * evidence: never a page, so it is never a warning in the watchdog's cron mail. What the store
 * itself reports (a corrupt state.json moved aside, Redis unreachable) is still said: opening it
 * here may be what found the problem, and breaker state and alert memory went with it.
 */
import { hostname } from 'node:os';
import type { ResolvedConfig } from '../config/types.js';

export const LOOK_KEY = 'watchdog:look';

/** When the watchdog looked, and the config's job names then. */
export interface WatchdogLook {
  at: number;
  jobs: string[];
  /**
   * Whose look it was: the host and the log its records go to. Hosts sharing a Redis share the
   * key, and another host's config is no evidence about this one's: its look is passed over.
   */
  by: string;
}

/** This watchdog's `by`: the host it runs on and the log it writes jobs.seen records to. */
export function lookBy(config: Pick<ResolvedConfig, 'log'>, host: string = hostname()): string {
  return `${host} ${config.log}`;
}

/**
 * The look before this one (undefined when none is kept, it was another watchdog's, or the store
 * cannot be read), and a way to keep this one (which closes the store; `close` alone when the run
 * ends without it). `warn` hears the store's own warnings, not the look's failures.
 */
export async function openWatchdogLook(
  config: Pick<ResolvedConfig, 'log' | 'state' | 'stateDir'>,
  opts: { warn: (message: string) => void; now: number; by?: string },
): Promise<{
  previous: WatchdogLook | undefined;
  keep: (look: Omit<WatchdogLook, 'by'>) => Promise<void>;
  close: () => Promise<void>;
}> {
  const by = opts.by ?? lookBy(config);
  const { openStateStore } = await import('../state/open-store.js');
  let store: Awaited<ReturnType<typeof openStateStore>> | undefined;
  let previous: WatchdogLook | undefined;
  try {
    store = await openStateStore(config, { onWarning: opts.warn });
    previous = asLook(await store.get<unknown>(LOOK_KEY), by, opts.now);
  } catch {
    // no evidence kept: the log's own signs bound the period
  }
  const close = async () => {
    const open = store;
    store = undefined;
    await open?.close().catch(() => {});
  };
  return {
    previous,
    close,
    keep: async (look) => {
      if (!store) return;
      try {
        // the store's update is atomic (file store: under its lock, a temp file renamed over
        // state.json; Redis: a compare-and-set script), so a watchdog killed here leaves the old look
        await store.update<WatchdogLook>(LOOK_KEY, () => ({ ...look, by }));
      } catch {
        // next time's evidence is lost, nothing else
      } finally {
        await close();
      }
    },
  };
}

/**
 * A kept look, if it is one this watchdog can use. Its time must be one it could have written: after
 * the epoch and no later than now (a value a Date cannot hold crashed every later run; a look from
 * the future would stretch a removed job's time in the config past what anyone saw).
 */
function asLook(value: unknown, by: string, now: number): WatchdogLook | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const look = value as { at?: unknown; jobs?: unknown; by?: unknown };
  if (look.by !== by) return undefined;
  if (typeof look.at !== 'number' || !Number.isInteger(look.at) || look.at < 0 || look.at > now) return undefined;
  if (!Array.isArray(look.jobs)) return undefined;
  return { at: look.at, jobs: look.jobs.filter((j): j is string => typeof j === 'string'), by };
}
