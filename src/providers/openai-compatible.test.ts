import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { failureOf } from '../../test/helpers/failure.js';
import { trickle } from '../../test/helpers/trickle.js';
import type { CallOptions } from './client.js';
import { closeProviderAgent, complete } from './openai-compatible.js';
import type { ChatRequest } from './types.js';

// One real HTTP server on 127.0.0.1:0; each test picks a behaviour by path.
type Route = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
const routes = new Map<string, Route>();
const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
let connections = 0;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const name = (req.url ?? '').split('/')[1] ?? '';
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const route = routes.get(name);
      if (route) route(req, res, body);
      else res.writeHead(500).end('no route');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeProviderAgent();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function provider(route: string, over: Partial<ResolvedProvider> = {}): ResolvedProvider {
  return {
    name: 'deepseek-v3',
    baseUrl: `${base}/${route}/v1`,
    model: 'deepseek-ai/DeepSeek-V3',
    timeoutMs: 5000,
    idleTimeoutMs: 5000,
    maxResponseBytes: 32 * 1024 * 1024,
    stream: false,
    ...over,
  };
}

const request: ChatRequest = { messages: [{ role: 'user', content: 'hello' }], model: 'ignored', stream: true };
const ok = (content: unknown, extra: object = {}) =>
  JSON.stringify({
    model: 'served-model',
    choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { total_tokens: 7 },
    ...extra,
  });
const sse = (obj: unknown) => `data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`;
const delta = (d: object, finish: string | null = null) => ({
  model: 'served-model',
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});

function reply(status: number, body: string, headers: Record<string, string> = {}): Route {
  return (_req, res) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

const failure = (p: ResolvedProvider, opts: CallOptions = {}) => failureOf(() => complete(p, request, opts));

describe('success', () => {
  it('non-stream: parses content, overrides model/stream, sends key, sim clock and extra headers', async () => {
    routes.set('ok', reply(200, ok('Hi there')));
    const res = await complete(provider('ok', { headers: { 'X-Extra': 'yes' } }), request, {
      apiKey: 'k-123456',
      simNow: '2025-04-19T14:14:00Z',
    });
    expect(res).toEqual({
      content: 'Hi there',
      finishReason: 'stop',
      model: 'served-model',
      usage: { total_tokens: 7 },
    });
    const last = seen.at(-1)!;
    expect(last.path).toBe('/ok/v1/chat/completions');
    expect(JSON.parse(last.body)).toMatchObject({
      model: 'deepseek-ai/DeepSeek-V3',
      stream: false,
      messages: request.messages,
    });
    expect(last.headers.authorization).toBe('Bearer k-123456');
    expect(last.headers['x-lucy-sim-now']).toBe('2025-04-19T14:14:00Z');
    expect(last.headers['x-extra']).toBe('yes');
  });

  it('reuses one keep-alive connection across calls', async () => {
    routes.set('ok', reply(200, ok('again')));
    await complete(provider('ok'), request, {});
    const before = connections;
    for (let i = 0; i < 3; i++) await complete(provider('ok'), request, {});
    expect(connections).toBe(before);
  });

  it('SSE: joins deltas, calls onDelta per delta, ignores role-only and keep-alive lines', async () => {
    routes.set('sse', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\n\n' + sse(delta({ role: 'assistant', content: '' })) + sse(delta({ content: 'Hel' })));
      res.end(
        sse(delta({ content: 'lo' })) +
          sse(delta({}, 'stop')) +
          sse({ choices: [], usage: { total_tokens: 3 } }) +
          sse('[DONE]'),
      );
    });
    const deltas: string[] = [];
    const res = await complete(provider('sse', { stream: true }), request, { onDelta: (t) => void deltas.push(t) });
    expect(res).toEqual({ content: 'Hello', finishReason: 'stop', model: 'served-model', usage: { total_tokens: 3 } });
    expect(deltas).toEqual(['Hel', 'lo']);
    expect(JSON.parse(seen.at(-1)!.body).stream).toBe(true);
  });

  it('SSE: content deltas are progress, so a slow but steady stream is not idle', async () => {
    // The attempt's clock (performance.now) moves 100 ms with each write and not otherwise: by it
    // the stream lasts 800 ms, so idle windows of 250 ms would end it were content not progress,
    // and a loaded machine's stall, which moves no clock, cannot end it either.
    let now = performance.now();
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    let n = 0;
    routes.set('steady', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => {
        now += 100;
        if (++n < 8) res.write(': ping\n\n' + sse(delta({ content: `${n}` })));
        else res.end(sse(delta({}, 'stop')) + sse('[DONE]'));
      }, 40);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const res = await complete(provider('steady', { stream: true, idleTimeoutMs: 250 }), request, {});
      expect(res.content).toBe('1234567');
    } finally {
      clock.mockRestore();
    }
  });

  it('SSE: a finished stream that lingers without [DONE] is still an answer', async () => {
    routes.set(
      'linger',
      trickle({ 'content-type': 'text/event-stream' }, ': keep-alive\n\n', {
        everyMs: 20,
        first: sse(delta({ content: 'done' }, 'stop')),
      }),
    );
    const res = await complete(provider('linger', { stream: true, idleTimeoutMs: 150 }), request, {});
    expect(res.content).toBe('done');
  });

  it("sends the request's own fields with the provider's model and stream, and each call's API key", async () => {
    routes.set('ok', reply(200, ok('x')));
    const p = provider('ok', { headers: { 'X-Team': 'blog' } });
    const bare: ChatRequest = { messages: [{ role: 'user', content: 'hi "there"' }], temperature: 0.2 };
    await complete(p, bare, { apiKey: 'key-one' });
    expect(seen.at(-1)!.body).toBe(JSON.stringify({ ...bare, model: p.model, stream: false }));
    expect(seen.at(-1)!.headers).toMatchObject({ authorization: 'Bearer key-one', 'x-team': 'blog' });
    await complete(p, { messages: [] }, { apiKey: 'key-two' });
    expect(seen.at(-1)!.body).toBe(JSON.stringify({ messages: [], model: p.model, stream: false }));
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer key-two');
    await complete(p, {} as ChatRequest, {});
    expect(seen.at(-1)!.body).toBe(JSON.stringify({ model: p.model, stream: false }));
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
    // a request that names model or stream itself: the provider's win, in the request's key order
    await complete(p, request, { apiKey: 'key-one' });
    expect(seen.at(-1)!.body).toBe(JSON.stringify({ ...request, model: p.model, stream: false }));
  });

  it('stream_options goes only to streaming requests', async () => {
    routes.set('ok', reply(200, ok('x')));
    const withOptions = { ...request, stream_options: { include_usage: true } };
    await complete(provider('ok'), withOptions, {});
    expect(JSON.parse(seen.at(-1)!.body)).not.toHaveProperty('stream_options');
    await complete(provider('ok', { stream: true }), withOptions, {});
    expect(JSON.parse(seen.at(-1)!.body).stream_options).toEqual({ include_usage: true });
  });

  it("a delta consumer that throws ends the call as aborted (not the provider's fault)", async () => {
    routes.set('sse1', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .end(sse(delta({ content: 'a' })) + sse(delta({}, 'stop'))),
    );
    const { err } = await failure(provider('sse1', { stream: true }), {
      onDelta: () => {
        throw new Error('client went away');
      },
    });
    expect(err.errorType).toBe('aborted');
  });

  it('non-stream tool calls with null content are not empty', async () => {
    const toolCalls = [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }];
    routes.set(
      'tools',
      reply(
        200,
        JSON.stringify({
          choices: [{ message: { content: null, tool_calls: toolCalls }, finish_reason: 'tool_calls' }],
        }),
      ),
    );
    const res = await complete(provider('tools'), request, {});
    expect(res).toMatchObject({ content: '', finishReason: 'tool_calls', toolCalls });
  });
});

describe('HTTP errors', () => {
  it('503 HTML → server, short tag-free message, Retry-After seconds honoured', async () => {
    const html = `<html><head><title>503 Service Temporarily Unavailable</title></head><body>${'<p>busy</p>'.repeat(200)}</body></html>`;
    routes.set('html', reply(503, html, { 'content-type': 'text/html', 'retry-after': '7' }));
    const { err } = await failure(provider('html'));
    expect(err).toMatchObject({ errorType: 'server', httpStatus: 503, retryAfterMs: 7000 });
    expect(err.message).toMatch(/^HTTP 503 from deepseek-v3: 503 Service Temporarily Unavailable/);
    expect(err.message).not.toContain('<');
    expect(err.message.length).toBeLessThan(260);
  });

  it.each([
    ['seconds', { 'retry-after': '3' }, 3000],
    ['retry-after-ms wins', { 'retry-after-ms': '1500', 'retry-after': '30' }, 1500],
    ['HTTP date against the sim clock', { 'retry-after': 'Sat, 19 Apr 2025 14:15:00 GMT' }, 60_000],
    ['none', {}, undefined],
  ])('429 with Retry-After %s', async (_label, headers, expected) => {
    routes.set('429', reply(429, JSON.stringify({ error: { message: 'Rate limit reached' } }), headers));
    const { err } = await failure(provider('429'), { simNow: '2025-04-19T14:14:00.000Z' });
    expect(err).toMatchObject({ errorType: 'rate-limit', httpStatus: 429, retryAfterMs: expected });
    expect(err.message).toBe('HTTP 429 from deepseek-v3: Rate limit reached');
  });

  it.each([
    [408, '{"error":"timeout"}', 'server'],
    [500, 'oops', 'server'],
    [502, '', 'server'],
    [401, '{"error":{"message":"Invalid API key"}}', 'auth'],
    [403, 'forbidden', 'auth'],
    [404, '{"error":{"message":"model not found"}}', 'not-found'],
    [400, '{"error":{"message":"bad","code":"context_length_exceeded"}}', 'context-length'],
    [400, `{"error":{"message":"This model's maximum context length is 8192 tokens"}}`, 'context-length'],
    [400, '{"error":"too many tokens in request"}', 'context-length'],
    [400, '{"type":"error","error":{"message":"prompt is too long: 210000 tokens"}}', 'context-length'],
    [400, '{"error":{"message":"temperature must be <= 2"}}', 'bad-request'],
    [422, 'unprocessable', 'bad-request'],
  ])('HTTP %i %s → %s', async (status, body, type) => {
    routes.set('status', reply(status, body, { 'retry-after': '2' }));
    const { err } = await failure(provider('status'));
    expect(err.errorType).toBe(type);
    expect(err.httpStatus).toBe(status);
    expect(err.message.startsWith(`HTTP ${status} from deepseek-v3`)).toBe(true);
    // Retry-After is carried only where waiting can help.
    expect(err.retryAfterMs).toBe(type === 'server' ? 2000 : undefined);
  });
});

describe('bodies that are not answers', () => {
  it.each([
    ['invalid JSON', 'ok', 'invalid-json', (res: http.ServerResponse) => res.end('{"choices": [')],
    ['HTML with 200', 'ok', 'invalid-json', (res: http.ServerResponse) => res.end('<html>hi</html>')],
    [
      '200 error body',
      'ok',
      'error-body',
      (res: http.ServerResponse) => res.end('{"error":{"message":"upstream overloaded","code":502}}'),
    ],
    [
      '200 error body saying context',
      'ok',
      'context-length',
      (res: http.ServerResponse) => res.end('{"error":{"message":"maximum context length exceeded"}}'),
    ],
    ['empty choices', 'ok', 'empty', (res: http.ServerResponse) => res.end('{"choices":[]}')],
    ['no choices', 'ok', 'empty', (res: http.ServerResponse) => res.end('{"id":"x"}')],
    ['null content', 'ok', 'empty', (res: http.ServerResponse) => res.end(ok(null))],
  ])('%s → %s', async (_label, _r, type, write) => {
    routes.set('body', (_req, res) => write(res.writeHead(200, { 'content-type': 'application/json' })));
    const { err } = await failure(provider('body'));
    expect(err.errorType).toBe(type);
  });

  it.each([
    ['an error event', sse({ error: { message: 'overloaded' } }), 'error-body'],
    ['invalid JSON data', sse('{not json'), 'invalid-json'],
    ['finish but no content', sse(delta({ role: 'assistant' })) + sse(delta({}, 'stop')) + sse('[DONE]'), 'empty'],
    ['a clean end without finish or [DONE]', sse(delta({ content: 'half a sent' })), 'stream-cut'],
  ])('SSE with %s → %s', async (_label, payload, type) => {
    routes.set('sse-bad', (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(payload));
    const { err } = await failure(provider('sse-bad', { stream: true }));
    expect(err.errorType).toBe(type);
  });

  it('SSE socket destroyed mid-way → stream-cut', async () => {
    routes.set('cut', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse(delta({ content: 'Once upon' })), () => setImmediate(() => res.socket?.destroy()));
    });
    const { err } = await failure(provider('cut', { stream: true }));
    expect(err.errorType).toBe('stream-cut');
    expect(err.message).toMatch(/cut mid-way \((UND_ERR_SOCKET|ECONNRESET)\)/);
  });
});

describe('network', () => {
  it('connection refused → connect', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { err } = await failure({ ...provider('x'), baseUrl: `http://127.0.0.1:${port}/v1` });
    expect(err.errorType).toBe('connect');
    // where it tried, so a wrong port in baseUrl shows
    expect(err.message).toBe(`cannot connect to deepseek-v3 at 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('socket destroyed before headers → reset', async () => {
    routes.set('reset', (req) => req.socket.destroy());
    const { err } = await failure(provider('reset'));
    expect(err.errorType).toBe('reset');
  });
});
