/** Reading a request body with a size limit (413 rather than buffering whatever a client sends). */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'ok'; text: string } | { kind: 'too-large'; limit: number } | { kind: 'aborted' };

/**
 * Reads the body and calls `done` once with what came of it: one 'data'/'end' pair and no
 * promise (serve reads thousands a second; an async iterator costs a promise and a tick a chunk).
 */
export function readBody(req: IncomingMessage, limit: number, done: (r: BodyRead) => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return done({ kind: 'too-large', limit });
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const text = () => (chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  const finish = (r: BodyRead) => {
    if (finished) return;
    finished = true;
    req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    done(r);
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
  const onEnd = () => finish({ kind: 'ok', text: text() });
  const onError = () => finish({ kind: 'aborted' });
  const onClose = () => finish(req.complete ? { kind: 'ok', text: text() } : { kind: 'aborted' });
  req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
}
