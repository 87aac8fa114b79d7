/** A provider that accepts requests and never answers, to watch serve's upstream connection. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HangingProvider {
  /** e.g. http://127.0.0.1:PORT/v1, like the sim's url. */
  url: string;
  server: Server;
  /** Resolves when the next request arrives, with a promise of its connection closing. */
  nextRequest: () => Promise<{ closed: Promise<void> }>;
  /** Requests it has received. */
  readonly seen: number;
}

export function hangingProvider(): Promise<HangingProvider> {
  let waiting: ((r: { closed: Promise<void> }) => void) | undefined;
  let seen = 0;
  const server = createServer((req, res) => {
    req.resume();
    seen++;
    const closed = new Promise<void>((r) => res.once('close', () => r()));
    waiting?.({ closed });
    waiting = undefined;
  });
  const nextRequest = () => new Promise<{ closed: Promise<void> }>((r) => (waiting = r));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        server,
        nextRequest,
        get seen() {
          return seen;
        },
      }),
    ),
  );
}
