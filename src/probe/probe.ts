/**
 * `probe providers`: one tiny real request (max_tokens 1) to every provider, concurrently, each
 * bounded by the probe's timeout, regardless of breaker state. A success is a real observation
 * and closes an open (or half-open) breaker, except one tripped by hand whose time has not run out
 * (planned maintenance: only `breaker reset` or the trial ends it). A hand-tripped provider is still
 * called: the probe is a diagnostic, and one tiny request tells whether it is back. A failure leaves
 * the breaker alone (a probe with a short --timeout must not open breakers that real runs would
 * not). Results go to the job log as `probe` records (job "probe").
 */
import type { ResolvedProvider } from '../config/types.js';
import type { JobContext } from '../jobs/context.js';
import { newRunId } from '../log/writer.js';
import { formatDuration } from '../time.js';
import type { ErrorType } from '../providers/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { openBreakers, type BreakerView } from '../engine/breaker-board.js';
import { missingVariable } from '../config/errors.js';
import { baseUrlFix } from '../config/base-url.js';

export const PROBE_JOB = 'probe';
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export interface ProbeResult {
  provider: string;
  model: string;
  ok: boolean;
  /** Measured from just before the request to the parsed answer (or the failure); 0 when none was sent. */
  latencyMs: number;
  /** false when no request was sent (its key variable is unset); absent when one was. */
  sent?: false;
  httpStatus?: number;
  /** Short, key-free description. */
  error?: string;
  errorType?: ErrorType;
  /** The model the provider says answered, when it differs from the configured one. */
  answeredBy?: string;
  /** Breaker state after the probe. */
  breaker: BreakerView['state'];
  /** True when this probe's success closed a breaker that was open or half-open. */
  closedBreaker?: boolean;
  /** True when the provider answered but its breaker stays open: tripped by hand until trippedUntil. */
  keptOpen?: boolean;
  trippedUntil?: string;
  /** What the probe did (or did not do) to the breaker, in one sentence for people and CI logs. */
  note?: string;
}

export interface ProbeOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The clients that speak each provider's API (default: the built-in ones). */
  clients?: ProviderRegistry;
}

export async function probeProviders(ctx: JobContext, opts: ProbeOptions = {}): Promise<ProbeResult[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const runId = newRunId(ctx.clock.now());
  const scheduledFor = new Date(ctx.clock.now()).toISOString();
  const log = ctx.log.forRun({ job: PROBE_JOB, runId, scheduledFor, trigger: 'manual' });
  const breakers = openBreakers(ctx);

  return Promise.all(
    ctx.config.providers.map(async (provider) => {
      const attempt = await probeOne(ctx, provider, timeoutMs, opts);
      let view: BreakerView;
      let effect: Pick<ProbeResult, 'closedBreaker' | 'keptOpen' | 'trippedUntil' | 'note'> = {};
      if (attempt.ok) {
        const { transition, view: after, trippedUntil } = await breakers.recordProbeSuccess(provider.name);
        view = after;
        if (transition) {
          effect = {
            closedBreaker: true,
            note: `${provider.name} answered: its breaker is now closed (recorded in the job log as breaker.close by probe)`,
          };
          log('breaker.close', { provider: provider.name, from: transition.from, by: 'probe' });
        } else if (trippedUntil) {
          const left = formatDuration(Date.parse(trippedUntil) - ctx.clock.now());
          const note = `${provider.name} answered; its breaker stays open: tripped by hand until ${trippedUntil}, in ${left} (lucy-ops breaker reset ${provider.name} to close it)`;
          effect = { keptOpen: true, trippedUntil, note };
        }
      } else {
        view = await breakers.view(provider.name);
      }
      const result: ProbeResult = { ...attempt, breaker: view.state, ...effect };
      log(
        'probe',
        {
          provider: result.provider,
          model: result.model,
          ok: result.ok,
          latencyMs: result.latencyMs,
          httpStatus: result.httpStatus,
          errorType: result.errorType,
          error: result.error,
          breaker: result.breaker,
          ...(result.keptOpen ? { keptOpen: true, trippedUntil: result.trippedUntil } : {}),
        },
        result.ok ? 'info' : 'warn',
      );
      return result;
    }),
  );
}

type Attempt = Omit<ProbeResult, 'breaker' | 'closedBreaker' | 'keptOpen' | 'trippedUntil' | 'note'>;

async function probeOne(
  ctx: JobContext,
  provider: ResolvedProvider,
  timeoutMs: number,
  { signal, clients }: ProbeOptions,
): Promise<Attempt> {
  const base = { provider: provider.name, model: provider.model };
  const apiKey = provider.apiKeyEnv ? ctx.env[provider.apiKeyEnv] : undefined;
  if (provider.apiKeyEnv && !apiKey) {
    // a diagnostic, not a run: report it as this provider's failure instead of refusing to probe
    return {
      ...base,
      ok: false,
      latencyMs: 0,
      sent: false,
      errorType: 'missing-key',
      error: `environment variable ${provider.apiKeyEnv} ${missingVariable(apiKey)}`,
    };
  }
  const client = (clients ?? (await import('../providers/registry.js')).defaultProviders).clientFor(provider);
  const { asProviderError } = await import('../providers/errors.js');
  // load undici before the clock starts (the client loads it lazily): its load time is not latency
  await import('undici');
  // the probe's own bound replaces the provider's timeoutMs (it may be longer or shorter)
  const bounded: ResolvedProvider = {
    ...provider,
    timeoutMs,
    idleTimeoutMs: Math.min(provider.idleTimeoutMs, timeoutMs),
  };
  const started = performance.now();
  try {
    const answer = await client.complete(
      bounded,
      { messages: [{ role: 'user', content: 'ping' }], max_tokens: 1, temperature: 0 },
      {
        apiKey,
        signal,
        simNow: ctx.simClock ? new Date(ctx.clock.now()).toISOString() : undefined,
      },
    );
    const latencyMs = elapsed(started);
    return {
      ...base,
      ok: true,
      latencyMs,
      ...(answer.model && answer.model !== provider.model ? { answeredBy: answer.model } : {}),
    };
  } catch (raw) {
    const latencyMs = elapsed(started);
    const err = asProviderError(raw, { provider: provider.name, secrets: [apiKey] });
    return {
      ...base,
      ok: false,
      latencyMs,
      errorType: err.errorType,
      error: probeBoundNamed(err.message, err.errorType, provider, timeoutMs) + notFoundHint(err.httpStatus, provider),
      ...(err.httpStatus ? { httpStatus: err.httpStatus } : {}),
    };
  }
}

/**
 * The attempt's messages name the config fields that bound it (`timeoutMs 30000`); here the
 * bound is the probe's `--timeout` (and the idle bound too when --timeout shortened it).
 */
function probeBoundNamed(message: string, type: string, provider: ResolvedProvider, timeoutMs: number): string {
  if (type === 'timeout') return message.replace(/\btimeoutMs \d+/, `--timeout ${timeoutMs} ms`);
  if (type === 'idle-timeout' && provider.idleTimeoutMs >= timeoutMs)
    return message.replace(/\bidleTimeoutMs \d+/, `--timeout ${timeoutMs} ms`);
  return message;
}

/** A 404 from a baseUrl without its version segment: say the likely fix where the failure is read. */
function notFoundHint(httpStatus: number | undefined, provider: ResolvedProvider): string {
  const fix = httpStatus === 404 ? baseUrlFix(provider.baseUrl) : undefined;
  return fix ? ` (baseUrl ${provider.baseUrl} has no version segment; likely fix: ${fix})` : '';
}

/** Whole milliseconds, rounded up: a request that really went out never reads 0. */
function elapsed(started: number): number {
  return Math.ceil(performance.now() - started);
}
