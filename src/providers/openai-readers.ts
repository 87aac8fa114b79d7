/**
 * The response body of one OpenAI-compatible attempt as it arrives: one of three readers, chosen
 * by the status and content type (an error status's body, a whole JSON answer, an SSE stream).
 * Each feeds the attempt's clocks (what counts as progress) and settles the attempt once, through
 * `Attempt.finish`, with the answer or a ProviderError.
 */
import type { ResolvedProvider } from '../config/types.js';
import type { AttemptGuard } from './attempt-guard.js';
import type { Exchange, ExchangeSinkError, ResponseHeaders } from './client-exchange.js';
import type { CallOptions } from './client.js';
import { httpErrorType, networkErrorType, parseRetryAfter, providerErrorText, safeSnippet } from './errors.js';
import { errorBody, parseAnswer, sample, streamResult, type Fail } from './openai-answer.js';
import { ChatStreamAccumulator, SseParser } from './sse.js';
import { ProviderError, type CompletionResult } from './types.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** After [DONE], how long to wait for the server to end the response (so the socket is reused). */
const DRAIN_AFTER_DONE_MS = 1000;

/** What the readers of one attempt share. */
export interface Attempt {
  provider: ResolvedProvider;
  opts: CallOptions;
  guard: AttemptGuard;
  exchange: Exchange;
  fail: Fail;
  /** Settles the attempt (once): an error, or the answer. */
  finish(err: unknown, result?: CompletionResult): void;
}

/** The response body as it arrives: one of three readers, chosen by the status and content type. */
export interface BodyReader {
  data(chunk: Buffer): void;
  end(): void;
  /** The exchange failed, or the attempt was cut. */
  error(err: unknown): void;
}

/**
 * A reader threw (the Exchange caught it): a ProviderError it threw on purpose (too large, an
 * error event, invalid JSON) is the attempt's failure as it is; anything else (a TypeError on a
 * shape it did not expect: `"choices": [null]`) is an answer that could not be read, a 'server'
 * failure (retry, then fail over) whose cause is the ExchangeSinkError and, under it, what was thrown.
 */
export function readFailure(provider: ResolvedProvider, err: ExchangeSinkError, fail: Fail): ProviderError {
  if (err.cause instanceof ProviderError) return err.cause;
  return fail('server', `the answer of ${provider.name} could not be read (${err.phase}): ${causeText(err.cause)}`, {
    cause: err,
  });
}

const causeText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

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
export function errorReader(a: Attempt, status: number, headers: ResponseHeaders): BodyReader {
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

export function jsonReader(a: Attempt): BodyReader {
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

export function streamReader(a: Attempt): BodyReader {
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
