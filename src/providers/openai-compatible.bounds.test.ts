// Timeouts, idle progress, caller aborts, handle hygiene and key safety, against a real local server.
// Elapsed times are asserted only with generous upper bounds ("no hang"); nothing here sleeps.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { failureOf } from '../../test/helpers/failure.js';
import { trickle } from '../../test/helpers/trickle.js';
import { DeadlineReason } from './errors.js';
import type { CallOptions } from './client.js';
import { closeProviderAgent, complete } from './openai-compatible.js';

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Route>();
const open = new Set<http.ServerResponse>();
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      open.add(res);
      res.on('close', () => open.delete(res));
      routes.get((req.url ?? '').split('/')[1] ?? '')?.(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Load undici and open a pooled connection first, so timings below measure only the bounds.
  routes.set('warm', (_req, res) =>
    res.writeHead(200).end(JSON.stringify({ choices: [{ message: { content: 'ok' } }] })),
  );
  await complete(provider('warm'), request, {});
});

afterAll(async () => {
  await closeProviderAgent();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const provider = (route: string, over: Partial<ResolvedProvider> = {}): ResolvedProvider => ({
  name: 'deepseek-v3',
  baseUrl: `${base}/${route}/v1`,
  model: 'm',
  timeoutMs: 5000,
  idleTimeoutMs: 5000,
  maxResponseBytes: 32 * 1024 * 1024,
  stream: false,
  ...over,
});
const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

const JSON_HEAD = { 'content-type': 'application/json' };
const SSE_HEAD = { 'content-type': 'text/event-stream' };

const failure = (p: ResolvedProvider, opts: CallOptions = {}) => failureOf(() => complete(p, request, opts));

const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/**
 * "No hang": far above any stall of a loaded test machine, far below every other bound in play
 * (30 s), so an attempt that was not cut where it should be still fails the test.
 */
const NO_HANG_MS = 10_000;

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The attempt's clocks (performance.now) moved by a trickle rather than by the machine: each write
 * is `stepMs` later. The attempt's timer still fires in real time, but when it looks, an idle
 * window of 4 steps has passed only once 4 writes went out after the headers, however long this
 * process was stalled meanwhile (a stalled process fires its timers before it sends anything).
 */
function clockMovedByWrites(stepMs: number): () => void {
  let now = performance.now();
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return () => {
    now += stepMs;
  };
}

describe('attempt bounds', () => {
  it('a hang before headers ends with timeout at ~timeoutMs (idle does not run before headers)', async () => {
    routes.set('hang', () => {}); // never answers
    const { err, ms } = await failure(provider('hang', { timeoutMs: 200, idleTimeoutMs: 50 }));
    expect(err.errorType).toBe('timeout');
    expect(err.message).toBe('no response headers from deepseek-v3 within timeoutMs 200');
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(NO_HANG_MS);
  });

  it('non-stream: blank lines are not progress, so idle-timeout fires although bytes keep coming', async () => {
    const tick = clockMovedByWrites(50);
    let writes = 0;
    routes.set('blank', trickle(JSON_HEAD, '\n', { onWrite: (n) => ((writes = n), tick()) }));
    // were blank lines progress, no idle window would pass: timeoutMs (100 writes) would end it
    const { err } = await failure(provider('blank', { idleTimeoutMs: 200 }));
    expect(err.errorType).toBe('idle-timeout');
    expect(writes).toBeGreaterThan(3); // bytes really were arriving: 4 writes make the idle window
  });

  it('SSE: keep-alive comments and role-only deltas are not progress', async () => {
    const noise =
      ': keep-alive\n\n' +
      `data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' }, finish_reason: null }] })}\n\n`;
    const tick = clockMovedByWrites(50);
    let writes = 0;
    routes.set('keepalive', trickle(SSE_HEAD, noise, { onWrite: (n) => ((writes = n), tick()) }));
    const { err } = await failure(provider('keepalive', { stream: true, idleTimeoutMs: 200 }));
    expect(err.errorType).toBe('idle-timeout');
    expect(writes).toBeGreaterThan(3);
  });

  it('timeoutMs bounds the whole attempt even while content keeps arriving', async () => {
    const chunk = `data: ${JSON.stringify({ choices: [{ delta: { content: 'x' }, finish_reason: null }] })}\n\n`;
    routes.set('endless', trickle(SSE_HEAD, chunk));
    // the idle timer far off: a stall of the loaded test machine cannot end it as idle first
    const { err, ms } = await failure(provider('endless', { stream: true, timeoutMs: 300, idleTimeoutMs: 30_000 }));
    expect(err.errorType).toBe('timeout');
    expect(err.message).toBe('deepseek-v3 did not finish within timeoutMs 300');
    expect(ms).toBeLessThan(NO_HANG_MS);
  });

  it('a deadline abort during a trickle returns deadline promptly', async () => {
    const run = new AbortController();
    routes.set(
      'deadline',
      trickle(SSE_HEAD, ': keep-alive\n\n', { onWrite: (n) => n === 5 && run.abort(new DeadlineReason()) }),
    );
    const { err, ms } = await failure(
      provider('deadline', { stream: true, timeoutMs: 30_000, idleTimeoutMs: 30_000 }),
      { signal: run.signal },
    );
    expect(err.errorType).toBe('deadline');
    expect(ms).toBeLessThan(NO_HANG_MS);
  });

  it('AbortSignal.timeout counts as a deadline; any other abort is aborted', async () => {
    routes.set('hang', () => {});
    const slow = provider('hang', { timeoutMs: 30_000, idleTimeoutMs: 30_000 });
    const timed = await failure(slow, { signal: AbortSignal.timeout(100) });
    expect(timed.err.errorType).toBe('deadline');
    expect(timed.ms).toBeLessThan(NO_HANG_MS);
    const caller = new AbortController();
    routes.set('abort', trickle(JSON_HEAD, ' ', { onWrite: (n) => n === 3 && caller.abort() }));
    const aborted = await failure(provider('abort', { timeoutMs: 30_000, idleTimeoutMs: 30_000 }), {
      signal: caller.signal,
    });
    expect(aborted.err.errorType).toBe('aborted');
    expect(aborted.ms).toBeLessThan(NO_HANG_MS);
  });

  it('an already-aborted signal fails at once without a request', async () => {
    let requests = 0;
    routes.set('never', (_req, res) => {
      requests++;
      res.end('{}');
    });
    const { err } = await failure(provider('never'), { signal: AbortSignal.abort(new DeadlineReason()) });
    expect(err.errorType).toBe('deadline');
    expect(requests).toBe(0);
  });

  it('leaves no timers or open responses behind, on success and on every failure path', async () => {
    routes.set('fine', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] })),
    );
    routes.set('blank', trickle(JSON_HEAD, '\n'));
    routes.set('e503', (_req, res) => res.writeHead(503).end('down'));
    await complete(provider('fine'), request, {}); // warm up undici and the pool
    const before = refTimers();
    await complete(provider('fine', { timeoutMs: 60_000, idleTimeoutMs: 60_000 }), request, {});
    await failure(provider('blank', { idleTimeoutMs: 100, timeoutMs: 60_000 }));
    await failure(provider('e503', { timeoutMs: 60_000, idleTimeoutMs: 60_000 }));
    await failure(provider('blank', { timeoutMs: 60_000, idleTimeoutMs: 60_000 }), {
      signal: AbortSignal.abort(new DeadlineReason()),
    });
    expect(refTimers()).toBeLessThanOrEqual(before);
    // Every body was consumed or destroyed: the server sees each response closed.
    await new Promise<void>((resolve) =>
      open.size === 0 ? resolve() : [...open].forEach((r) => r.on('close', () => open.size === 0 && resolve())),
    );
    expect(open.size).toBe(0);
  });
});

describe('the API key never appears in an error', () => {
  const canary = 'sk-canary-0123456789abcdef';
  const plainKey = 'plain-canary-key-987654';
  const echo = (req: http.IncomingMessage) =>
    `you sent Authorization: ${req.headers.authorization} (key ${String(req.headers.authorization).slice(7)})`;

  it.each([
    [
      '401 echo',
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        res.writeHead(401).end(JSON.stringify({ error: { message: echo(req) } })),
    ],
    ['500 plain text echo', (req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(500).end(echo(req))],
    ['429 echo', (req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(429).end(echo(req))],
    [
      '400 context echo',
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        res.writeHead(400).end(`context_length_exceeded ${echo(req)}`),
    ],
    [
      '200 error body echo',
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        res.writeHead(200).end(JSON.stringify({ error: echo(req) })),
    ],
    [
      '200 invalid JSON echo',
      (req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200).end(echo(req)),
    ],
    [
      'SSE error event echo',
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .end(`data: ${JSON.stringify({ error: { message: echo(req) } })}\n\n`),
    ],
    [
      'SSE invalid data echo',
      (req: http.IncomingMessage, res: http.ServerResponse) =>
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${echo(req)}\n\n`),
    ],
  ])('%s', async (_label, route) => {
    routes.set('echo', route);
    for (const key of [canary, plainKey]) {
      const { err } = await failure(provider('echo'), { apiKey: key });
      const everything = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String(err.cause ?? '')}`;
      expect(everything).not.toContain(key);
      expect(everything).not.toContain('canary');
      expect(err.message).toMatch(/\[redacted\]/);
    }
  });
});
