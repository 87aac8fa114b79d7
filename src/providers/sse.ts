/**
 * Server-sent events for OpenAI-compatible chat streams: an incremental line parser and an
 * accumulator that joins content deltas and says which events were MEANINGFUL progress.
 * Comments (`: keep-alive`), blank lines, role-only deltas and empty deltas are not progress:
 * some providers send them for minutes under load, and only an idle timeout that ignores them
 * bounds such a call.
 */
import { errorObjectMessage } from './errors.js';
import type { ToolCall } from './types.js';

/** Splits a byte stream into SSE events (the joined `data:` lines of each). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private readonly decoder = new TextDecoder();

  /** Feeds a chunk; returns the data payloads of the events it completed. */
  push(chunk: Uint8Array): string[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    let start = 0;
    for (let nl = this.buffer.indexOf('\n', start); nl !== -1; nl = this.buffer.indexOf('\n', start)) {
      let line = this.buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, events);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The stream ended: a last event without its blank line still counts (lenient, like browsers are not). */
  end(): string[] {
    const events: string[] = [];
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    if (rest !== '') this.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest, events);
    if (this.data.length > 0) events.push(this.data.join('\n'));
    this.data = [];
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment, e.g. ": keep-alive" / ": OPENROUTER PROCESSING"
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return; // event:, id:, retry: carry nothing we use
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.data.push(value);
  }
}

/** What one stream event meant for the completion being assembled. */
export type StreamEventOutcome =
  | { kind: 'progress' } // content, tool-call, reasoning delta or a finish_reason
  | { kind: 'no-progress' } // role-only / empty delta, usage-only chunk
  | { kind: 'done' } // [DONE]
  | { kind: 'error'; message: string } // an error object in the stream
  | { kind: 'invalid-json'; sample: string }; // the whole data: scrub before shortening it

interface StreamChunk {
  model?: unknown;
  usage?: unknown;
  error?: unknown;
  choices?: Array<{
    delta?: {
      content?: unknown;
      reasoning_content?: unknown;
      reasoning?: unknown;
      tool_calls?: Array<{
        index?: number;
        id?: string;
        type?: string;
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason?: unknown;
  }>;
}

/** Joins the deltas of one chat completion stream. */
export class ChatStreamAccumulator {
  content = '';
  finishReason: string | undefined;
  sawDone = false;
  model: string | undefined;
  usage: Record<string, number> | undefined;
  readonly toolCalls: ToolCall[] = [];
  /**
   * The consumer's last "wait before sending more" (onDelta returned a promise): the reader does
   * not pull more bytes until it settles, so a slow consumer slows the provider, not our memory.
   */
  backpressure: Promise<void> | undefined;

  constructor(private readonly onDelta?: (text: string) => void | Promise<void>) {}

  /** True when the stream said it is complete (a finish_reason or [DONE]). */
  get finished(): boolean {
    return this.sawDone || this.finishReason !== undefined;
  }

  accept(data: string): StreamEventOutcome {
    if (data.trim() === '[DONE]') {
      this.sawDone = true;
      return { kind: 'done' };
    }
    let chunk: StreamChunk;
    try {
      chunk = JSON.parse(data) as StreamChunk;
    } catch {
      return { kind: 'invalid-json', sample: data };
    }
    if (typeof chunk !== 'object' || chunk === null) return { kind: 'invalid-json', sample: data };
    if (chunk.error !== undefined && chunk.error !== null) {
      return { kind: 'error', message: errorObjectMessage(chunk) ?? 'error event in stream' };
    }
    if (typeof chunk.model === 'string') this.model = chunk.model;
    if (typeof chunk.usage === 'object' && chunk.usage !== null) this.usage = chunk.usage as Record<string, number>;
    let progress = false;
    // Only the first choice is read (one completion is asked for). A chunk without one is no
    // progress: `choices: []` (Azure's prompt-filter chunk, the usage chunk of include_usage),
    // `choices: null` or none at all (some providers' usage or keep-alive frames); a choice whose
    // `delta` is null (Azure's content-filter chunks, a finish-only chunk) still gives its
    // finish_reason. A null choice (`choices: [null]`) is not skipped: the API defines no such
    // shape, the reports of odd chunks from OpenAI-compatible providers do not show it, and
    // openai-node's stream helper throws on it too. It stands where this completion's text should
    // be, so skipping it could save a silently shortened answer as a success; reading it throws a
    // TypeError, which the reader makes a 'server' failure (retried, then the next provider).
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices.slice(0, 1) : []) {
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        this.content += delta.content;
        const wait = this.onDelta?.(delta.content);
        if (wait) this.backpressure = wait;
        progress = true;
      }
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') progress = true;
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
        this.mergeToolCalls(delta.tool_calls);
        progress = true;
      }
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
        this.finishReason = choice.finish_reason;
        progress = true;
      }
    }
    return { kind: progress ? 'progress' : 'no-progress' };
  }

  private mergeToolCalls(
    deltas: NonNullable<NonNullable<NonNullable<StreamChunk['choices']>[number]['delta']>['tool_calls']>,
  ): void {
    for (const d of deltas) {
      const index = typeof d.index === 'number' ? d.index : this.toolCalls.length;
      const call = (this.toolCalls[index] ??= { function: { arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.type) call.type = d.type;
      if (d.function?.name) call.function.name = (call.function.name ?? '') + d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
  }
}
