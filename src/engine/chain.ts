/**
 * The failover engine: try each provider of the chain in order, retrying with backoff, skipping
 * providers whose breaker is open, all inside one deadline. Errors only when all fail.
 */
import type { AbortControllerLike } from '../abort-like.js';
import type { Clock, Sleep } from '../clock.js';
import { realSleep } from '../clock.js';
import type { ResolvedConfig, ResolvedProvider } from '../config/types.js';
import { defaultProviders, type ProviderRegistry } from '../providers/registry.js';
import { ProviderError, type ChatRequest } from '../providers/types.js';
import type { StateStore } from '../state/types.js';
import { retryWait } from './backoff.js';
import { Breakers, breakerPolicy, type Transition } from './breaker.js';
import { asProviderError } from '../providers/errors.js';
import { countsForBreaker, disposition } from './classify.js';
import { startDeadline } from './deadline.js';
import {
  abortReasonText,
  AllProvidersFailedError,
  DeadlineExceededError,
  RunAbortedError,
  StreamInterruptedError,
} from './errors.js';
import type { Attempt, ChainResult, EngineEvent, EngineProgress } from './types.js';
import { missingVariable } from '../config/errors.js';

export interface EngineDeps {
  store: StateStore;
  clock: Clock;
  sleep?: Sleep;
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: EngineEvent) => void;
  /** Attempts starting and backoff waits (a terminal's progress lines); not for the log. */
  onProgress?: (progress: EngineProgress) => void;
  /** Tell the simulator what time it is (only under the LUCY_OPS_NOW override). */
  simClock?: boolean;
  /**
   * Told when breaker bookkeeping fails (a full or unwritable stateDir, a state lock that cannot be
   * had): the run goes on as if the breaker were closed, and the providers decide its outcome.
   */
  onBookkeepingError?: (message: string) => void;
  /** The clients that speak each provider's API (default: the built-in ones, shared by the process). */
  clients?: ProviderRegistry;
}

export interface RunOptions {
  /** The chain for this run, in order (a job may restrict or reorder it). */
  providers?: ResolvedProvider[];
  deadlineMs?: number;
  signal?: AbortSignal;
  /**
   * A controller the caller made for this run alone, instead of `signal`: the run's deadline
   * aborts it, and aborting it cancels the run (saves the run its own controller; see deadline.ts).
   */
  controller?: AbortControllerLike;
  /**
   * Streaming: each content delta as it arrives, with the provider it comes from. A returned
   * promise is backpressure: the provider's body is not read further until it settles.
   */
  onDelta?: (text: string, from: DeltaSource) => void | Promise<void>;
  /** This run's attempts and breaker changes (besides the engine's own `onEvent`): a long-lived engine serves many runs. */
  onEvent?: (event: EngineEvent) => void;
  /**
   * Once onDelta has delivered anything, a failed attempt ends the run with StreamInterruptedError
   * instead of retrying or failing over: the caller already holds part of that provider's answer.
   */
  commitOnFirstDelta?: boolean;
}

/** Which provider a streamed delta comes from (known before its first byte reaches the caller). */
export interface DeltaSource {
  provider: string;
  model: string;
  degraded: boolean;
}

export type EngineConfig = Pick<ResolvedConfig, 'providers' | 'retry' | 'breaker' | 'deadlineMs'>;

export class Engine {
  readonly breakers: Breakers;
  private readonly sleep: Sleep;
  private readonly clients: ProviderRegistry;

  constructor(
    readonly config: EngineConfig,
    private readonly deps: EngineDeps,
  ) {
    this.sleep = deps.sleep ?? realSleep;
    this.clients = deps.clients ?? defaultProviders;
    this.breakers = new Breakers(deps.store, breakerPolicy(config), deps.clock);
  }

  async complete(request: ChatRequest, opts: RunOptions = {}): Promise<ChainResult> {
    const chain = opts.providers ?? this.config.providers;
    const deadlineMs = opts.deadlineMs ?? this.config.deadlineMs;
    const deadline = startDeadline(deadlineMs, opts.signal, opts.controller);
    const attempts: Attempt[] = [];
    const onEvent = opts.onEvent ?? this.deps.onEvent;
    const emitTransition = (t: Transition | undefined) => t && onEvent?.({ type: 'breaker', transition: t });
    const record = (a: Attempt) => {
      attempts.push(a);
      onEvent?.({ type: 'attempt', attempt: a });
    };
    let sentAny = false;
    let deliveredChars = 0;
    // the error that ends the run once its signal fired: the deadline, or the caller's abort
    const ended = () =>
      deadline.expired()
        ? new DeadlineExceededError(attempts, deadlineMs)
        : new RunAbortedError(attempts, abortReasonText(deadline.signal));
    // Breaker reads and writes wait for the state store's lock: the run's signal bounds that wait
    // too. A store that fails otherwise (ENOSPC, EACCES, a lock timeout) never decides the run: one
    // warning, `fallback` stands in, and after a failed write this run writes no more (each could
    // wait out the lock again).
    let storeBroken = false;
    const bounded = async <T>(work: () => Promise<T>, fallback: T, writes: boolean): Promise<T> => {
      if (writes && storeBroken) return fallback;
      try {
        return await work();
      } catch (err) {
        if (deadline.signal.aborted) throw ended();
        if (!storeBroken) {
          this.deps.onBookkeepingError?.(
            `breaker state could not be ${writes ? 'written' : 'read'} (${(err as Error)?.message ?? String(err)}); this run goes on without it`,
          );
        }
        storeBroken = true;
        return fallback;
      }
    };
    try {
      for (const [index, provider] of chain.entries()) {
        const maxTries = this.config.retry.attempts;
        for (let tryNo = 1; tryNo <= maxTries; tryNo++) {
          if (deadline.expired()) throw new DeadlineExceededError(attempts, deadlineMs);
          const gate = await bounded(
            () => this.breakers.acquire(provider.name, deadline.signal),
            { allow: true, trial: false } as const,
            false,
          );
          if (!gate.allow) {
            // an open breaker costs no request; on a retry it means another run opened it meanwhile
            if (tryNo === 1) record({ provider: provider.name, model: provider.model, outcome: 'skipped-open', ms: 0 });
            break;
          }
          emitTransition(gate.transition);
          this.deps.onProgress?.({
            type: 'attempt-start',
            provider: provider.name,
            tryNo,
            maxTries,
            trial: Boolean(gate.trial),
          });
          const started = performance.now();
          sentAny = true;
          const from: DeltaSource = { provider: provider.name, model: provider.model, degraded: index > 0 };
          const userOnDelta = opts.onDelta;
          const onDelta =
            userOnDelta &&
            ((text: string) => {
              deliveredChars += text.length;
              return userOnDelta(text, from);
            });
          try {
            const result = await this.clients.clientFor(provider).complete(provider, request, {
              apiKey: this.apiKey(provider),
              signal: deadline.signal,
              simNow: this.deps.simClock ? new Date(this.deps.clock.now()).toISOString() : undefined,
              onDelta,
            });
            record({
              provider: provider.name,
              model: provider.model,
              outcome: 'ok',
              ms: Math.round(performance.now() - started),
            });
            try {
              // the answer is in hand: a breaker write that failed or ran out of time must not lose
              // it (the breaker only misses one success; the next one closes it)
              emitTransition(
                await bounded(() => this.breakers.recordSuccess(provider.name, deadline.signal), undefined, true),
              );
            } catch {
              // the deadline ran out while recording: the answer still stands
            }
            // Object.assign, not a spread: on Node 20 a spread whose later keys override the copied
            // ones (model here) takes V8's slow path, ~4 µs a call
            return Object.assign({}, result, {
              provider: provider.name,
              model: provider.model,
              degraded: index > 0,
              attempts,
            });
          } catch (raw) {
            const err = asProviderError(raw);
            record({
              provider: provider.name,
              model: provider.model,
              outcome: 'failed',
              httpStatus: err.httpStatus,
              errorType: err.errorType,
              error: err.message,
              ms: Math.round(performance.now() - started),
            });
            const next = disposition(err);
            if (next === 'stop') {
              if (err.errorType === 'deadline' || deadline.expired())
                throw new DeadlineExceededError(attempts, deadlineMs);
              throw new RunAbortedError(attempts, abortReasonText(deadline.signal));
            }
            const t = countsForBreaker(err)
              ? await bounded(
                  () => this.breakers.recordFailure(provider.name, err.errorType, deadline.signal),
                  undefined,
                  true,
                )
              : undefined;
            emitTransition(t);
            if (opts.commitOnFirstDelta && deliveredChars > 0) {
              throw new StreamInterruptedError(attempts, provider.name, provider.model, deliveredChars);
            }
            if (t?.to === 'open') break; // this run's own failures opened it: move on now
            if (gate.trial || next === 'failover' || tryNo === maxTries) break;
            const wait = retryWait({
              retry: tryNo,
              policy: this.config.retry,
              remainingMs: deadline.remaining(),
              retryAfterMs: err.retryAfterMs,
              random: this.deps.random,
            });
            if (wait === undefined) break;
            this.deps.onProgress?.({ type: 'retry-wait', provider: provider.name, tryNo, maxTries, waitMs: wait });
            try {
              if (wait > 0) await this.sleep(wait, deadline.signal);
            } catch {
              throw ended();
            }
          }
        }
      }
      throw new AllProvidersFailedError(attempts, !sentAny);
    } finally {
      deadline.dispose();
    }
  }

  private apiKey(provider: ResolvedProvider): string | undefined {
    if (!provider.apiKeyEnv) return undefined;
    const key = (this.deps.env ?? process.env)[provider.apiKeyEnv];
    if (!key)
      throw new ProviderError(
        'missing-key',
        `environment variable ${provider.apiKeyEnv} (API key of ${provider.name}) ${missingVariable(key)}`,
      );
    return key;
  }
}

/** Config problems to report (exit 78) before any work: API key variables a chain needs but lacks. */
export function missingKeys(
  config: Pick<ResolvedConfig, 'providers'>,
  chain: ResolvedProvider[],
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return (
    chain
      .filter((p) => p.apiKeyEnv && !env[p.apiKeyEnv])
      // `KEY=` (set but empty, e.g. a blank line in an env file) is a different fix from a missing one
      .map(
        (p) =>
          `providers[${config.providers.indexOf(p)}].apiKeyEnv: environment variable ${p.apiKeyEnv} ${missingVariable(env[p.apiKeyEnv!])} (needed by provider ${p.name})`,
      )
  );
}
