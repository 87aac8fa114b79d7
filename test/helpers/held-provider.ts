/**
 * A provider in front of the simulator that holds one request for as long as a test wants: a hang
 * that ends when the test says, not when a timer runs out, so "while this run is stuck" lasts
 * exactly as long as the test needs on any machine. Every other request goes through to the sim.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hold {
  /** Resolves when the held request has arrived (the run is now stuck on it). */
  arrived: Promise<void>;
  /** Ends the held request with a 503 (a provider that gave up), so the run retries. */
  release(): void;
}

export interface HeldProvider {
  /** e.g. http://127.0.0.1:PORT/v1, like the sim's url. */
  url: string;
  /** Holds the next request that arrives. */
  holdNext(): Hold;
  close(): Promise<void>;
}

export async function heldProvider(simUrl: string): Promise<HeldProvider> {
  const target = new URL(simUrl);
  let hold: ((res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (hold) {
      const take = hold;
      hold = undefined;
      req.resume();
      return take(res);
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    holdNext() {
      const held = new Promise<ServerResponse>((resolve) => (hold = resolve));
      return {
        arrived: held.then(() => undefined),
        release() {
          void held.then((res) =>
            res
              .writeHead(503, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: { message: 'held by the test, then refused' } })),
          );
        },
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
