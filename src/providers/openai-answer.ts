/**
 * What an OpenAI-compatible answer means once read: a whole (non-streamed) answer's JSON, a 200
 * whose body is an error object, a finished stream's result. Every failure is a ProviderError
 * made by the attempt's `fail` (scrubbed, shortened), so the engine can classify it.
 */
import type { ResolvedProvider } from '../config/types.js';
import { errorObjectMessage, mentionsContextLength } from './errors.js';
import type { ChatStreamAccumulator } from './sse.js';
import type { CompletionResult, ErrorType, ProviderError, ToolCall } from './types.js';

/** Makes the attempt's ProviderError: the message scrubbed of its secrets and shortened. */
export type Fail = (
  type: ErrorType,
  message: string,
  extra?: { httpStatus?: number; retryAfterMs?: number; cause?: unknown },
) => ProviderError;

/**
 * What the provider sent, bounded for the regexes. fail() scrubs BEFORE it shortens to 300 chars,
 * so a key cut in half at the end of a sample can never show: only the first 300 chars survive.
 */
export function sample(text: string): string {
  return text.slice(0, 4096);
}

interface ChatResponse {
  model?: unknown;
  usage?: CompletionResult['usage'];
  error?: unknown;
  choices?: Array<{ message?: { content?: unknown; tool_calls?: ToolCall[] }; finish_reason?: unknown }>;
}

/** A whole (non-streamed) answer's JSON. */
export function parseAnswer(provider: ResolvedProvider, text: string, fail: Fail): CompletionResult {
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
export function errorBody(provider: ResolvedProvider, message: string, fail: Fail): ProviderError {
  const type: ErrorType = mentionsContextLength(message) ? 'context-length' : 'error-body';
  return fail(type, `error body from ${provider.name}${message ? `: ${message}` : ''}`, { httpStatus: 200 });
}

export function streamResult(provider: ResolvedProvider, acc: ChatStreamAccumulator, fail: Fail): CompletionResult {
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
