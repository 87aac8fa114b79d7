/**
 * The fault-injecting provider simulator: a real OpenAI-compatible HTTP server whose behaviour per
 * model is scripted (src/sim/README.md). Tests, the drill and `lucy-ops sim` use it.
 *
 * "Connection refused" is not something a server can do: point a provider at `closedPortUrl()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readChatBody } from './content.js';
import { badRequestBody, respond } from './faults.js';
import { ActiveScript, loadSimScript, parseSimScript } from './script.js';
import type { SimRequestRecord, SimScript } from './types.js';

export type { Fault, SimScript, SimRequestRecord } from './types.js';
export { loadSimScript, parseSimScript };
export { closedPortUrl } from './ports.js';

/** Header a client sets (under LUCY_OPS_NOW) to say what time it is for the script's windows. */
export const SIM_NOW_HEADER = 'x-lucy-sim-now';

/** Without a script, every model answers ok. */
const DEFAULT_SIM_SCRIPT: SimScript = { '*': { kind: 'ok' } };

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT/v1 (use as a provider's baseUrl). */
  url: string;
  port: number;
  setScript(script: SimScript): void;
  /** Pins sim time (epoch ms or ISO); undefined = real time. */
  setNow(t: number | string | undefined): void;
  /** Requests received per model, faults and unknown models included. */
  counts(): Record<string, number>;
  requests(): SimRequestRecord[];
  /** Bytes written to clients so far, on every connection (headers included). */
  bytesSent(): number;
  /** Forgets counts and requests (rule `times` use is kept; it starts over with a new script). */
  resetCounts(): void;
  /** Stops listening and destroys every connection, hung and trickling ones included. */
  close(): Promise<void>;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  script?: SimScript;
  now?: number | string;
  /** Called for every chat request, after the fault is chosen (for logging). */
  onRequest?: (record: SimRequestRecord) => void;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_RECORDS = 10_000;

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  let active = new ActiveScript(parseSimScript(opts.script ?? DEFAULT_SIM_SCRIPT));
  let pinnedNow = toEpoch(opts.now);
  let counts: Record<string, number> = {};
  let records: SimRequestRecord[] = [];
  let nextId = 1;

  const record = (r: SimRequestRecord) => {
    counts[r.model] = (counts[r.model] ?? 0) + 1;
    records.push(r);
    if (records.length > MAX_RECORDS) records = records.slice(-MAX_RECORDS);
    opts.onRequest?.(r);
  };

  const sim = {
    setScript(script: SimScript) {
      active = new ActiveScript(parseSimScript(script));
    },
    setNow(t: number | string | undefined) {
      pinnedNow = toEpoch(t);
    },
    counts: () => ({ ...counts }),
    requests: () => records.map((r) => ({ ...r })),
    resetCounts() {
      counts = {};
      records = [];
    },
  };

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization !== undefined;
    const header = req.headers[SIM_NOW_HEADER];
    const now = typeof header === 'string' ? toEpoch(header, false) : (pinnedNow ?? Date.now());
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const chatBody = parsed === undefined ? { error: 'request body is not valid JSON' } : readChatBody(parsed);
    if (Number.isNaN(now) || 'error' in chatBody) {
      const model = 'error' in chatBody ? '' : chatBody.model;
      record({ model, stream: false, at: Date.now(), authorization, fault: 'bad-request' });
      const message = 'error' in chatBody ? chatBody.error : `${SIM_NOW_HEADER} is not an ISO time`;
      return sendJson(res, 400, badRequestBody(message));
    }
    const pick = active.pick(chatBody.model, now);
    const fault = pick.kind === 'fault' ? pick.fault.kind : 'not-found';
    record({ model: chatBody.model, stream: chatBody.stream, at: now, authorization, fault });
    if (pick.kind === 'unknown-model') {
      const error = {
        message: `The model ${chatBody.model} does not exist`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      };
      return sendJson(res, 404, JSON.stringify({ error }));
    }
    respond(pick.fault, { req, res, chat: chatBody, id: `chatcmpl-sim-${nextId++}`, created: Math.floor(now / 1000) });
  }

  async function control(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === '/__sim/stats' && req.method === 'GET')
      return sendJson(res, 200, JSON.stringify({ counts, requests: records, bytesSent: bytesSent() }));
    if (req.method !== 'POST') return sendJson(res, 405, JSON.stringify({ error: { message: 'method not allowed' } }));
    const body = await readBody(req);
    try {
      const value: unknown = body.trim() === '' ? {} : JSON.parse(body);
      if (path === '/__sim/script') sim.setScript(value as SimScript);
      else if (path === '/__sim/now')
        sim.setNow(((value as { now?: number | string | null }).now ?? undefined) as number | string | undefined);
      else if (path === '/__sim/reset') sim.resetCounts();
      else return sendJson(res, 404, JSON.stringify({ error: { message: `no such control endpoint: ${path}` } }));
    } catch (err) {
      return sendJson(res, 400, JSON.stringify({ error: { message: (err as Error).message } }));
    }
    sendJson(res, 200, JSON.stringify({ ok: true }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (path === '/v1/chat/completions' && req.method === 'POST') return chat(req, res);
    if (path === '/v1/models' && req.method === 'GET') {
      const data = active.models().map((id) => ({ id, object: 'model', created: 0, owned_by: 'lucy-ops-sim' }));
      return sendJson(res, 200, JSON.stringify({ object: 'list', data }));
    }
    if (path.startsWith('/__sim/')) return control(path, req, res);
    sendJson(res, 404, JSON.stringify({ error: { message: `no route for ${req.method} ${path}`, code: 'not_found' } }));
  }

  const sockets = new Set<Socket>();
  let closedBytes = 0;
  const bytesSent = () => [...sockets].reduce((n, s) => n + s.bytesWritten, closedBytes);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { message: `simulator: ${err.message}` } }));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedBytes += socket.bytesWritten;
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${urlHost(host)}:${port}/v1`,
    port,
    ...sim,
    bytesSent,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      }),
  };
}

/** Epoch ms from epoch ms or an ISO string; undefined stays undefined. Throws (or NaN) when invalid. */
function toEpoch(t: number | string | undefined, throwOnBad?: true): number | undefined;
function toEpoch(t: string, throwOnBad: false): number;
function toEpoch(t: number | string | undefined, throwOnBad = true): number | undefined {
  if (t === undefined) return undefined;
  const ms = typeof t === 'number' ? t : /^\d+$/.test(t) ? Number(t) : Date.parse(t);
  if (Number.isNaN(ms) && throwOnBad) throw new Error(`not a time: ${JSON.stringify(t)}`);
  return ms;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return req.destroy(new Error('request body too large'));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
