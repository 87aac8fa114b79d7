/**
 * How many threads read one large log file (parallel-scan.ts). A worker thread gains only when it
 * gets a core of its own: on 2 cores busy with other work, two threads took as long as one (and
 * up to 1.3x in some rounds) and held ~20 MB more memory (docs/performance.md). Whether a core is
 * free is measured, not guessed from the load average: the 1-minute load average counts this very
 * process's recent work (and whatever ran just before it), so on an idle 2-core host it often read
 * as busy. Here the cores' idle time is sampled over a short moment (os.cpus()) and this process's
 * own CPU time in it is taken out: what is left is what other processes used.
 */
import os from 'node:os';

/** Two threads: each holds its own chunk, strings and ledger, and the memory budget is 150 MB. */
export const MAX_THREADS = 2;
/** The moment idle time is sampled over: the kernel counts CPU time in 10 ms ticks. */
export const SAMPLE_MS = 50;

export interface ThreadFacts {
  /** The file's size in bytes. */
  size: number;
  /** Files smaller than this are read by one thread (a worker's start-up would cost what it saves). */
  minBytes: number;
  /** Cores this process may run on (os.availableParallelism()). */
  cores: number;
  /** Cores' worth of CPU other processes used just now (othersBusy); 0 when it could not be told. */
  othersBusy: number;
}

/**
 * One thread for a small file or a single core; else a thread per core other processes leave
 * free (at least this one), a core counting as free when at least half of it is; MAX_THREADS at most.
 */
export function threadsFor(facts: ThreadFacts): number {
  if (facts.size < facts.minBytes || facts.cores < 2) return 1;
  const spare = facts.cores - Math.max(0, facts.othersBusy);
  return Math.max(1, Math.min(MAX_THREADS, facts.cores, Math.floor(spare + 0.5)));
}

/** Where othersBusy reads the time (replaced in tests). */
export interface CpuClock {
  /** The idle time of every core so far, in ms (os.cpus()); empty when it cannot be read. */
  idleMs(): number[];
  /** This process's CPU time so far (all its threads), in ms. */
  ownMs(): number;
  now(): number;
  wait(ms: number): Promise<void>;
}

const systemClock: CpuClock = {
  idleMs: () => os.cpus().map((cpu) => cpu.times.idle),
  ownMs: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  now: () => performance.now(),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Cores' worth of CPU other processes used over the next `ms` (0 when the cores cannot be read). */
export async function othersBusy(ms = SAMPLE_MS, clock: CpuClock = systemClock): Promise<number> {
  const idle0 = clock.idleMs();
  const own0 = clock.ownMs();
  const t0 = clock.now();
  await clock.wait(ms);
  const idle1 = clock.idleMs();
  const elapsed = clock.now() - t0;
  const own = clock.ownMs() - own0;
  if (idle0.length === 0 || idle1.length !== idle0.length || !(elapsed > 0)) return 0;
  let idle = 0;
  for (let i = 0; i < idle0.length; i++) idle += idle1[i] - idle0[i];
  const busy = idle0.length - idle / elapsed - own / elapsed;
  return Math.min(idle0.length, Math.max(0, busy));
}

/** LUCY_OPS_GAPS_THREADS, when it names a thread count (it overrides threadsFor). */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.LUCY_OPS_GAPS_THREADS);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
