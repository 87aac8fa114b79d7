/** OpenAI-compatible chat completion request (the subset lucy-ops sends and forwards). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  /** Other OpenAI fields pass through untouched (the model field is always the provider's). */
  [extra: string]: unknown;
}

export interface CompletionResult {
  content: string;
  finishReason: string;
  /** The model the provider says answered (may differ from the configured one). */
  model?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  /** Tool calls the model made (content may then be empty). */
  toolCalls?: ToolCall[];
}

/** An OpenAI-style tool call (streamed deltas are merged into this shape). */
export interface ToolCall {
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}

/**
 * Why an attempt failed. The engine decides retry / fail over / stop from this (see
 * src/engine/classify.ts and docs/failure-classification.md).
 */
export type ErrorType =
  | 'connect' // connection refused, DNS, TLS
  | 'reset' // connection reset or closed before a full response
  | 'timeout' // headers or whole attempt took longer than timeoutMs
  | 'idle-timeout' // no meaningful bytes for idleTimeoutMs
  | 'deadline' // the run's deadline cut the attempt short
  | 'aborted' // the caller aborted (client disconnect, SIGTERM)
  | 'rate-limit' // 429
  | 'server' // 5xx, 408
  | 'auth' // 401, 403
  | 'not-found' // 404 (model or route)
  | 'context-length' // 400 that says the prompt is too long
  | 'bad-request' // other 4xx
  | 'error-body' // 200 whose body is {"error": ...}
  | 'invalid-json' // body is not JSON / SSE data not JSON
  | 'empty' // no choices or no content
  | 'stream-cut' // stream ended without a finish / [DONE]
  | 'too-large' // the answer passed the provider's maxResponseBytes
  | 'missing-key'; // apiKeyEnv names a variable that is not set

export class ProviderError extends Error {
  readonly errorType: ErrorType;
  readonly httpStatus?: number;
  /** Milliseconds the provider asked us to wait (Retry-After / retry-after-ms). */
  readonly retryAfterMs?: number;
  constructor(
    errorType: ErrorType,
    message: string,
    opts: { httpStatus?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.errorType = errorType;
    this.httpStatus = opts.httpStatus;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
