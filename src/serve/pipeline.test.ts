import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { readBody } from './body.js';
import { inTurn, type BodyAhead } from './pipeline.js';

/**
 * A node:http server whose requests go through inTurn: the first one is held until the test
 * answers it; later ones echo their body's length; the refused ones get 503. Every wait below is
 * on an event (a request seen, a body read, an answer, a close).
 */
function server(aheadBytes: number) {
  const seen: IncomingMessage[] = [];
  let first: ServerResponse | undefined;
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const look = () => check() && (waiters.delete(look), resolve());
      waiters.add(look);
      look();
    });
  const start = (req: IncomingMessage, res: ServerResponse, ahead?: BodyAhead) => {
    if (!first) {
      first = res;
      req.resume();
      return notify();
    }
    readBody(
      req,
      { maxBytes: 1 << 20, idleMs: 60_000 },
      (body) => res.end(body.kind === 'ok' ? `${body.text.length}` : body.kind),
      ahead?.take(),
    );
  };
  const refuse = (_req: IncomingMessage, res: ServerResponse) =>
    res.writeHead(503, { connection: 'close', 'content-length': 7 }).end('refused');
  const http: Server = createServer((req, res) => {
    seen.push(req);
    req.once('end', notify);
    notify();
    inTurn(req, res, start, refuse, aheadBytes);
  });
  return { http, seen, until, first: () => first };
}

const post = (size: number) => `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n${'b'.repeat(size)}`;

let open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of open) o.close();
  open = [];
});

async function listen(http: Server) {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = net.connect((http.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  let raw = '';
  client.on('data', (c: Buffer) => (raw += c.toString()));
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  open.push({ close: () => (client.destroy(), http.closeAllConnections(), http.close()) });
  return { client, closed, raw: () => raw };
}

it('reads waiting bodies ahead up to the bound; the request that passes it is refused in its turn', async () => {
  const s = server(60_000);
  const { client, closed, raw } = await listen(s.http);
  client.write(post(10) + post(40_000) + post(40_000));
  // all three are read while the first is held: the third's body was read (and dropped) too
  await s.until(() => s.seen.length === 3 && s.seen[2].complete);
  s.first()!.end('first');
  await closed;
  const bodies = raw()
    .split(/HTTP\/1\.1 /)
    .slice(1)
    .map((a) => `${a.slice(0, 3)} ${a.slice(a.indexOf('\r\n\r\n') + 4)}`);
  expect(bodies).toEqual(['200 first', '200 40000', '503 refused']);
});

it('keeps reading while a request is served, so a client that leaves is seen at once', async () => {
  const s = server(1 << 20);
  const { client } = await listen(s.http);
  client.write(post(10) + post(40_000) + post(40_000));
  await s.until(() => s.seen.length === 3 && s.seen[2].complete);
  const gone = new Promise<void>((resolve) => s.first()!.once('close', () => resolve()));
  client.destroy();
  await gone; // the first is still unanswered: serve saw the client leave
  expect(s.first()!.writableFinished).toBe(false);
});
