import { describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  DeadlineExceededError,
  RunAbortedError,
  StreamInterruptedError,
} from '../engine/errors.js';
import type { Attempt } from '../engine/types.js';
import { chainErrorReply, chunkFramer, completionText, sse } from './openai.js';

const attempt: Attempt = {
  provider: 'p1',
  model: 'm1',
  outcome: 'failed',
  httpStatus: 503,
  errorType: 'server',
  error: 'HTTP 503',
  ms: 7,
};
const tooLarge: Attempt = {
  ...attempt,
  httpStatus: undefined,
  errorType: 'too-large',
  error: 'passed maxResponseBytes',
};

describe('chainErrorReply: each engine error code as the OpenAI clients see it', () => {
  it.each([
    [new AllProvidersFailedError([attempt], false), 503, 'lucy_ops_unavailable', 'all_providers_failed'],
    [
      new AllProvidersFailedError([{ ...attempt, outcome: 'skipped-open' }], true),
      503,
      'lucy_ops_unavailable',
      'all_breakers_open',
    ],
    [new DeadlineExceededError([attempt], 500), 504, 'lucy_ops_deadline', 'deadline_exceeded'],
    [new StreamInterruptedError([attempt], 'p1', 'm1', 3), 502, 'lucy_ops_stream_interrupted', 'stream_interrupted'],
    [new StreamInterruptedError([tooLarge], 'p1', 'm1', 3), 502, 'lucy_ops_response_too_large', 'response_too_large'],
  ])('%s', (err, status, type, code) => {
    const reply = chainErrorReply(err);
    expect(reply).toEqual({
      status,
      body: { error: { message: err.message, type, code, attempts: err.attempts.map((a) => ({ ...a })) } },
    });
  });

  it('an aborted run: 503 without the attempts; anything else: 500 with none of its message', () => {
    expect(chainErrorReply(new RunAbortedError([attempt], 'client gone'))).toEqual({
      status: 503,
      body: {
        error: {
          message: 'the request was aborted (client gone or server shutting down)',
          type: 'lucy_ops_aborted',
          code: 'aborted',
        },
      },
    });
    const internal = chainErrorReply(new TypeError('secret internals at /srv/x.js'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal)).not.toContain('secret internals');
    expect(internal.body.error.code).toBe('internal_error');
  });
});

describe('completionText: the whole answer as the OpenAI clients read it', () => {
  const base = { provider: 'p1', model: 'm1', degraded: false, attempts: [], finishReason: 'stop' };
  it('is the JSON of the answer object, key for key, with and without tool calls and usage', () => {
    const plain = { ...base, content: 'Hello "you"\n\u2028é' };
    expect(completionText('chatcmpl-lucy-r1', 1700000000, plain)).toBe(
      JSON.stringify({
        id: 'chatcmpl-lucy-r1',
        object: 'chat.completion',
        created: 1700000000,
        model: 'm1',
        choices: [
          { index: 0, message: { role: 'assistant', content: plain.content }, finish_reason: 'stop', logprobs: null },
        ],
      }),
    );
    const toolCalls = [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }];
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    const full = { ...base, content: '', finishReason: 'tool_calls', toolCalls, usage };
    expect(completionText('chatcmpl-lucy-r2', 0, full)).toBe(
      JSON.stringify({
        id: 'chatcmpl-lucy-r2',
        object: 'chat.completion',
        created: 0,
        model: 'm1',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: '', tool_calls: toolCalls },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
        usage,
      }),
    );
  });
});

describe('chunkFramer: a stream chunk as the OpenAI clients read it', () => {
  const object = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    sse({
      id: 'chatcmpl-lucy-r"1',
      object: 'chat.completion.chunk',
      created: 1765000000,
      model: 'm\u2028"x',
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    });
  const frame = chunkFramer('chatcmpl-lucy-r"1', 1765000000, 'm\u2028"x');

  it('is the SSE text of the chunk object, byte for byte: content, role, finish, tool calls', () => {
    for (const text of ['Hel', '', 'a "quote" \\ \n\u0000 \ud83d\ude00 \u2028 </script>'])
      expect(frame.content(text)).toBe(object({ content: text }));
    expect(frame.chunk({ role: 'assistant', content: '' })).toBe(object({ role: 'assistant', content: '' }));
    expect(frame.chunk({}, 'stop')).toBe(object({}, 'stop'));
    const toolCalls = [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }];
    expect(frame.chunk({ tool_calls: toolCalls })).toBe(object({ tool_calls: toolCalls }));
    expect(frame.model).toBe('m\u2028"x');
  });
});
