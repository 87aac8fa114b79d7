/** Reading a request body with a size limit (413 rather than buffering whatever a client sends). */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'ok'; text: string } | { kind: 'too-large'; limit: number } | { kind: 'aborted' };

export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'too-large', limit });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyRead) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // stop buffering; the caller answers 413 and closes the connection
        req.pause();
        return finish({ kind: 'too-large', limit });
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => finish({ kind: 'aborted' }));
    req.once('close', () =>
      finish(req.complete ? { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') } : { kind: 'aborted' }),
    );
  });
}
