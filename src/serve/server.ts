/**
 * `lucy-ops serve`: an OpenAI-compatible HTTP front for the chain (node:http, no framework).
 * Routes: POST /v1/chat/completions, GET /v1/models, GET /healthz, GET /metrics.
 * Loopback by default; a bearer token when `serve.tokenEnv` is set (all routes but /healthz).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RunAbort } from '../abort-like.js';
import type { ChainInternals } from '../api/chain.js';
import { addKnownSecrets } from '../log/scrub.js';
import { tokenCheck } from './auth.js';
import { browserRefusal, hostAllowList } from './browser-guard.js';
import { handleChat, sendJson } from './chat.js';
import { boundDelivery } from './delivery.js';
import { answerClientError } from './client-errors.js';
import { readHealth } from './health.js';
import { ServeMetrics } from './metrics.js';
import { errorReply } from './openai.js';
import { inTurn, MAX_WAITING, type BodyAhead } from './pipeline.js';

export interface ServeOptions {
  chain: ChainInternals;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The bearer token clients must send (undefined: no check). */
  token?: string;
  /** Without a token: Host names answered besides IP literals, localhost and this machine's name. */
  allowedHosts?: readonly string[];
  warn?: (message: string) => void;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8787 (the OpenAI base URL is this + /v1). */
  url: string;
  host: string;
  port: number;
  /** Requests being served right now. */
  readonly inFlight: number;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs` (those that arrive
   * meanwhile on connections already open too), then aborts the rest and waits (at most a second)
   * for their runs to end, so each started run has its run.end. Resolves with how many were cut.
   */
  close(graceMs?: number): Promise<{ aborted: number }>;
  /** Ends close()'s grace period now (a second SIGTERM): what still runs is aborted at once. */
  hurry(): void;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { chain } = opts;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`lucy-ops: ${m}\n`));
  const metrics = new ServeMetrics();
  const authorized = tokenCheck(opts.token);
  // a provider (or anything else) that echoes the token must not hand it to a client or the log
  if (opts.token) addKnownSecrets([opts.token]);
  const running = new Set<RunAbort>();
  /** Answers that go out later (a completion, health, metrics): their work, and the response. */
  const inFlight = new Map<Promise<void>, ServerResponse>();
  /** Connections whose answer in progress at the shutdown signal is their last. */
  const ending = new WeakSet<Socket>();
  let closing = false;
  /** The grace period is over: nothing starts any more. */
  let cut = false;
  let endGrace: (() => void) | undefined;
  let hurried = false;
  /** While closing: called when a request starts or a connection closes. */
  let changed: (() => void) | undefined;
  const change = () => {
    const c = changed;
    changed = undefined;
    c?.();
  };

  const chatContext = { chain, metrics, inFlight: running, warn };
  const deliveryMs = chain.config.serve.deliveryTimeoutMs;
  /** A JSON answer, bounded in the time its client may take to take it. */
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    sendJson(res, status, body, headers, deliveryMs);
  const hosts = hostAllowList(opts.allowedHosts);

  /** A promise when the answer goes out later (a completion, health, metrics); nothing when it went out already. */
  function route(req: IncomingMessage, res: ServerResponse, ahead?: BodyAhead): Promise<void> | void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return sendHealth(res);
    // a token is what a web page cannot send; without one, keep browsers out instead
    const refused = opts.token ? undefined : browserRefusal(req.headers, req.method, hosts);
    if (refused) {
      metrics.request('rejected', undefined, undefined, 0);
      const r = errorReply(403, refused, 'invalid_request_error', 'forbidden');
      return send(res, r.status, r.body);
    }
    if (!authorized(req.headers)) {
      res.setHeader('www-authenticate', 'Bearer');
      const r = errorReply(
        401,
        'missing or wrong bearer token (Authorization: Bearer <token>)',
        'invalid_request_error',
        'invalid_api_key',
      );
      metrics.request('rejected', undefined, undefined, 0);
      return send(res, r.status, r.body);
    }
    if (path === '/v1/chat/completions' || path === '/chat/completions') {
      if (req.method !== 'POST') return notAllowed(res, 'POST', deliveryMs);
      return handleChat(req, res, chatContext, ahead);
    }
    if (path === '/v1/models' || path === '/models') {
      if (req.method !== 'GET') return notAllowed(res, 'GET', deliveryMs);
      const data = ['auto', ...chain.config.providers.map((p) => p.name)].map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'lucy-ops',
      }));
      return send(res, 200, { object: 'list', data });
    }
    if (path === '/metrics' && req.method === 'GET') return sendMetrics(res);
    const r = errorReply(404, `no route ${req.method} ${path}`, 'invalid_request_error', 'not_found');
    return send(res, r.status, r.body);
  }

  async function sendHealth(res: ServerResponse): Promise<void> {
    const health = await readHealth(chain);
    const retry = health.retryAfterS ? { 'retry-after': String(health.retryAfterS) } : undefined;
    send(res, health.ok ? 200 : 503, health, retry);
  }

  async function sendMetrics(res: ServerResponse): Promise<void> {
    const health = await readHealth(chain);
    const text = metrics.render(health.providers, inFlight.size);
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    boundDelivery(res, deliveryMs);
  }

  function internalError(res: ServerResponse, err: unknown): void {
    warn(`serve: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    if (!res.headersSent && !res.destroyed) {
      const r = errorReply(
        500,
        'internal error in lucy-ops serve (see its stderr)',
        'lucy_ops_internal',
        'internal_error',
      );
      send(res, r.status, r.body);
    } else if (!res.writableEnded) res.destroy();
  }

  /** After every answer: a 413 answered before the whole body arrived does not read the rest. */
  function answered(req: IncomingMessage, res: ServerResponse): void {
    if (res.getHeader('connection') === 'close' && !req.complete) res.once('finish', () => req.socket.destroy());
  }

  /** One request, in its turn on its connection (see pipeline.ts). */
  function handle(req: IncomingMessage, res: ServerResponse, ahead?: BodyAhead): void {
    // Shutting down, a request written ahead, or one that came on a connection after the answer
    // in progress at the signal (which said connection: close), is work not begun: it does not
    // start, and the connection closes; the client retries it elsewhere.
    if (cut || (closing && (ahead || ending.has(req.socket)))) return void req.socket.destroy();
    if (closing) {
      res.setHeader('connection', 'close');
      change();
    }
    let work: Promise<void> | void = undefined;
    try {
      work = route(req, res, ahead);
    } catch (err) {
      internalError(res, err);
    }
    if (!work) return answered(req, res);
    // one `then` for both ends (not catch + finally: a promise each)
    const tracked: Promise<void> = work.then(
      () => {
        inFlight.delete(tracked);
        answered(req, res);
      },
      (err: unknown) => {
        inFlight.delete(tracked);
        internalError(res, err);
        answered(req, res);
      },
    );
    inFlight.set(tracked, res);
  }

  /** A request past what may wait on its connection, in its turn: refused, and the connection closes after it. */
  function tooManyWaiting(_req: IncomingMessage, res: ServerResponse): void {
    metrics.request('rejected', undefined, undefined, 0);
    const r = errorReply(
      503,
      `more than ${MAX_WAITING} pipelined requests, or more than serve.maxBodyBytes of their bodies, waiting on one connection; retry the rest on a new connection or send fewer ahead`,
      'lucy_ops_unavailable',
      'too_many_pipelined',
    );
    send(res, r.status, r.body, { connection: 'close', 'retry-after': '1' });
  }

  const limits = chain.config.serve;
  const server = createServer(
    {
      // node:http's defaults (60 s for the headers, 300 s for the whole request) let a client that
      // sends a byte now and then hold a socket and what it sent for minutes; a request complete,
      // none of these bounds the wait for the provider or the answer going out
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // how often node:http looks for requests past those two (its default: every 30 s)
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => inTurn(req, res, handle, tooManyWaiting, limits.maxBodyBytes),
  );
  // past the cap node:http closes a new connection at once: a flood of idle sockets cannot
  // exhaust memory or file descriptors (at most maxConnections × maxBodyBytes of bodies held)
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => metrics.connectionDropped());
  server.on('clientError', answerClientError);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    // headersTimeout starts at a request's first byte: a connection that sends nothing would hold
    // one of maxConnections forever, and a few hundred of them would lock every client out (a
    // byte sent, headersTimeout takes over and answers 408)
    setTimeout(() => {
      if (s.bytesRead === 0) s.destroy();
    }, limits.headersTimeoutMs).unref();
    sockets.add(s);
    s.once('close', () => {
      sockets.delete(s);
      if (closing) change();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    get inFlight() {
      return inFlight.size;
    },
    async close(graceMs = 10_000) {
      closing = true;
      // An answer in progress is its connection's last: it says so, so the client sends nothing
      // more on it (a keep-alive answer let it send its next request into a closing connection,
      // which reset it). A stream whose headers went out before the signal cannot say it any
      // more; its connection closes after it all the same.
      for (const res of inFlight.values()) {
        if (!res.headersSent) res.setHeader('connection', 'close');
        if (res.socket) ending.add(res.socket);
      }
      const stopped = new Promise<'stopped'>((resolve) => server.close(() => resolve('stopped')));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'over'>((resolve) => {
        endGrace = () => resolve('over');
        timer = setTimeout(endGrace, graceMs);
        if (hurried) endGrace();
      });
      // A request that reaches serve meanwhile (its connection had one begun at the signal, so it
      // was not closed as idle) is in flight too: wait for it as well, not only for those running
      // at the signal. Nothing in flight, connections with no request begun are closed; the
      // server has stopped when the last connection has.
      for (;;) {
        if (inFlight.size > 0) {
          if ((await Promise.race([Promise.allSettled([...inFlight.keys()]), graceOver])) === 'over') break;
          continue;
        }
        server.closeIdleConnections();
        const next = new Promise<'changed'>((resolve) => (changed = () => resolve('changed')));
        if ((await Promise.race([stopped, graceOver, next])) !== 'changed') break;
      }
      clearTimeout(timer);
      cut = true;
      const aborted = inFlight.size;
      if (aborted > 0) {
        for (const aborter of running) aborter.abort(new Error('server shutting down'));
        // an aborted run logs its run.end as its chain settles: wait for that, within a bound
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight.keys()]),
          new Promise((resolve) => (bound = setTimeout(resolve, 1000))),
        ]);
        clearTimeout(bound);
      }
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await stopped;
      return { aborted };
    },
    hurry() {
      hurried = true;
      endGrace?.();
    },
  };
}

function notAllowed(res: ServerResponse, allow: string, deliveryMs: number): void {
  res.setHeader('allow', allow);
  const r = errorReply(405, `method not allowed (use ${allow})`, 'invalid_request_error', 'method_not_allowed');
  sendJson(res, r.status, r.body, {}, deliveryMs);
}
