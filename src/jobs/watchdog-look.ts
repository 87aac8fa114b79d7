/**
 * The watchdog's last look at the config, kept in the state store (`watchdog:look`): when it ran
 * and the job names the config had then. A quiet watchdog run writes nothing to the log, so without
 * it the log's last sign of a job in the config is its last record (or the last watchdog run that
 * paged); with it, a job the watchdog later sees taken out counts as in the config until that look
 * (`lastSeen` in the removal record: record-jobs-seen.ts), and a slot owed before the look (judged
 * then, or still pending) stays judged. Losing it (no store, a store that fails) only loses that
 * evidence: never a page, so it is never a warning in the watchdog's cron mail.
 */
import type { ResolvedConfig } from '../config/types.js';

export const LOOK_KEY = 'watchdog:look';

/** When the watchdog looked, and the config's job names then. */
export interface WatchdogLook {
  at: number;
  jobs: string[];
}

/**
 * The look before this one (undefined when none is kept or the store cannot be read), and a way to
 * keep this one (which closes the store; `close` alone when the run ends without it).
 */
export async function openWatchdogLook(config: ResolvedConfig): Promise<{
  previous: WatchdogLook | undefined;
  keep: (look: WatchdogLook) => Promise<void>;
  close: () => Promise<void>;
}> {
  const { openStateStore } = await import('../state/open-store.js');
  let store: Awaited<ReturnType<typeof openStateStore>> | undefined;
  let previous: WatchdogLook | undefined;
  try {
    store = await openStateStore(config, { onWarning: () => {} });
    previous = asLook(await store.get<unknown>(LOOK_KEY));
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
        await store.update<WatchdogLook>(LOOK_KEY, () => look);
      } catch {
        // next time's evidence is lost, nothing else
      } finally {
        await close();
      }
    },
  };
}

function asLook(value: unknown): WatchdogLook | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { at, jobs } = value as { at?: unknown; jobs?: unknown };
  if (typeof at !== 'number' || !Number.isFinite(at) || !Array.isArray(jobs)) return undefined;
  return { at, jobs: jobs.filter((j): j is string => typeof j === 'string') };
}
