import { describe, expect, it } from 'vitest';
import { ChatStreamAccumulator, SseParser } from './sse.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SseParser', () => {
  it('joins events split anywhere, including inside a multi-byte character and a CRLF', () => {
    const text = 'data: {"a":"héllo"}\r\n\r\n: comment\n\ndata: x\n\n';
    const whole = bytes(text);
    for (let cut = 1; cut < whole.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(whole.slice(0, cut)), ...p.push(whole.slice(cut)), ...p.end()];
      expect(events).toEqual(['{"a":"héllo"}', 'x']);
    }
  });

  it('multi-line data, no space after the colon, other fields ignored', () => {
    const p = new SseParser();
    expect(p.push(bytes('event: message\nid: 4\ndata:one\ndata: two\nretry: 10\n\n'))).toEqual(['one\ntwo']);
  });

  it('comments and blank lines alone produce no events', () => {
    const p = new SseParser();
    expect(p.push(bytes(': keep-alive\n\n\n\n: OPENROUTER PROCESSING\n\n'))).toEqual([]);
    expect(p.end()).toEqual([]);
  });

  it('a last event without its blank line is delivered at end()', () => {
    const p = new SseParser();
    expect(p.push(bytes('data: [DONE]'))).toEqual([]);
    expect(p.end()).toEqual(['[DONE]']);
  });
});

describe('ChatStreamAccumulator', () => {
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({ choices: [{ delta, finish_reason: finish }] });

  it('says which events are progress', () => {
    const deltas: string[] = [];
    const acc = new ChatStreamAccumulator((t) => void deltas.push(t));
    expect(acc.accept(chunk({ role: 'assistant' }))).toEqual({ kind: 'no-progress' });
    expect(acc.accept(chunk({ content: '' }))).toEqual({ kind: 'no-progress' });
    expect(acc.accept(JSON.stringify({ choices: [], usage: { total_tokens: 1 } }))).toEqual({ kind: 'no-progress' });
    expect(acc.accept(chunk({ reasoning_content: 'thinking' }))).toEqual({ kind: 'progress' });
    expect(acc.accept(chunk({ content: 'A' }))).toEqual({ kind: 'progress' });
    expect(acc.finished).toBe(false);
    expect(acc.accept(chunk({}, 'stop'))).toEqual({ kind: 'progress' });
    expect(acc.finished).toBe(true);
    expect(acc.accept('[DONE]')).toEqual({ kind: 'done' });
    expect(deltas).toEqual(['A']);
    expect(acc.content).toBe('A');
    expect(acc.usage).toEqual({ total_tokens: 1 });
  });

  it('chunks without a first choice are no progress; a delta of null still finishes; a null choice throws', () => {
    const acc = new ChatStreamAccumulator();
    for (const data of ['{"choices":[]}', '{"choices":null}', '{"usage":{"total_tokens":3}}'])
      expect(acc.accept(data), data).toEqual({ kind: 'no-progress' });
    expect(acc.accept('{"choices":[{"delta":null,"finish_reason":null}]}')).toEqual({ kind: 'no-progress' });
    expect(acc.accept('{"choices":[{"delta":null,"finish_reason":"stop"}]}')).toEqual({ kind: 'progress' });
    expect(acc.finished).toBe(true);
    // the reader makes this throw a 'server' failure (openai-compatible.hostile.test.ts)
    expect(() => new ChatStreamAccumulator().accept('{"choices":[null]}')).toThrow(TypeError);
  });

  it('errors and invalid JSON are reported, not thrown', () => {
    const acc = new ChatStreamAccumulator();
    expect(acc.accept('{"error":{"message":"overloaded","code":"503"}}')).toEqual({
      kind: 'error',
      message: 'overloaded · 503',
    });
    expect(acc.accept('{nope')).toMatchObject({ kind: 'invalid-json' });
    expect(acc.accept('42')).toMatchObject({ kind: 'invalid-json' });
  });

  it('merges streamed tool-call deltas by index', () => {
    const acc = new ChatStreamAccumulator();
    acc.accept(
      chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'get', arguments: '{"a"' } }] }),
    );
    acc.accept(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }));
    acc.accept(chunk({}, 'tool_calls'));
    expect(acc.toolCalls).toEqual([{ id: 'c1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }]);
  });
});
