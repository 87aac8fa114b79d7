/**
 * "Connection refused" is not a fault a running server can act out: a test gets it by pointing a
 * provider at a port nothing listens on. This binds port 0, closes it and returns its URL.
 * (Another process could grab the port in between; on a test machine that is vanishingly rare.)
 */
import { createServer, type AddressInfo } from 'node:net';

export async function closedPortUrl(host = '127.0.0.1'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://${host}:${port}/v1`;
}
