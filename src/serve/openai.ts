/**
 * OpenAI wire shapes `serve` answers with: completions, stream chunks, and errors the official
 * clients understand ({error: {message, type, code}}).
 */
import type { ChainResult } from '../engine/types.js';
import { EngineError } from '../engine/errors.js';
import type { Attempt } from '../engine/types.js';

export interface ErrorReply {
  status: number;
  body: {
    error: { message: string; type: string; code: string | null; param?: string | null; attempts?: PublicAttempt[] };
  };
}

/** What a client may see of an attempt: no headers, no bodies, no keys (error texts are scrubbed at the source). */
export type PublicAttempt = Pick<
  Attempt,
  'provider' | 'model' | 'outcome' | 'httpStatus' | 'errorType' | 'error' | 'ms'
>;

function publicAttempts(attempts: Attempt[]): PublicAttempt[] {
  return attempts.map(({ provider, model, outcome, httpStatus, errorType, error, ms }) => ({
    provider,
    model,
    outcome,
    httpStatus,
    errorType,
    error,
    ms,
  }));
}

export function errorReply(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  extra: Partial<ErrorReply['body']['error']> = {},
): ErrorReply {
  return { status, body: { error: { message, type, code, ...extra } } };
}

/** A chain error as the client sees it: 503 when no provider could serve, 504 at the deadline. */
export function chainErrorReply(err: unknown): ErrorReply {
  // Anything else is our bug; its message may hold internals, so the client gets none of it.
  if (!(err instanceof EngineError))
    return errorReply(500, 'internal error in lucy-ops serve (see its stderr)', 'lucy_ops_internal', 'internal_error');
  const attempts = { attempts: publicAttempts(err.attempts) };
  switch (err.code) {
    case 'all-providers-failed':
      return errorReply(503, err.message, 'lucy_ops_unavailable', 'all_providers_failed', attempts);
    case 'all-breakers-open':
      return errorReply(503, err.message, 'lucy_ops_unavailable', 'all_breakers_open', attempts);
    case 'deadline-exceeded':
      return errorReply(504, err.message, 'lucy_ops_deadline', 'deadline_exceeded', attempts);
    case 'response-too-large':
      return errorReply(502, err.message, 'lucy_ops_response_too_large', 'response_too_large', attempts);
    case 'stream-interrupted':
      return errorReply(502, err.message, 'lucy_ops_stream_interrupted', 'stream_interrupted', attempts);
    case 'run-aborted':
      return errorReply(
        503,
        'the request was aborted (client gone or server shutting down)',
        'lucy_ops_aborted',
        'aborted',
      );
  }
}

/**
 * The whole answer's JSON text, written directly rather than built as an object and serialised
 * (serve answers thousands a second; only the provider's values go through the JSON encoder).
 */
export function completionText(id: string, created: number, r: ChainResult): string {
  const toolCalls = r.toolCalls ? `,"tool_calls":${JSON.stringify(r.toolCalls)}` : '';
  const usage = r.usage ? `,"usage":${JSON.stringify(r.usage)}` : '';
  return (
    `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${JSON.stringify(created)},` +
    `"model":${JSON.stringify(r.model)},"choices":[{"index":0,"message":{"role":"assistant",` +
    `"content":${JSON.stringify(r.content)}${toolCalls}},"finish_reason":${JSON.stringify(r.finishReason)},` +
    `"logprobs":null}]${usage}}`
  );
}

/**
 * One stream's chunks as SSE text (`data: {id, object, created, model, choices: [{index, delta,
 * finish_reason, logprobs}]}`), written directly: the fields every chunk repeats are encoded once
 * a stream, and a content delta is one string encoded, not an object serialised (a streamed
 * answer is a chunk per delta).
 */
export function chunkFramer(id: string, created: number, model: string) {
  const head =
    `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${JSON.stringify(created)},` +
    `"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":`;
  const tail = (finishReason: string | null) =>
    `,"finish_reason":${JSON.stringify(finishReason)},"logprobs":null}]}\n\n`;
  const noFinish = tail(null);
  return {
    model,
    chunk: (delta: Record<string, unknown>, finishReason: string | null = null) =>
      `${head}${JSON.stringify(delta)}${finishReason === null ? noFinish : tail(finishReason)}`,
    content: (text: string) => `${head}{"content":${JSON.stringify(text)}}${noFinish}`,
  };
}

export function usageChunk(id: string, created: number, model: string, usage: unknown): string {
  return sse({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
}

export const sse = (data: unknown): string => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';
