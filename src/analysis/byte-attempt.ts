/**
 * A failed attempt.end read from bytes (byte-decode.ts): what the gap analysis takes from it is its
 * cause (cause.ts `attemptCauseKey`: the provider and its HTTP status, else its error type). Read
 * here only in the exact shape JobLog writes (`logEngineEvent`): after the common fields, the keys
 * provider, model, outcome "failed", httpStatus and errorType (each may be absent), ms and error
 * (may be absent), in that order and nothing else, every string plain (no escape). Each key then
 * sits once at the top level, so the line reads as JSON.parse reads it; any other line (an escaped
 * error message, another outcome, another writer's keys) is left to the full parse.
 */
import { atView, bytesOf, known, quote } from './byte-scan.js';
import { causeKey, isHttpStatus } from './cause.js';

const PROVIDER_KEY = bytesOf(',"provider":"');
const MODEL_KEY = bytesOf('","model":"');
const OUTCOME_FAILED = bytesOf('","outcome":"failed"');
const HTTP_STATUS_KEY = bytesOf(',"httpStatus":');
const ERROR_TYPE_KEY = bytesOf(',"errorType":"');
const MS_KEY = bytesOf(',"ms":');
const ERROR_KEY = bytesOf(',"error":"');

const providers: string[] = [];
const errorTypes: string[] = [];

/**
 * The cause key of the failed attempt whose fields after the common ones begin at `restAt` (the
 * line's closing brace at `last`); undefined when the line is not in JobLog's exact shape.
 */
export function failedAttemptCause(
  b: Buffer,
  view: DataView,
  text: string,
  restAt: number,
  last: number,
): string | undefined {
  if (!atView(view, restAt, PROVIDER_KEY, last)) return undefined;
  const providerAt = restAt + PROVIDER_KEY.length;
  const providerEnd = quote(b, providerAt, last);
  if (providerEnd < 0 || !atView(view, providerEnd, MODEL_KEY, last)) return undefined;
  const modelEnd = quote(b, providerEnd + MODEL_KEY.length, last);
  if (modelEnd < 0 || !atView(view, modelEnd, OUTCOME_FAILED, last)) return undefined;
  let at = modelEnd + OUTCOME_FAILED.length;
  let status = 0;
  if (atView(view, at, HTTP_STATUS_KEY, last)) {
    at += HTTP_STATUS_KEY.length;
    const end = numberEnd(b, at, last);
    if (end < 0) return undefined;
    status = Number(text.slice(at, end));
    at = end;
  }
  let errorTypeAt = -1;
  let errorTypeEnd = -1;
  if (atView(view, at, ERROR_TYPE_KEY, last)) {
    errorTypeAt = at + ERROR_TYPE_KEY.length;
    errorTypeEnd = quote(b, errorTypeAt, last);
    if (errorTypeEnd < 0) return undefined;
    at = errorTypeEnd + 1;
  }
  if (!atView(view, at, MS_KEY, last)) return undefined;
  at = numberEnd(b, at + MS_KEY.length, last);
  if (at < 0) return undefined;
  if (at !== last) {
    if (!atView(view, at, ERROR_KEY, last) || quote(b, at + ERROR_KEY.length, last) !== last - 1) return undefined;
  }
  const provider = known(providers, b, text, providerAt, providerEnd);
  const reason = isHttpStatus(status)
    ? String(status)
    : errorTypeAt >= 0
      ? known(errorTypes, b, text, errorTypeAt, errorTypeEnd)
      : 'error';
  return causeKey(provider, reason);
}

/** Where the JSON integer at `pos` ends (digits, no leading zero unless alone); -1 if none is there. */
function numberEnd(b: Buffer, pos: number, last: number): number {
  let i = pos;
  while (i < last && b[i] >= 48 && b[i] <= 57) i++;
  if (i === pos || i - pos > 15 || (b[pos] === 48 && i - pos > 1)) return -1;
  return i;
}
