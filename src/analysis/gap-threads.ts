/**
 * How many threads read one large log file (parallel-scan.ts): decided by the file's size and the
 * cores, and the OS schedules them. It used to be one thread whenever the 1-minute load average
 * passed cores - 1, but that average counts this very process's recent work (and whatever ran just
 * before it), so on an idle 2-core host it often chose one thread; and since the slot tables keep
 * a job's slots in time order (int-map.ts), a second thread no longer loses on a busy host either:
 * on 2 cores at load 11-20, 3 interleaved rounds on the 1 GB bench log, two threads took 11.3,
 * 13.9 and 15.6 s against 12.3, 16.8 and 16.4 s for one (docs/performance.md).
 */

/** Two threads: each holds its own chunk, strings and ledger, and the memory budget is 150 MB. */
export const MAX_THREADS = 2;

export interface ThreadFacts {
  /** The file's size in bytes. */
  size: number;
  /** Files smaller than this are read by one thread (a worker's start-up would cost what it saves). */
  minBytes: number;
  /** Cores this process may run on (os.availableParallelism()). */
  cores: number;
}

/** One thread for a small file or a single core; else a thread per core, MAX_THREADS at most. */
export function threadsFor(facts: ThreadFacts): number {
  if (facts.size < facts.minBytes || facts.cores < 2) return 1;
  return Math.min(MAX_THREADS, facts.cores);
}

/** LUCY_OPS_GAPS_THREADS, when it names a thread count (it overrides threadsFor). */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.LUCY_OPS_GAPS_THREADS);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
