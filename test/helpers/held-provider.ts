/**
 * A provider in front of the simulator that holds one request for as long as a test wants: a hang
 * that ends when the test says, not when a timer runs out, so "while this run is stuck" lasts
 * exactly as long as the test needs on any machine. Every other request goes through to the sim.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hold {
  /** Resolves when the held request has arrived (the run is now stuck on it). */
  arrived: Promise<void>;
  /** Resolves when the held request's exchange has closed: answered, or given up by its caller (serve aborting it). */
  closed: Promise<void>;
  /** Ends the held request with a 503 (a provider that gave up), so the run retries. */
  release(): void;
  /** Sends the held request on to the simulator, whose answer is the run's: a slow answer, not a failure. */
  forward(): void;
}

export interface HeldProvider {
  /** e.g. http://127.0.0.1:PORT/v1, like the sim's url. */
  url: string;
  /** Holds the next request that arrives. */
  holdNext(): Hold;
  close(): Promise<void>;
}

interface Held {
  res: ServerResponse;
  req: IncomingMessage;
  body: Buffer;
  closed: Promise<void>;
}

export async function heldProvider(simUrl: string): Promise<HeldProvider> {
  const target = new URL(simUrl);
  let hold: ((held: Held) => void) | undefined;
  /** Sends a request to the sim and pipes its answer into `res`. */
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    return upstream;
  };
  const server = createServer((req, res) => {
    if (hold) {
      const take = hold;
      hold = undefined;
      // listened for at once: the caller may give up before the body is read
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      // read the whole body now, so the request can be sent on later
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => take({ res, req, body: Buffer.concat(chunks), closed }));
      return;
    }
    req.pipe(pass(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    holdNext() {
      const held = new Promise<Held>((resolve) => (hold = resolve));
      return {
        arrived: held.then(() => undefined),
        closed: held.then((h) => h.closed),
        release() {
          void held.then(({ res }) =>
            res
              .writeHead(503, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: { message: 'held by the test, then refused' } })),
          );
        },
        forward() {
          void held.then(({ req, res, body }) => pass(req, res).end(body));
        },
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
