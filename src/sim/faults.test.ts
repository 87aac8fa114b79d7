/** Every fault kind, observed by a real undici client over 127.0.0.1. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import OpenAI from 'openai';
import { startSimulator, type Fault, type Simulator } from './server.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

const PROMPT = 'Write a blog post about sourdough baking at home. Keep it short.';

function chat(fault: Fault, stream = false) {
  sim.setScript({ m: fault });
  return request(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: PROMPT }] }),
  });
}

/** SSE `data:` payloads of a complete stream body. */
function dataLines(text: string): string[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice('data: '.length));
}

/** Reads a body chunk by chunk until it ends or fails; returns what arrived and the error, if any. */
async function drain(body: AsyncIterable<Buffer>): Promise<{ text: string; error?: Error }> {
  let text = '';
  try {
    for await (const chunk of body) text += chunk.toString('utf8');
  } catch (error) {
    return { text, error: error as Error };
  }
  return { text };
}

describe('ok', () => {
  it('answers a non-stream chat completion with a Markdown article titled from the prompt', async () => {
    const res = await chat({ kind: 'ok' });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as any;
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('m');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].message.content.split('\n')[0]).toBe('# Sourdough Baking At Home');
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    // deterministic: the same request gets the same content
    const again = (await (await chat({ kind: 'ok' })).body.json()) as any;
    expect(again.choices[0].message.content).toBe(body.choices[0].message.content);
  });

  it('streams the same content as SSE deltas, a stop chunk, then [DONE]', async () => {
    const plain = (await (await chat({ kind: 'ok', content: 'one two three four five six seven' })).body.json()) as any;
    const res = await chat({ kind: 'ok', content: 'one two three four five six seven', chunkDelayMs: 1 }, true);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const data = dataLines(await res.body.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(plain.choices[0].message.content);
    expect(chunks.length).toBeGreaterThan(3); // role chunk + several deltas + stop
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
  });

  it('waits latencyMs before answering', async () => {
    const started = performance.now();
    const res = await chat({ kind: 'ok', latencyMs: 80 });
    await res.body.dump();
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});

describe('compatibility', () => {
  it('the official openai client reads ok answers, streamed and not, and sees 429 as RateLimitError', async () => {
    sim.setScript({ m: { kind: 'ok' }, limited: { kind: 'rate-limit', retryAfterS: 0 } });
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sk-test', maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: PROMPT }];
    const plain = await client.chat.completions.create({ model: 'm', messages });
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages, stream: true })) {
      streamed += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(streamed).toBe(plain.choices[0].message.content);
    await expect(client.chat.completions.create({ model: 'limited', messages })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
  });
});

describe('HTTP errors', () => {
  it('status 503 sends an nginx HTML page by default', async () => {
    const res = await chat({ kind: 'status', status: 503 });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html');
    expect(await res.body.text()).toContain('<title>503 Service Temporarily Unavailable</title>');
  });

  it('status 401 sends an OpenAI auth error that does not echo the key', async () => {
    const res = await chat({ kind: 'status', status: 401 });
    expect(res.statusCode).toBe(401);
    const text = await res.body.text();
    expect(JSON.parse(text).error.code).toBe('invalid_api_key');
    expect(text).not.toContain('sk-test');
  });

  it('status with a custom body and headers passes them through', async () => {
    const res = await chat({ kind: 'status', status: 500, body: 'boom', headers: { 'x-request-id': 'r1' } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['x-request-id']).toBe('r1');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(await res.body.text()).toBe('boom');
  });

  it('rate-limit sends 429 with Retry-After and retry-after-ms', async () => {
    const both = await chat({ kind: 'rate-limit', retryAfterS: 2, retryAfterMs: 1500 });
    expect(both.statusCode).toBe(429);
    expect(both.headers['retry-after']).toBe('2');
    expect(both.headers['retry-after-ms']).toBe('1500');
    expect(((await both.body.json()) as any).error.code).toBe('rate_limit_exceeded');
    const onlyMs = await chat({ kind: 'rate-limit', retryAfterMs: 250 });
    expect(onlyMs.headers['retry-after']).toBeUndefined();
    expect(onlyMs.headers['retry-after-ms']).toBe('250');
    await onlyMs.body.dump();
    const bare = await chat({ kind: 'rate-limit' });
    expect(bare.headers['retry-after']).toBe('1');
    await bare.body.dump();
  });

  it('context-length sends the OpenAI 400', async () => {
    const res = await chat({ kind: 'context-length' }, true);
    expect(res.statusCode).toBe(400);
    const body = (await res.body.json()) as any;
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/maximum context length/);
  });
});

describe('bad 200s', () => {
  it('invalid-json: 200 application/json whose body does not parse (and a bad SSE data line)', async () => {
    const res = await chat({ kind: 'invalid-json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const text = await res.body.text();
    expect(() => JSON.parse(text)).toThrow();
    const streamed = dataLines(await (await chat({ kind: 'invalid-json' }, true)).body.text());
    expect(() => JSON.parse(streamed[0])).toThrow();
  });

  it('error-body: 200 with an error object (and as the first SSE event)', async () => {
    const res = await chat({ kind: 'error-body' });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ error: { message: 'upstream overloaded', code: 503 } });
    const streamed = dataLines(await (await chat({ kind: 'error-body' }, true)).body.text());
    expect(JSON.parse(streamed[0]).error.message).toBe('upstream overloaded');
    expect(streamed).not.toContain('[DONE]');
  });

  it('empty-choices: 200 with choices []', async () => {
    const res = await chat({ kind: 'empty-choices' });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as any).choices).toEqual([]);
    const streamed = dataLines(await (await chat({ kind: 'empty-choices' }, true)).body.text());
    expect(JSON.parse(streamed[0]).choices).toEqual([]);
  });
});

describe('connection faults', () => {
  it('reset: the connection is reset after the request is read', async () => {
    await expect(chat({ kind: 'reset' })).rejects.toThrow(/ECONNRESET|other side closed|socket/i);
    expect(sim.counts()).toEqual({ m: 1 });
  });

  it('cut (stream): some deltas, no finish, no [DONE], then the socket dies', async () => {
    const res = await chat({ kind: 'cut', afterChunks: 2 }, true);
    expect(res.statusCode).toBe(200);
    const { text, error } = await drain(res.body);
    expect(error).toBeDefined();
    const data = dataLines(text);
    expect(data).toHaveLength(3); // role chunk + 2 content chunks
    expect(data).not.toContain('[DONE]');
    expect(data.map((d) => JSON.parse(d).choices[0].finish_reason)).toEqual([null, null, null]);
  });

  it('cut with how "end": the stream ends cleanly but without finish or [DONE]', async () => {
    const res = await chat({ kind: 'cut', afterChunks: 1, how: 'end' }, true);
    const { text, error } = await drain(res.body);
    expect(error).toBeUndefined();
    expect(dataLines(text)).toHaveLength(2);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('"stop"');
  });

  it('cut (non-stream): half the promised JSON body, then the socket dies', async () => {
    const res = await chat({ kind: 'cut' });
    const promised = Number(res.headers['content-length']);
    const { text, error } = await drain(res.body);
    expect(error).toBeDefined();
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(promised);
    expect(text.startsWith('{"id":"chatcmpl-sim-')).toBe(true);
  });

  it('trickle (non-stream): 200 headers, then blank lines and nothing else', async () => {
    const res = await chat({ kind: 'trickle', intervalMs: 10 });
    expect(res.statusCode).toBe(200);
    let seen = '';
    for await (const chunk of res.body) {
      seen += chunk.toString('utf8');
      if (seen.length >= 3) break; // leaving the loop destroys the body and the request
    }
    expect(seen).toMatch(/^\n{3,}$/);
  });

  it('trickle (stream): 200 SSE headers, then keep-alive comments only', async () => {
    const res = await chat({ kind: 'trickle', intervalMs: 10 }, true);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let seen = '';
    for await (const chunk of res.body) {
      seen += chunk.toString('utf8');
      if (seen.split(': keep-alive\n\n').length > 3) break;
    }
    expect(seen.replaceAll(': keep-alive\n\n', '')).toBe('');
  });

  it('hang: no headers while the client waits; close() ends it', async () => {
    let arrived!: () => void;
    const seen = new Promise<void>((resolve) => (arrived = resolve));
    await sim.close();
    sim = await startSimulator({ script: { m: { kind: 'hang' } }, onRequest: () => arrived() });
    const pending = chat({ kind: 'hang' }).then(
      () => 'answered',
      () => 'failed',
    );
    await seen; // the server has read the request
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    expect(early).toBe('still waiting');
    await sim.close();
    expect(await pending).toBe('failed');
    sim = await startSimulator(); // afterEach closes it
  });
});
