/**
 * Small, dependency-free helpers for turning provider failures into safe ProviderErrors:
 * deadline marking, HTTP status and network-code mapping, Retry-After parsing, safe error snippets.
 * Kept apart from the client so the engine can use them without loading undici.
 */
import { scrubSecrets } from '../log/scrub.js';
import { withoutHidden } from '../text/hidden.js';
import { ProviderError, type ErrorType } from './types.js';

/**
 * The brand that marks an abort as "the run's deadline ran out". A Symbol.for key (not an
 * instanceof check) so that two copies of this module (src and dist in tests) agree.
 */
export const DEADLINE = Symbol.for('lucy-ops.deadline');

/**
 * Abort reason for the run's deadline. The engine does `controller.abort(new DeadlineReason())`;
 * the client then throws ProviderError('deadline') instead of 'aborted'.
 */
export class DeadlineReason extends Error {
  readonly [DEADLINE] = true;
  constructor(message = 'the run deadline was reached') {
    super(message);
    this.name = 'DeadlineReason';
  }
}

/**
 * True for a DeadlineReason (from any copy of this module) and for the DOMException 'TimeoutError'
 * that `AbortSignal.timeout(ms)` aborts with, since a caller using that means a deadline too.
 */
export function isDeadlineReason(reason: unknown): boolean {
  if (typeof reason !== 'object' || reason === null) return false;
  if ((reason as { [DEADLINE]?: unknown })[DEADLINE] === true) return true;
  return (reason as { name?: unknown }).name === 'TimeoutError';
}

/** Phrases providers use when the prompt (plus max_tokens) does not fit the context window. */
const CONTEXT_LENGTH =
  /context[_ ]length|maximum context|context window|too many tokens|prompt is too long|input is too long|reduce the length of the (?:messages|prompt)/i;

export function mentionsContextLength(text: string): boolean {
  return CONTEXT_LENGTH.test(text);
}

/** Maps a non-2xx status (and its body, for 400s) to an ErrorType. */
export function httpErrorType(status: number, bodyText: string): ErrorType {
  if (status === 429) return 'rate-limit';
  if (status === 408 || status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  // 413 is what some gateways send for an oversized prompt; only call it context-length when it says so.
  if ((status === 400 || status === 413) && mentionsContextLength(bodyText)) return 'context-length';
  return 'bad-request';
}

/**
 * Milliseconds to wait from `retry-after-ms` (ms, a float) or `Retry-After` (delta seconds or an
 * HTTP date). `nowMs` is the clock an HTTP date is measured against (the simulated clock under
 * LUCY_OPS_NOW). Returns undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  nowMs: number = Date.now(),
): number | undefined {
  const ms = firstHeader(headers['retry-after-ms']);
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const ra = firstHeader(headers['retry-after'])?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  // An HTTP date names a weekday and month; Date.parse alone would read "-3" as a year.
  const at = /[a-z]{3}/i.test(ra) ? Date.parse(ra) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_INVALID_CONSTANT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The ErrorType of a transport error (undici or node:net), looking through `cause` chains and
 * AggregateErrors (happy-eyeballs connects). Undefined when it is not a recognisable network error.
 */
export function networkErrorType(err: unknown): { type: ErrorType; code: string } | undefined {
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (CONNECT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
      return { type: 'connect', code };
    }
    if (RESET_CODES.has(code) || code.startsWith('HPE_')) return { type: 'reset', code };
    if (TIMEOUT_CODES.has(code)) return { type: 'timeout', code };
  }
  return undefined;
}

function* errorChain(err: unknown, depth = 0): Generator<object> {
  if (depth > 5 || typeof err !== 'object' || err === null) return;
  yield err;
  if (err instanceof AggregateError) for (const inner of err.errors) yield* errorChain(inner, depth + 1);
  yield* errorChain((err as { cause?: unknown }).cause, depth + 1);
}

/** How a blanked secret reads in a provider error message. */
const MARK = '[redacted]';

/** scrubSecrets (the one scrubber) with the mark provider error messages use. */
function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  return scrubSecrets(text, secrets, MARK);
}

/**
 * A snippet's input is cut to this many characters first: it shows at most a few hundred, and the
 * work on a hostile body (64 KB of `<`) stays bounded ...
 */
const SNIPPET_INPUT = 8192;
/** ... and this much of the cut text's end is dropped after scrubbing, so a secret the cut split shows no part. */
const CUT_MARGIN = 1024;

/** A provider's own error text, made short and safe: tags stripped, one line, ≤ max chars. */
export function safeSnippet(text: string, secrets: readonly (string | undefined)[] = [], max = 200): string {
  const cut = text.length > SNIPPET_INPUT;
  // scrubbed first: the scrubber sees a key through the tags and invisible characters that split
  // it, which the clean-up below would turn into spaces
  let scrubbed = scrub(cut ? text.slice(0, SNIPPET_INPUT) : text, secrets);
  if (cut) scrubbed = scrubbed.slice(0, scrubbed.length - CUT_MARGIN);
  // no tags, terminal escapes, control, bidi or zero-width characters: an error body must not
  // reach a terminal or a cron mail with them
  const oneLine = withoutHidden(scrubbed, ' ').replace(/\s+/g, ' ').trim();
  const safe = scrub(oneLine, secrets);
  return safe.length > max || cut ? `${safe.slice(0, max - 1)}…` : safe;
}

/** The message inside an OpenAI-style error body, or the whole body when it has none. */
export function providerErrorText(bodyText: string): string {
  try {
    const parsed: unknown = JSON.parse(bodyText);
    const message = errorObjectMessage(parsed);
    if (message) return message;
  } catch {
    // not JSON: fall through to the raw text (HTML error pages, plain text)
  }
  return bodyText;
}

/** `{"error": "..."}`, `{"error": {"message": ...}}`, `{"message": ...}` → the message. */
export function errorObjectMessage(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const error = (parsed as { error?: unknown }).error ?? parsed;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const { message, code, type } = error as { message?: unknown; code?: unknown; type?: unknown };
    const parts = [message, code, type].filter((p) => typeof p === 'string' || typeof p === 'number');
    if (parts.length > 0) return parts.join(' · ');
  }
  return undefined;
}

/** Context for wrapping an unknown error: the provider's name for the message, secrets to scrub. */
export interface WrapContext {
  provider?: string;
  secrets?: readonly (string | undefined)[];
  /** The provider's baseUrl: network errors name its host:port, so a wrong port shows. */
  baseUrl?: string;
}

/**
 * `host:port` of a URL, the port always written (80/443 when implied), so a network error says
 * where it tried. Only the host and port: never user:password, path or query. Undefined when unreadable.
 */
export function hostPort(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    const url = new URL(baseUrl);
    if (!url.hostname) return undefined;
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
    return port ? `${url.hostname}:${port}` : url.hostname;
  } catch {
    return undefined;
  }
}

/**
 * Anything thrown → a ProviderError with a short, scrubbed message. ProviderErrors pass through
 * (re-scrubbed); deadline/abort reasons become 'deadline'/'aborted'; transport errors get their
 * network type; an invalid URL or argument is 'bad-request'; anything else is 'server' (an
 * unexpected failure while talking to the provider: retry, then fail over).
 */
export function asProviderError(err: unknown, ctx: WrapContext = {}): ProviderError {
  const secrets = ctx.secrets ?? [];
  const who = ctx.provider ?? 'the provider';
  if (err instanceof ProviderError) {
    const safe = scrub(err.message, secrets);
    if (safe === err.message) return err;
    return new ProviderError(err.errorType, safe, { httpStatus: err.httpStatus, retryAfterMs: err.retryAfterMs });
  }
  if (isDeadlineReason(err)) return new ProviderError('deadline', `run deadline reached while calling ${who}`);
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || (err as { code?: unknown } | null)?.code === 'UND_ERR_ABORTED') {
    return new ProviderError('aborted', `call to ${who} aborted`);
  }
  const net = networkErrorType(err);
  if (net) {
    const where = hostPort(ctx.baseUrl);
    const at = where ? `${who} at ${where}` : who;
    const what =
      net.type === 'connect'
        ? `cannot connect to ${at}`
        : net.type === 'reset'
          ? `connection to ${at} was reset`
          : `${at} timed out`;
    return new ProviderError(net.type, scrub(`${what} (${net.code})`, secrets), { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL') {
    return new ProviderError('bad-request', safeSnippet(`invalid request to ${who}: ${message}`, secrets));
  }
  return new ProviderError('server', safeSnippet(`unexpected error calling ${who}: ${message}`, secrets));
}
