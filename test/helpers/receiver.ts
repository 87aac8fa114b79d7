/**
 * A real local HTTP receiver for webhooks: listens on 127.0.0.1 (port 0), records every request
 * (method, path, headers, parsed body) and answers with a configurable status. Tests wait on
 * `waitFor(n)` (an event, not a sleep) when a delivery may arrive after the process that sent it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  /** JSON-parsed body, or undefined when it is not JSON. */
  body: any;
}

export interface Receiver {
  /** e.g. http://127.0.0.1:PORT/hook */
  url: string;
  requests: ReceivedRequest[];
  /** Status to answer with from now on (default 200). */
  respondWith(status: number): void;
  /** Resolves once at least `n` requests have arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  clear(): void;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let status = 200;
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    respondWith(s) {
      status = s;
    },
    // a bound against a test waiting forever, not a budget: a loaded machine can be slow to deliver
    waitFor(n, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: expected ${n} request(s), got ${requests.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
