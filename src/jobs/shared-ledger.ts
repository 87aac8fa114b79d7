/**
 * The shared ledger of served slots, as gaps and backfill read it: with `state.redis`, every slot
 * any host served (src/state/redis-store.ts keeps them); on the file store, nothing beyond this
 * host's own log and outDirs.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { ServedEntry, StateStore } from '../state/types.js';
import type { JobContext } from './context.js';

/** Every ledger entry of these jobs in the window; a ledger that cannot be read is a warning. */
export async function servedInWindow(
  store: StateStore,
  jobs: readonly string[],
  window: { since: Date; until: Date },
  warn: (message: string) => void,
): Promise<ServedEntry[]> {
  if (!store.servedBetween) return [];
  try {
    const lists = await Promise.all(jobs.map((job) => store.servedBetween!(job, window.since, window.until)));
    return lists.flat();
  } catch (err) {
    warn(`could not read the shared ledger of served slots (${(err as Error).message}); judging by the logs only`);
    return [];
  }
}

/**
 * For read-only commands (postmortem gaps): open the store only when a shared one is configured,
 * read the window's entries, close it. The file store has no ledger of its own to read.
 */
export async function readSharedLedger(
  config: ResolvedConfig,
  jobs: readonly string[],
  window: { since: Date; until: Date },
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServedEntry[]> {
  const { openStateStore, redisTarget } = await import('../state/open-store.js');
  if (redisTarget(config.state, env).kind === 'none') return [];
  const store = await openStateStore(config, { onWarning: warn, env });
  try {
    return await servedInWindow(store, jobs, window, warn);
  } finally {
    await store.close();
  }
}

/**
 * The shared ledger's entry for one slot, checked before a run starts: another host may have
 * served it. A ledger that cannot be read is a warning, not a stop (this host judges alone then).
 */
export async function servedEntry(ctx: JobContext, job: string, slot: string): Promise<ServedEntry | undefined> {
  if (!ctx.store.servedEntry) return undefined;
  try {
    return await ctx.store.servedEntry(job, slot);
  } catch (err) {
    ctx.warn(`${job} ${slot}: could not read the shared ledger (${(err as Error).message}); judging by this host only`);
    return undefined;
  }
}
