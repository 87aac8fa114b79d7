/**
 * Holds a chain's records and appends them in one write, later than they were logged, so the
 * write (a syscall) and the records' text are not on the path of the call that logged them.
 *
 * Two ways to wait:
 * - a window (`windowMs` > 0, what `createChain` uses): the first record held starts an unref'd
 *   timer, and everything logged until it fires goes out in one write. Calls made one after
 *   another share it (at a call every 200 µs, ~50 calls a write), so the write lands in one call
 *   of many instead of in every next call's wait for its provider. The timer never keeps the
 *   process alive.
 * - two event-loop turns (`windowMs` 0, `serve`'s): a call sends its upstream request (and `serve`
 *   its answer) first, and the log lines while it waits. Two turns, not one: undici writes a
 *   request on a reused keep-alive connection only in a check phase (it yields a turn first, to
 *   notice a server that closed the connection), so a flush queued before the upstream call with a
 *   single setImmediate ran first and put a log write in front of every request.
 *
 * Either way what is held is written at process exit too ('exit' runs on process.exit(), on an
 * uncaught exception and when the event loop runs out of work): only a process killed by a signal
 * it does not handle (SIGKILL, an unhandled SIGTERM) loses records, those of the wait it was in.
 * More than MAX_HELD records are written at once, so a burst never holds memory unbounded.
 */
import type { JobLog, LogInput, RecordSink, RunRecord } from './writer.js';

/** Calls `fn` after `ms` without keeping the process alive (tests hand in their own). */
export type Delay = (fn: () => void, ms: number) => void;

const unrefTimer: Delay = (fn, ms) => {
  setTimeout(fn, ms).unref();
};

/** Held past this many records, they are written at once. */
export const MAX_HELD = 4096;

export interface DeferredLogOptions {
  /** How long the first record held waits for others (ms); 0: two event-loop turns. */
  windowMs?: number;
  delay?: Delay;
}

export class DeferredLog implements RecordSink {
  private queued: Array<LogInput | RunRecord> = [];
  private scheduled = false;
  private readonly windowMs: number;
  private readonly delay: Delay;
  /** Bound once: the timer's callback (a flush already made since it was set only writes sooner). */
  private readonly onTimer = () => this.flush();

  constructor(
    private readonly log: Pick<JobLog, 'appendAll'>,
    opts: DeferredLogOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 0;
    this.delay = opts.delay ?? unrefTimer;
    liveLogs.add(this);
    if (liveLogs.size === 1) process.on('exit', flushLiveLogs);
  }

  append(record: LogInput | RunRecord): void {
    if (this.queued.push(record) >= MAX_HELD) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.windowMs > 0) this.delay(this.onTimer, this.windowMs);
    else setImmediate(() => setImmediate(this.onTimer));
  }

  flush(): void {
    this.scheduled = false;
    if (this.queued.length === 0) return;
    const records = this.queued;
    this.queued = [];
    this.log.appendAll(records);
  }

  /** Writes what is held and stops watching for process exit (the chain closes). */
  close(): void {
    this.flush();
    liveLogs.delete(this);
    if (liveLogs.size === 0) process.off('exit', flushLiveLogs);
  }
}

/** Every open DeferredLog: one 'exit' listener for all of them (a chain per request is allowed). */
const liveLogs = new Set<DeferredLog>();
function flushLiveLogs(): void {
  for (const log of liveLogs) log.flush();
}
