/**
 * HTTP/1.1 pipelining, bounded. node:http hands the server every request a client writes ahead on
 * one connection as soon as it parses it, and the answers must still go out in order; serve used
 * to start each one's chain at once, so one socket could put thousands of provider calls in flight
 * and hold all their bodies. Here a request waits for its turn instead: its handler starts when
 * the answer before it on the connection has gone out, which is when node:http gives its response
 * the socket. So a connection runs one request at a time, as one without pipelining does, and a
 * client gets its answers in the order HTTP/1.1 requires anyway (no client loses anything).
 *
 * serve never stops reading a connection while it serves a request on it: a client that leaves is
 * seen at once (its FIN comes after the bytes it wrote), so the request being served is aborted
 * and those waiting never start. (It used to leave a waiting body unread; node:http then stopped
 * reading the socket, and a client that left was seen only when an answer was written to it.) So
 * what waits is bounded instead: a waiting request's body is read ahead and held, at most
 * `aheadBytes` (serve.maxBodyBytes) of them on a connection, and at most MAX_WAITING requests. The
 * request that would pass either bound is answered 503 with Retry-After and `connection: close` in
 * its turn (no chain), and what the client wrote after it is read and dropped, never started: the
 * connection closes after that answer, and a pipelining client retries the requests a closed
 * connection left unanswered (RFC 9112, 9.3.2). A client that writes more than MAX_WAITING
 * requests after the refused one is cut off (node:http holds each one parsed until the connection
 * ends: thousands per connection filled gigabytes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests that may wait behind the one being served on one connection. */
export const MAX_WAITING = 16;

/** What is waiting on a connection: kept on the socket, only once a request waits. */
interface Line {
  waiting: number;
  /** Bytes of waiting bodies read ahead and held. */
  held: number;
  /** -1 until a request is refused; then how many the client wrote after the refused one. */
  past: number;
}
const LINE = Symbol('lucy-ops.serve.line');
type Lined = Socket & { [LINE]?: Line };

/** `ahead`: the request was written ahead and waited for its turn; its body so far, read ahead. */
export type Start = (req: IncomingMessage, res: ServerResponse, ahead?: BodyAhead) => void;

/**
 * A waiting request's body as it was read ahead. take() hands it over (the chunks so far, and
 * whether it is whole); the reader then goes on with the request's own 'data' and 'end'.
 */
export class BodyAhead {
  private chunks: Buffer[] = [];
  private size = 0;
  private whole = false;
  /** Past the connection's bound: what comes is dropped, and the request is refused in its turn. */
  refused = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly line: Line,
    private readonly limit: number,
  ) {
    req.on('data', this.onData).once('end', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.refused) return;
    this.line.held += chunk.length;
    this.size += chunk.length;
    if (this.line.held > this.limit) return this.refuse();
    this.chunks.push(chunk);
  };

  private readonly onEnd = (): void => {
    this.whole = true;
  };

  private refuse(): void {
    this.refused = true;
    this.release();
    this.line.waiting--;
    this.line.past = 0;
  }

  /** Gives the bytes held back to the connection's bound. */
  private release(): void {
    this.line.held -= this.size;
    this.size = 0;
    this.chunks = [];
  }

  /** The body read so far; from now on the caller reads the request. */
  take(): { chunks: Buffer[]; size: number; whole: boolean } {
    const taken = { chunks: this.chunks, size: this.size, whole: this.whole };
    this.detach();
    return taken;
  }

  /** The request's turn has come: nothing is held for it any more (a route that reads no body drops it). */
  detach(): void {
    this.req.off('data', this.onData).off('end', this.onEnd);
    this.release();
  }
}

/**
 * Calls `start` when it is this request's turn on its connection: at once when nothing is being
 * answered before it (the common case, and one null check), else once the answer before it has
 * gone out. `overLimit` answers, in its turn, the request that would pass MAX_WAITING or
 * `aheadBytes` of waiting bodies; requests after that one are never started.
 */
export function inTurn(
  req: IncomingMessage,
  res: ServerResponse,
  start: Start,
  overLimit: Start,
  aheadBytes: number,
): void {
  // node:http gives a response the socket at once unless an earlier answer on it is unfinished
  if (res.socket !== null) return start(req, res);
  const socket = req.socket as Lined;
  const line = (socket[LINE] ??= { waiting: 0, held: 0, past: -1 });
  if (line.past >= 0) {
    // after the refused one: never started, its body read and dropped (so a client that leaves is
    // still seen); node:http holds each one until the connection ends, hence the cut
    if (++line.past > MAX_WAITING) return void socket.destroy();
    req.resume();
    return;
  }
  if (line.waiting === MAX_WAITING) {
    line.past = 0;
    req.resume();
    res.once('socket', () => overLimit(req, res));
    return;
  }
  line.waiting++;
  const ahead = new BodyAhead(req, line, aheadBytes);
  res.once('socket', () => {
    if (ahead.refused) return overLimit(req, res);
    line.waiting--;
    // a tick later: node:http closes the response before this one in a tick queued before this
    // 'socket', and that close ends its run (its verdict, chat.ts), so the log shows one run at a
    // time on a connection, each begun after the one before it ended
    process.nextTick(() => {
      start(req, res, ahead);
      ahead.detach();
    });
  });
}
