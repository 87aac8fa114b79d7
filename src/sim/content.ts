/**
 * What the simulator says: a deterministic Markdown article for a prompt, OpenAI-shaped
 * completion bodies and SSE chunks, and the error bodies real providers send.
 */

export interface ChatBody {
  model: string;
  stream: boolean;
  /** The last user message (or '' when there is none). */
  prompt: string;
  promptChars: number;
  includeUsage: boolean;
}

/** Reads the fields the simulator cares about from a parsed request body. */
export function readChatBody(body: unknown): ChatBody | { error: string } {
  if (typeof body !== 'object' || body === null) return { error: 'request body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return { error: 'you must provide a model parameter' };
  const messages = Array.isArray(b.messages) ? (b.messages as Array<{ role?: unknown; content?: unknown }>) : [];
  const texts = messages.map((m) => (typeof m?.content === 'string' ? m.content : ''));
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const options = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    stream: b.stream === true,
    prompt: typeof lastUser?.content === 'string' ? lastUser.content : '',
    promptChars: texts.reduce((n, t) => n + t.length, 0),
    includeUsage: options?.include_usage === true,
  };
}

/** A title from the prompt: the topic after "about", else its first sentence; at most 8 words. */
export function titleFor(prompt: string): string {
  const topic = /\babout\s+([^\n]+)/i.exec(prompt)?.[1] ?? prompt;
  const sentence = topic.split(/[.!?\n:;]/).find((part) => /[\p{L}\p{N}]/u.test(part)) ?? '';
  const words = sentence
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 8);
  if (words.length === 0) return 'Simulated Article';
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
}

/** The default answer of an ok fault: same prompt and model, same article. */
export function articleFor(prompt: string, model: string): string {
  const title = titleFor(prompt);
  return [
    `# ${title}`,
    '',
    `This is a simulated article about ${title.toLowerCase()}, written by the lucy-ops provider simulator.`,
    '',
    '## Why it matters',
    '',
    'Scheduled jobs keep running while providers fail; the article only has to arrive on time.',
    '',
    '## What to do next',
    '',
    '- Check the job log for the serving provider.',
    '- Compare the slot with the schedule.',
    '',
    `_Served by simulated model \`${model}\`._`,
    '',
  ].join('\n');
}

/** Splits content into stream deltas of a few words each (whitespace kept, so they join back). */
export function chunkContent(content: string, wordsPerChunk = 3): string[] {
  const tokens = content.match(/\s*\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length; i += wordsPerChunk) chunks.push(tokens.slice(i, i + wordsPerChunk).join(''));
  if (chunks.length === 0 && content !== '') chunks.push(content);
  return chunks;
}

const tokens = (chars: number) => Math.ceil(chars / 4);

export function usageFor(chat: ChatBody, content: string) {
  const prompt_tokens = tokens(chat.promptChars);
  const completion_tokens = tokens(content.length);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

export function completionBody(id: string, created: number, chat: ChatBody, content: string) {
  return {
    id,
    object: 'chat.completion',
    created,
    model: chat.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: usageFor(chat, content),
  };
}

/** One `chat.completion.chunk` with a single choice delta. */
export function chunkBody(
  id: string,
  created: number,
  model: string,
  delta: Record<string, string>,
  finish: string | null = null,
) {
  return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] };
}

export const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** OpenAI-style error JSON. */
export function errorJson(message: string, type: string, code: string | number | null): string {
  return JSON.stringify({ error: { message, type, code } });
}

const HTML_STATUS = new Set([502, 503, 504]);

/** The body a provider (or the proxy in front of it) sends with this status. */
export function defaultStatusBody(status: number, model: string): { body: string; contentType: string } {
  const json = (message: string, type: string, code: string | number | null) => ({
    body: errorJson(message, type, code),
    contentType: 'application/json',
  });
  if (HTML_STATUS.has(status)) {
    const text =
      status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Temporarily Unavailable' : 'Gateway Time-out';
    const body = `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    return { body, contentType: 'text/html' };
  }
  switch (status) {
    case 401:
      return json('Invalid API key provided.', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return json('You are not allowed to use this model.', 'permission_error', 'forbidden');
    case 404:
      return json(`The model ${model} does not exist`, 'invalid_request_error', 'model_not_found');
    case 408:
      return json('Request timed out.', 'timeout_error', 'timeout');
    case 429:
      return json('Rate limit reached. Please try again later.', 'rate_limit_error', 'rate_limit_exceeded');
    default:
      return status >= 500
        ? json('The server had an error while processing your request.', 'server_error', null)
        : json(`Request failed with status ${status}.`, 'invalid_request_error', null);
  }
}

export const CONTEXT_LENGTH_BODY = errorJson(
  "This model's maximum context length is 8192 tokens. However, your messages resulted in 13370 tokens. Please reduce the length of the messages.",
  'invalid_request_error',
  'context_length_exceeded',
);

export const ERROR_BODY = JSON.stringify({ error: { message: 'upstream overloaded', code: 503 } });
