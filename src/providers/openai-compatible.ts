/**
 * The OpenAI-compatible chat completions client (`POST {baseUrl}/chat/completions`) over undici,
 * streaming (SSE) and not. One call = one attempt; retries, failover and the breaker live in the
 * engine, which reads `ProviderError.errorType` (see src/engine/classify.ts).
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
import { Exchange, type ResponseHeaders } from './client-exchange.js';
import {
  asProviderError,
  errorObjectMessage,
  httpErrorType,
  mentionsContextLength,
  networkErrorType,
  parseRetryAfter,
  providerErrorText,
  safeSnippet,
} from './errors.js';
import type { CallOptions, ProviderClient } from './client.js';
import { ChatStreamAccumulator, SseParser } from './sse.js';
import { ProviderError, type ChatRequest, type CompletionResult, type ErrorType, type ToolCall } from './types.js';

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

const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** After [DONE], how long to wait for the server to end the response (so the socket is reused). */
const DRAIN_AFTER_DONE_MS = 1000;

/** What the readers of one attempt share. */
interface Attempt {
  provider: ResolvedProvider;
  opts: CallOptions;
  guard: AttemptGuard;
  exchange: Exchange;
  fail: Fail;
  /** Settles the attempt (once): an error, or the answer. */
  finish(err: unknown, result?: CompletionResult): void;
}

/** The response body as it arrives: one of three readers, chosen by the status and content type. */
interface BodyReader {
  data(chunk: Buffer): void;
  end(): void;
  /** The exchange failed, or the attempt was cut. */
  error(err: unknown): void;
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
      data(chunk) {
        try {
          reader!.data(chunk);
        } catch (err) {
          reader!.error(err);
        }
      },
      end() {
        try {
          reader!.end();
        } catch (err) {
          reader!.error(err);
        }
      },
      error: (err) => (reader ? reader.error(err) : finish(err)),
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

/**
 * What the provider sent, bounded for the regexes. fail() scrubs BEFORE it shortens to 300 chars,
 * so a key cut in half at the end of a sample can never show: only the first 300 chars survive.
 */
function sample(text: string): string {
  return text.slice(0, 4096);
}

type Fail = (type: ErrorType, message: string, extra?: { httpStatus?: number; retryAfterMs?: number }) => ProviderError;

function httpError(
  provider: ResolvedProvider,
  status: number,
  headers: ResponseHeaders,
  text: string,
  opts: CallOptions,
  fail: Fail,
): ProviderError {
  const type = httpErrorType(status, text);
  const nowMs = opts.simNow && !Number.isNaN(Date.parse(opts.simNow)) ? Date.parse(opts.simNow) : Date.now();
  const retryAfterMs = type === 'rate-limit' || type === 'server' ? parseRetryAfter(headers, nowMs) : undefined;
  const said = safeSnippet(providerErrorText(text), [opts.apiKey]);
  return fail(type, `HTTP ${status} from ${provider.name}${said ? `: ${said}` : ''}`, {
    httpStatus: status,
    retryAfterMs,
  });
}

/** A body's text as it arrives, up to a cap; any non-whitespace byte is progress (blank lines and spaces are not). */
class BodyText {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly guard: AttemptGuard,
    private readonly maxBytes: number,
  ) {}

  /** False once the body passed the cap (that chunk is not kept). */
  add(chunk: Buffer): boolean {
    if (hasNonWhitespace(chunk)) this.guard.progress();
    this.size += chunk.length;
    if (this.size > this.maxBytes) return false;
    this.chunks.push(chunk);
    return true;
  }

  text(): string {
    const { chunks } = this;
    return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }
}

/** A non-2xx answer: its body (enough of it to classify) explains the status. */
function errorReader(a: Attempt, status: number, headers: ResponseHeaders): BodyReader {
  const body = new BodyText(a.guard, MAX_ERROR_BODY_BYTES);
  const answer = (text: string) => a.finish(httpError(a.provider, status, headers, text, a.opts, a.fail));
  return {
    data: (chunk) => {
      // enough to classify; the rest is not read
      if (!body.add(chunk)) answer(body.text());
    },
    end: () => answer(body.text()),
    // The status already says what happened; only a caller abort outranks it.
    error: (err) => (a.guard.cut?.kind === 'caller' ? a.finish(err) : answer('')),
  };
}

function jsonReader(a: Attempt): BodyReader {
  const body = new BodyText(a.guard, a.provider.maxResponseBytes);
  return {
    data: (chunk) => {
      if (!body.add(chunk)) a.finish(tooLarge(a.provider, a.fail));
    },
    end: () => a.finish(undefined, parseAnswer(a.provider, body.text(), a.fail)),
    error: (err) => a.finish(err),
  };
}

function hasNonWhitespace(chunk: Uint8Array): boolean {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return true;
  }
  return false;
}

interface ChatResponse {
  model?: unknown;
  usage?: CompletionResult['usage'];
  error?: unknown;
  choices?: Array<{ message?: { content?: unknown; tool_calls?: ToolCall[] }; finish_reason?: unknown }>;
}

/** A whole (non-streamed) answer's JSON. */
function parseAnswer(provider: ResolvedProvider, text: string, fail: Fail): CompletionResult {
  let parsed: ChatResponse;
  try {
    parsed = JSON.parse(text) as ChatResponse;
  } catch {
    throw fail(
      'invalid-json',
      `invalid JSON from ${provider.name}: ${text.trim() === '' ? 'empty body' : sample(text)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw fail('invalid-json', `unexpected JSON from ${provider.name}: ${sample(text)}`);
  if (parsed.error !== undefined && parsed.error !== null)
    throw errorBody(provider, errorObjectMessage(parsed) ?? '', fail);
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  if (!choice) throw fail('empty', `no choices from ${provider.name}`);
  const content = messageText(choice.message?.content);
  const toolCalls =
    Array.isArray(choice.message?.tool_calls) && choice.message.tool_calls.length > 0
      ? choice.message.tool_calls
      : undefined;
  if (content.trim() === '' && !toolCalls) throw fail('empty', `empty content from ${provider.name}`);
  return {
    content,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop',
    model: typeof parsed.model === 'string' ? parsed.model : undefined,
    usage: typeof parsed.usage === 'object' && parsed.usage !== null ? parsed.usage : undefined,
    ...(toolCalls ? { toolCalls } : {}),
  };
}

/** `content` is usually a string; some providers send an array of `{type: 'text', text}` parts. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === 'object' && p !== null && typeof p.text === 'string' ? p.text : ''))
      .join('');
  }
  return '';
}

/** A 200 whose body is an error object; one that says the prompt is too long is context-length (no retry). */
function errorBody(provider: ResolvedProvider, message: string, fail: Fail): ProviderError {
  const type: ErrorType = mentionsContextLength(message) ? 'context-length' : 'error-body';
  return fail(type, `error body from ${provider.name}${message ? `: ${message}` : ''}`, { httpStatus: 200 });
}

function streamReader(a: Attempt): BodyReader {
  const { provider, guard, fail, exchange, opts } = a;
  const parser = new SseParser();
  const onDelta = opts.onDelta;
  // A consumer that cannot take deltas (a client gone from `serve`) means nobody waits for the
  // answer: 'aborted', so the provider is neither retried nor blamed.
  const acc = new ChatStreamAccumulator(
    onDelta &&
      ((text: string) => {
        try {
          return onDelta(text);
        } catch (err) {
          throw new ProviderError('aborted', `the consumer of ${provider.name}'s stream failed`, { cause: err });
        }
      }),
  );
  const handle = (data: string): void => {
    const outcome = acc.accept(data);
    switch (outcome.kind) {
      case 'progress':
        guard.progress();
        return;
      case 'done':
        guard.progress();
        guard.shortenIdle(DRAIN_AFTER_DONE_MS);
        return;
      case 'no-progress':
        return;
      case 'error':
        throw errorBody(provider, outcome.message, fail);
      case 'invalid-json':
        throw fail('invalid-json', `invalid JSON in stream from ${provider.name}: ${sample(outcome.sample)}`);
    }
  };
  // A stream that finished but then lingered (no [DONE], or no end after it) is still an answer;
  // the connection dropping under an unfinished stream is a cut stream, however the socket died.
  const failed = (err: unknown): void => {
    if (guard.cut && guard.cut.kind !== 'caller' && acc.finished) return answer();
    const net = guard.cut ? undefined : networkErrorType(err);
    if (net?.type === 'reset')
      return a.finish(fail('stream-cut', `stream from ${provider.name} cut mid-way (${net.code})`));
    a.finish(err);
  };
  const answer = (): void => {
    try {
      a.finish(undefined, streamResult(provider, acc, fail));
    } catch (err) {
      a.finish(err);
    }
  };
  let size = 0;
  return {
    data: (chunk) => {
      // After [DONE] we only drain (so the connection can be reused); the content is complete.
      if (acc.sawDone) return;
      // the bytes read, not the content kept: a line that never ends grows the parser's buffer too
      size += chunk.length;
      if (size > provider.maxResponseBytes) throw tooLarge(provider, fail);
      for (const data of parser.push(chunk)) if (!acc.sawDone) handle(data);
      // the consumer is behind: read nothing more (undici stops reading the socket) until it catches up
      const behind = acc.backpressure;
      if (behind) {
        acc.backpressure = undefined;
        exchange.pause();
        guard.waitFor(behind).then(() => exchange.resume(), failed);
      }
    },
    end: () => {
      // what the parser still holds may itself fail the stream (an error event), as mid-way
      if (!acc.sawDone) for (const data of parser.end()) handle(data);
      answer();
    },
    error: failed,
  };
}

function tooLarge(provider: ResolvedProvider, fail: Fail): ProviderError {
  return fail(
    'too-large',
    `answer from ${provider.name} passed maxResponseBytes (${provider.maxResponseBytes} bytes); the rest was not read`,
  );
}

function streamResult(provider: ResolvedProvider, acc: ChatStreamAccumulator, fail: Fail): CompletionResult {
  if (!acc.finished) throw fail('stream-cut', `stream from ${provider.name} ended without a finish_reason or [DONE]`);
  const toolCalls = acc.toolCalls.filter(Boolean);
  if (acc.content.trim() === '' && toolCalls.length === 0)
    throw fail('empty', `empty content in stream from ${provider.name}`);
  return {
    content: acc.content,
    finishReason: acc.finishReason ?? 'stop',
    model: acc.model,
    usage: acc.usage,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
  };
}

/** The 'openai' API's client, for the provider registry. */
export const openaiClient: ProviderClient = { complete, close: closeProviderAgent };
