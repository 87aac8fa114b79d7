/**
 * Fills a slot ledger from log sources, using more than one core on a large plain file: the file
 * is cut into byte ranges, worker threads read all but the first, this thread reads the first,
 * and their ledgers are merged in file order (the result is the same as one thread's: see
 * ledger-merge.ts). Small files, gzip and stdin are read on this thread alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { othersBusy, threadsFor, threadsFromEnv } from './gap-threads.js';
import { scanFileRange, type ByteRange } from '../log/file-range.js';
import { expandSources, newReadStats, scanLines, type ReadStats } from '../log/reader.js';
import type { GapWorkerInput } from './gap-worker.js';
import { mergeLedger, type LedgerSnapshot } from './ledger-merge.js';
import type { SlotLedger } from './ledger.js';
import type { JobSchedule, Window } from './ledger-types.js';
import { decodeGapLine } from './quick-decode.js';

/**
 * The worker's young generation (V8 makes a third of it each semi-space): its garbage is short-lived
 * (a line's pieces, a 64 KiB chunk's text), and left to grow it reached 16 MB of semi-spaces while
 * this thread's stayed at 4-8 MB: 12 MB took ~8 MB off the two-thread peak RSS at the same CPU time
 * (docs/performance.md).
 */
const WORKER_YOUNG_MB = 12;

/** Below this a worker's start-up (~30-50 ms) costs about what it saves. */
const PARALLEL_MIN_BYTES = 64 << 20;

export interface ParallelOptions {
  /**
   * Threads to read one large file with (default: LUCY_OPS_GAPS_THREADS, else 2 when 2 cores are
   * there and other processes leave one of them free, sampled when the file comes: gap-threads.ts).
   */
  threads?: number;
  /** Files smaller than this are read by one thread (default 64 MiB). */
  minBytes?: number;
  /** Told whether each worker thread ran (false: its range was read on this thread instead). */
  onWorker?: (ran: boolean) => void;
}

export interface ScanOptions {
  stats?: ReadStats;
  stdin?: NodeJS.ReadableStream;
  rotated?: boolean;
  lateAfterMs?: number;
  parallel?: ParallelOptions;
}

// A worker runs the built JavaScript: from the TypeScript sources (the tests) that is dist's copy.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? '../../dist/analysis/gap-worker.js' : './gap-worker.js',
  import.meta.url,
);

export async function scanIntoLedger(
  ledger: SlotLedger,
  jobs: readonly JobSchedule[],
  window: Window,
  sources: string[],
  opts: ScanOptions = {},
): Promise<ReadStats> {
  const stats = opts.stats ?? newReadStats();
  const told = opts.parallel?.threads ?? threadsFromEnv();
  const minBytes = opts.parallel?.minBytes ?? PARALLEL_MIN_BYTES;
  const visit = (text: string, start: number, end: number, bytes?: Buffer) =>
    decodeGapLine(text, start, end, ledger, bytes);
  let busy: number | undefined; // other processes' CPU, sampled when the first large file comes
  for (const source of expandSources(sources, opts.rotated ?? true)) {
    const size = told === 1 ? undefined : plainFileSize(source);
    let threads = 1;
    if (size !== undefined && size >= minBytes) {
      const cores = os.availableParallelism();
      threads =
        told ?? threadsFor({ size, minBytes, cores, othersBusy: cores < 2 ? 0 : (busy ??= await othersBusy()) });
    }
    if (size === undefined || threads < 2) {
      await scanLines([source], visit, { stats, stdin: opts.stdin, rotated: false });
      continue;
    }
    stats.sources.push(source);
    const ranges = cut(size, threads);
    const workers = ranges.slice(1).map((range) =>
      runWorker({
        file: source,
        range,
        jobs: [...jobs],
        spacings: [...ledger.spacings],
        sinceMs: window.since.getTime(),
        untilMs: window.until.getTime(),
        lateAfterMs: opts.lateAfterMs,
      }),
    );
    await scanFileRange(source, ranges[0], visit, stats);
    for (let i = 0; i < workers.length; i++) {
      const done = await workers[i];
      opts.parallel?.onWorker?.(done !== undefined);
      if (done) {
        mergeLedger(ledger, done.snapshot);
        addStats(stats, done.stats);
      } else {
        await scanFileRange(source, ranges[i + 1], visit, stats); // the worker could not run: read it here
      }
    }
  }
  return stats;
}

/** The size of a plain (not gzipped) regular file; undefined for anything else. */
function plainFileSize(source: string): number | undefined {
  if (source === '-') return undefined;
  let fd: number | undefined;
  try {
    fd = fs.openSync(source, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(2);
    if (fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b) return undefined;
    return st.size;
  } catch {
    return undefined; // the one-thread reader reports the error
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `n` ranges of about equal size; the last runs to the end of the file, however long it grows. */
function cut(size: number, n: number): ByteRange[] {
  const step = Math.ceil(size / n);
  return Array.from({ length: n }, (_, i) => ({ start: i * step, end: i === n - 1 ? Infinity : (i + 1) * step }));
}

/** A worker's ledger and counts, or undefined when it failed (its range is then read here). */
function runWorker(input: GapWorkerInput): Promise<{ snapshot: LedgerSnapshot; stats: ReadStats } | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, {
        workerData: input,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      });
    } catch {
      resolve(undefined);
      return;
    }
    let result: { snapshot: LedgerSnapshot; stats: ReadStats } | undefined;
    worker.once('message', (m: { snapshot: LedgerSnapshot; stats: ReadStats }) => (result = m));
    worker.once('error', () => undefined);
    worker.once('exit', () => resolve(result));
  });
}

function addStats(into: ReadStats, from: ReadStats): void {
  into.bytes += from.bytes;
  into.lines += from.lines;
  into.skippedLines += from.skippedLines;
  into.errors.push(...from.errors);
}
