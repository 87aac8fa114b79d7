/**
 * Reading a request body with a size limit (413 rather than buffering whatever a client sends) and
 * an idle limit (408 rather than holding a socket and what it sent for a client that stopped).
 */
import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { kind: 'ok'; text: string }
  | { kind: 'too-large'; limit: number }
  | { kind: 'idle'; idleMs: number }
  | { kind: 'aborted' };

export interface BodyLimits {
  /** serve.maxBodyBytes */
  maxBytes: number;
  /** serve.bodyIdleTimeoutMs: the most the body may go without a byte. */
  idleMs: number;
}

/** What was read of a body before its reader began (a pipelined request's, read while it waited). */
export interface BodySoFar {
  chunks: Buffer[];
  size: number;
  /** The body has ended: there is nothing more to read. */
  whole: boolean;
}

/**
 * Reads the body and calls `done` once with what came of it: one 'data'/'end' pair and no
 * promise (serve reads thousands a second; an async iterator costs a promise and a tick a chunk).
 * One timer a request, refreshed by each chunk (not remade), cleared at the end. `soFar`: the
 * body read ahead, which this goes on from.
 */
export function readBody(
  req: IncomingMessage,
  limits: BodyLimits,
  done: (r: BodyRead) => void,
  soFar?: BodySoFar,
): void {
  const { maxBytes: limit, idleMs } = limits;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return done({ kind: 'too-large', limit });
  const chunks: Buffer[] = soFar?.chunks ?? [];
  let size = soFar?.size ?? 0;
  const text = () => (chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  if (size > limit) return done({ kind: 'too-large', limit });
  if (soFar?.whole) return done({ kind: 'ok', text: text() });
  let finished = false;
  const finish = (r: BodyRead) => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
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
    idle.refresh();
  };
  const onEnd = () => finish({ kind: 'ok', text: text() });
  const onError = () => finish({ kind: 'aborted' });
  const onClose = () => finish(req.complete ? { kind: 'ok', text: text() } : { kind: 'aborted' });
  // the client sent headers and then too little for too long: the caller answers 408 and closes
  const onIdle = () => {
    req.pause();
    finish({ kind: 'idle', idleMs });
  };
  const idle = setTimeout(onIdle, idleMs);
  req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
}
