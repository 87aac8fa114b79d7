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
 * uncaught exception and when the event loop runs out of work), and on SIGTERM and SIGINT: when
 * nothing else in the process handles the signal, what is held is written and the signal's default
 * action follows (our listener removed, the signal raised again: the process ends by it, as it
 * would have without us); when the host has a handler of its own, what is held is written and the
 * handler decides (it exits: 'exit' writes the rest). Only SIGKILL (and other signals a process
 * does not handle) loses records, those of the wait it was in. More than MAX_HELD records are
 * written at once, so a burst never holds memory unbounded.
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
    if (liveLogs.size === 1) watchProcess(true);
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
    if (liveLogs.size === 0) watchProcess(false);
  }
}

/** Every open DeferredLog: one listener of each kind for all of them (a chain per request is allowed). */
const liveLogs = new Set<DeferredLog>();
function flushLiveLogs(): void {
  for (const log of liveLogs) log.flush();
}

/** The signals that end a process by default, and that a service manager or a terminal sends. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Marks our listeners, under a global symbol so that a second copy of lucy-ops in the process
 * (two versions in node_modules, a bundle beside an install) knows them as its own kind too.
 */
const OURS = Symbol.for('lucy-ops.job-log.signal-listener');
type Marked = ((signal: NodeJS.Signals) => void) & { [OURS]?: true; listener?: { [OURS]?: true } };

/**
 * Whether the host handled the signal, decided as the signal's listeners start to run: a host's
 * `process.once` listener removes itself before it is called, so counted later it would be missed
 * and its graceful shutdown cut short by the signal raised again.
 */
const hostAtSignal = new Map<NodeJS.Signals, boolean>();
const noteHost: Marked = (signal) => void hostAtSignal.set(signal, hostHandles(signal));
noteHost[OURS] = true;

function watchProcess(on: boolean): void {
  if (on) {
    process.on('exit', flushLiveLogs);
    for (const signal of SIGNALS) {
      process.prependListener(signal, noteHost);
      process.on(signal, onSignal);
    }
  } else {
    process.off('exit', flushLiveLogs);
    for (const signal of SIGNALS) {
      process.off(signal, noteHost);
      process.off(signal, onSignal);
    }
  }
}

/**
 * SIGTERM or SIGINT: write what is held (synchronous writes), then, unless the host handles the
 * signal itself, end the process by it as the default action would have: with our listeners gone,
 * Node restores the default disposition, and the signal raised again ends the process.
 */
const onSignal: Marked = (signal) => {
  flushLiveLogs();
  const host = hostAtSignal.get(signal) ?? hostHandles(signal);
  hostAtSignal.delete(signal);
  if (host) return;
  process.off(signal, noteHost);
  process.off(signal, onSignal);
  process.kill(process.pid, signal);
};
onSignal[OURS] = true;

/**
 * Whether someone else in the process listens for `signal`. Ours (of any copy of lucy-ops) and
 * signal-exit's (execa's child cleanup uses it) do not count: like ours, they re-raise the signal
 * only when no one else listens, so two such listeners counting each other would keep the process
 * alive. signal-exit v4 keeps its count of listeners on a global, v3 on
 * `process.__signal_exit_emitter__`.
 */
function hostHandles(signal: NodeJS.Signals): boolean {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  const theirs = [v4?.count, v3?.count].reduce<number>((n, c) => n + (typeof c === 'number' ? c : 0), 0);
  const others = process.rawListeners(signal).filter((l) => {
    const m = l as Marked;
    return !m[OURS] && !m.listener?.[OURS];
  }).length;
  return others - theirs > 0;
}
