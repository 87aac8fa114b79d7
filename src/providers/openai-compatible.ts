/**
 * The OpenAI-compatible chat completions client (`POST {baseUrl}/chat/completions`) over undici,
 * streaming (SSE) and not. One call = one attempt; retries, failover and the breaker live in the
 * engine, which reads `ProviderError.errorType` (see src/engine/classify.ts). Here: the request
 * and the attempt's life; the body is read by ./openai-readers.ts (error status, JSON, SSE) and
 * what it means is ./openai-answer.ts.
 *
 * Bounds (src/providers/attempt-guard.ts): `timeoutMs` for the whole attempt, `idleTimeoutMs` for
 * time without meaningful progress after the headers, and the caller's signal. To mark an abort
 * as the run's deadline (→ 'deadline', not 'aborted'), abort with a DeadlineReason (./errors.ts):
 *
 *   const run = new AbortController();
 *   setTimeout(() => run.abort(new DeadlineReason()), deadlineMs);
 *   await complete(provider, request, { apiKey, signal: run.signal });
 *
 * undici is imported on the first call only: a cron run that never calls a provider (breaker
 * status, an open breaker) does not pay its ~120 ms load time.
 */
import type { Dispatcher } from 'undici';
import type { ResolvedProvider } from '../config/types.js';
import { AttemptGuard } from './attempt-guard.js';
import { Exchange, ExchangeSinkError, type ResponseHeaders } from './client-exchange.js';
import { asProviderError, safeSnippet } from './errors.js';
import type { CallOptions, ProviderClient } from './client.js';
import type { Fail } from './openai-answer.js';
import { errorReader, jsonReader, readFailure, streamReader, type Attempt, type BodyReader } from './openai-readers.js';
import { ProviderError, type ChatRequest, type CompletionResult } from './types.js';

type Undici = typeof import('undici');

let undiciLoading: Promise<Undici> | undefined;
let sharedAgent: Dispatcher | undefined;
/** Both, once loaded: later calls take them without an await. */
let loaded: { undici: Undici; agent: Dispatcher } | undefined;

async function undiciAndAgent(): Promise<{ undici: Undici; agent: Dispatcher }> {
  const undici = await (undiciLoading ??= import('undici'));
  // keep-alive: cron runs retry and fail over to the same host, and `serve` makes many calls.
  sharedAgent ??= new undici.Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
  return (loaded = { undici, agent: sharedAgent });
}

/** Closes the shared connection pool (for `serve` shutdown and tests). */
export async function closeProviderAgent(): Promise<void> {
  const agent = sharedAgent;
  sharedAgent = undefined;
  loaded = undefined;
  await agent?.close();
}

/**
 * What every request to one provider shares: its URL and its headers (with one API key), made
 * once rather than on every call (`serve` makes thousands a second).
 */
interface ProviderTarget {
  /** e.g. https://api.example.com, and /v1/chat/completions: what undici's dispatch takes. */
  origin: string;
  path: string;
  apiKey: string | undefined;
  headers: Readonly<Record<string, string>>;
}
const targets = new WeakMap<ResolvedProvider, ProviderTarget>();

function targetOf(provider: ResolvedProvider, opts: CallOptions): ProviderTarget {
  const known = targets.get(provider);
  if (known && known.apiKey === opts.apiKey && !opts.simNow) return known;
  const url = new URL(`${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const target = {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    apiKey: opts.apiKey,
    // frozen: shared by every request, so nothing may change it in place
    headers: Object.freeze(requestHeaders(provider, opts)),
  };
  // the simulator's clock header changes per call: never kept
  if (!opts.simNow) targets.set(provider, target);
  return target;
}

/**
 * One attempt, as callbacks from undici's dispatch to one promise (no `request()` promise, no
 * Readable body, no `for await`: see client-exchange.ts).
 */
export function complete(
  provider: ResolvedProvider,
  request: ChatRequest,
  opts: CallOptions = {},
): Promise<CompletionResult> {
  // Loaded before the attempt's clocks start: module load time is not the provider's fault.
  if (!loaded) return undiciAndAgent().then(() => complete(provider, request, opts));
  const { undici, agent } = loaded;
  return new Promise<CompletionResult>((resolve, reject) => {
    const secrets = [opts.apiKey];
    const fail: Fail = (type, message, extra = {}) =>
      new ProviderError(type, safeSnippet(message, secrets, 300), extra);
    const guard = new AttemptGuard(provider.name, provider.timeoutMs, provider.idleTimeoutMs, opts.signal);
    let settled = false;
    let reader: BodyReader | undefined;
    const finish = (err: unknown, result?: CompletionResult): void => {
      if (settled) return;
      settled = true;
      guard.dispose();
      // a body not read to its end (an error, the byte cap) is not read further: its socket closes
      exchange.abort();
      if (result) return resolve(result);
      // A caller abort outranks everything; our own clocks explain whatever undici threw (an abort,
      // a socket destroyed), but not an HTTP error we had already read the status of.
      if (guard.cut?.kind === 'caller') return reject(guard.error());
      if (guard.cut && !(err instanceof ProviderError)) return reject(guard.error());
      reject(asProviderError(err, { provider: provider.name, secrets, baseUrl: provider.baseUrl }));
    };
    const exchange = new Exchange({
      head(status, rawHeaders) {
        guard.headers();
        const headers = undici.util.parseHeaders(rawHeaders) as ResponseHeaders;
        if (status < 200 || status >= 300) {
          reader = errorReader(attempt, status, headers);
          return;
        }
        const contentType = String(headers['content-type'] ?? '').toLowerCase();
        const sse = contentType.includes('text/event-stream') || (provider.stream && !contentType.includes('json'));
        reader = sse ? streamReader(attempt) : jsonReader(attempt);
      },
      // a reader's throw (a ProviderError it means, or a TypeError on input it did not expect)
      // comes back through error() as an ExchangeSinkError: the Exchange keeps it out of undici
      data: (chunk) => reader!.data(chunk),
      end: () => reader!.end(),
      error(err) {
        const failure = err instanceof ExchangeSinkError ? readFailure(provider, err, fail) : err;
        try {
          if (reader) reader.error(failure);
          else finish(failure);
        } catch (thrown) {
          finish(thrown);
        }
      },
    });
    const attempt: Attempt = { provider, opts, guard, exchange, fail, finish };
    guard.onCut = (err) => {
      exchange.abort(err);
      if (reader) reader.error(err);
      else finish(err);
    };
    if (guard.cut) return finish(guard.error());
    try {
      const target = targetOf(provider, opts);
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: 'POST',
          headers: target.headers,
          body: requestBody(provider, request),
          // Our own clocks bound the attempt; undici's are a backstop only.
          headersTimeout: provider.timeoutMs + 1000,
          bodyTimeout: provider.timeoutMs + 1000,
        },
        exchange,
      );
    } catch (err) {
      finish(err);
    }
  });
}

/** The request's own model/stream are overridden; stream_options is dropped when not streaming (some servers reject it). */
export function requestBody(provider: ResolvedProvider, request: ChatRequest): string {
  // the usual request (serve's, a job's) has none of the three: its own JSON with model and stream
  // added at the end is the same text the copy below makes, without the copy
  if (!('model' in request) && !('stream' in request) && !('stream_options' in request)) {
    const json = JSON.stringify(request);
    return `${json.length > 2 ? `${json.slice(0, -1)},` : '{'}"model":${JSON.stringify(provider.model)},"stream":${provider.stream}}`;
  }
  const { stream_options: streamOptions, ...rest } = request;
  const body: Record<string, unknown> = { ...rest, model: provider.model, stream: provider.stream };
  if (provider.stream && streamOptions !== undefined) body.stream_options = streamOptions;
  return JSON.stringify(body);
}

function requestHeaders(provider: ResolvedProvider, opts: CallOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(provider.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['content-type'] = 'application/json';
  headers.accept = provider.stream ? 'text/event-stream' : 'application/json';
  headers['user-agent'] ??= 'lucy-ops';
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  if (opts.simNow) headers['x-lucy-sim-now'] = opts.simNow;
  return headers;
}

/** The 'openai' API's client, for the provider registry. */
export const openaiClient: ProviderClient = { complete, close: closeProviderAgent };
