/**
 * The library API: `createChain()` gives Node code the same failover the CLI has (classification,
 * backoff, breakers in the same state store, one deadline per call), and logs each call as a run.
 *
 *   const chain = await createChain();            // lucy-ops.config.* found from the cwd up
 *   const r = await chain.complete({ messages });  // r.content, r.provider, r.degraded, r.attempts
 *   for await (const { delta } of chain.stream({ messages })) process.stdout.write(delta);
 */
import type { AbortControllerLike } from '../abort-like.js';
import type { Clock } from '../clock.js';
import type { ResolvedConfig, ResolvedProvider, UserConfig } from '../config/types.js';
import { ConfigError } from '../config/validate.js';
import { Engine, missingKeys } from '../engine/chain.js';
import type { ChainResult } from '../engine/types.js';
import { openJobContext, type JobContext } from '../jobs/context.js';
import type { ChatRequest } from '../providers/types.js';
import { RecentReads } from '../state/recent-reads.js';
import { DeferredLog } from '../log/deferred.js';
import { AfterRunQueue, startCallRecord, type CallRecord } from './run-log.js';
import { openChainStream, type ChainStream } from './stream.js';

export interface CreateChainOptions {
  /** The job name each call is logged under (default "library"). */
  job?: string;
  /** Write each call to the job log as a run (default true). */
  log?: boolean;
  /** Where API key variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Replaces the clock (default: the system clock, or LUCY_OPS_NOW). */
  clock?: Clock;
  /** One-line warnings (store fallback, log trouble); default stderr. */
  warn?: (message: string) => void;
}

export interface CallOptions {
  /** Aborts the call and its upstream request (e.g. the chat user went away). */
  signal?: AbortSignal;
  /** Budget for the whole call: every retry and fallback (default: the config's deadlineMs). */
  deadlineMs?: number;
  /** Start the chain at this provider (its fallbacks follow); default the whole chain. */
  provider?: string;
  /** Log this call under another job name. */
  job?: string;
}

export interface Chain {
  readonly config: ResolvedConfig;
  /** A whole answer: resolves once one provider served; rejects with a typed error when none could. */
  complete(request: ChatRequest, opts?: CallOptions): Promise<ChainResult>;
  /** Deltas as they arrive; fails over only until the first delta is handed out (see ChainStream). */
  stream(request: ChatRequest, opts?: CallOptions): ChainStream;
  /** Closes the state store and the log. Finish or abort your calls first. */
  close(): Promise<void>;
}

/** Options only lucy-ops' own callers set. */
export interface InternalChainOptions extends CreateChainOptions {
  /**
   * How long a call's records are held before they are appended (with every other record held
   * meanwhile) in one write; 0 (serve's): two event-loop turns. See DeferredLog.
   */
  logWindowMs?: number;
}

/**
 * The library's window: calls made one after another share a write, and a process killed by a
 * signal it does not handle loses at most this much of its records (docs/library.md).
 */
export const LIBRARY_LOG_WINDOW_MS = 10;

/** Call options only `serve` uses. */
export interface InternalCallOptions extends CallOptions {
  /** A controller made for this call alone, instead of `signal`: abort it to cancel (see Engine's RunOptions.controller). */
  controller?: AbortControllerLike;
}

/** Internals `serve` needs beyond the public Chain. */
export interface ChainInternals extends Chain {
  readonly context: JobContext;
  /** Every call's log record (serve puts the run id in a header). */
  run(
    kind: 'complete',
    request: ChatRequest,
    opts: InternalCallOptions,
    onRecord?: (r: CallRecord) => void,
  ): Promise<ChainResult>;
  run(kind: 'stream', request: ChatRequest, opts: InternalCallOptions, onRecord?: (r: CallRecord) => void): ChainStream;
}

/** After falling back to the file store, how often a long-lived chain tries Redis again. */
const REDIS_RETRY_MS = 30_000;

/** How stale another process's breaker change may be when a long-lived chain reads it. */
const BREAKER_READ_MAX_AGE_MS = 50;

/** A config object (as written or already resolved), a path to a config file, or nothing (search). */
export type ChainConfigInput = UserConfig | ResolvedConfig | string | undefined;

export async function createChainInternals(
  input: ChainConfigInput,
  opts: InternalChainOptions = {},
): Promise<ChainInternals> {
  const config = await resolveInput(input);
  const env = opts.env ?? process.env;
  const problems = missingKeys(config, config.providers, env);
  if (problems.length)
    throw new ConfigError(`configuration error in ${config.configPath || 'config'}: ${problems.join('; ')}`, problems);
  // a chain lives as long as its process (a chat route, serve): it goes back to Redis after an outage
  const context = await openJobContext(config, {
    env,
    clock: opts.clock,
    warn: opts.warn,
    retryRedisEveryMs: REDIS_RETRY_MS,
  });
  const defaultJob = opts.job ?? 'library';
  const logging = opts.log ?? true;
  const streamingChain = config.providers.map((p) => ({ ...p, stream: true }));
  let closed = false;
  const hooks = new AfterRunQueue(defaultJob);
  // a call's records go out in one write, later, with those of the calls around it (see DeferredLog)
  const deferred = logging ? new DeferredLog(context.log, { windowMs: opts.logWindowMs }) : undefined;
  // Calls come many a second here: breaker reads may reuse one up to BREAKER_READ_MAX_AGE_MS old
  // (this process's own breaker changes are seen at once; see state/recent-reads.ts).
  const engineStore = new RecentReads(context.store, { maxAgeMs: BREAKER_READ_MAX_AGE_MS });

  const chainFrom = (providers: ResolvedProvider[], start?: string): ResolvedProvider[] => {
    if (start === undefined) return providers;
    const at = providers.findIndex((p) => p.name === start);
    if (at < 0)
      throw new RangeError(
        `unknown provider ${JSON.stringify(start)}; the chain is ${config.providers.map((p) => p.name).join(', ')}`,
      );
    return providers.slice(at);
  };

  // one engine for every call: each run hands it its own event sink (RunOptions.onEvent)
  const engine = new Engine(config, {
    store: engineStore,
    clock: context.clock,
    env,
    simClock: context.simClock,
    onBookkeepingError: context.warn,
  });

  const prepare = (kind: 'complete' | 'stream', callOpts: CallOptions, onRecord?: (r: CallRecord) => void) => {
    if (closed) throw new Error('this chain is closed');
    const providers = chainFrom(kind === 'stream' ? streamingChain : config.providers, callOpts.provider);
    const record = startCallRecord(context, callOpts.job ?? defaultJob, { enabled: logging, hooks, deferred });
    onRecord?.(record);
    return { providers, record };
  };

  function run(
    kind: 'complete',
    request: ChatRequest,
    callOpts: InternalCallOptions,
    onRecord?: (r: CallRecord) => void,
  ): Promise<ChainResult>;
  function run(
    kind: 'stream',
    request: ChatRequest,
    callOpts: InternalCallOptions,
    onRecord?: (r: CallRecord) => void,
  ): ChainStream;
  function run(
    kind: 'complete' | 'stream',
    request: ChatRequest,
    callOpts: InternalCallOptions,
    onRecord?: (r: CallRecord) => void,
  ): Promise<ChainResult> | ChainStream {
    const { providers, record } = prepare(kind, callOpts, onRecord);
    const settle = (p: Promise<ChainResult>, extra: Record<string, unknown>) =>
      p.then(
        (r) => {
          record.ok(r, extra);
          return r;
        },
        (err: unknown) => {
          record.failed(err, extra);
          throw err;
        },
      );
    const { signal, controller, deadlineMs } = callOpts;
    const onEvent = record.onEvent;
    // whole literals, not a shared base spread into each: a spread that then adds keys costs
    // ~1.5 µs on Node 20
    if (kind === 'complete')
      return settle(engine.complete(request, { providers, deadlineMs, onEvent, signal, controller }), {});
    // the stream's controller is made for this call alone: the run uses it as its own
    return openChainStream(
      (onDelta, own) =>
        settle(
          engine.complete(request, {
            providers,
            deadlineMs,
            onEvent,
            controller: own,
            onDelta,
            commitOnFirstDelta: true,
          }),
          { stream: true },
        ),
      { signal, controller },
    );
  }

  return {
    config,
    context,
    run,
    complete: (request, callOpts = {}) => {
      try {
        return run('complete', request, callOpts);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    stream: (request, callOpts = {}) => run('stream', request, callOpts),
    async close() {
      if (closed) return;
      closed = true;
      await hooks.drain();
      deferred?.close();
      context.log.close();
      await context.store.close();
    },
  };
}

async function resolveInput(input: ChainConfigInput): Promise<ResolvedConfig> {
  if (input === undefined || typeof input === 'string') {
    const { loadConfig } = await import('../config/load.js');
    return loadConfig(input);
  }
  if (isResolved(input)) return input;
  const [{ resolveConfig }, { validateSchedule }] = await Promise.all([
    import('../config/validate.js'),
    import('../schedule/slots.js'),
  ]);
  return resolveConfig(input, '', validateSchedule);
}

function isResolved(c: UserConfig | ResolvedConfig): c is ResolvedConfig {
  return (
    typeof (c as ResolvedConfig).configDir === 'string' &&
    typeof (c as ResolvedConfig).deadlineMs === 'number' &&
    'configPath' in c
  );
}
