/**
 * HTTP/1.1 pipelining, bounded. node:http hands the server every request a client writes ahead on
 * one connection as soon as it parses it, and the answers must still go out in order; serve used
 * to start each one's chain at once, so one socket could put thousands of provider calls in flight
 * and hold all their bodies. Here a request waits for its turn instead: its handler starts when
 * the answer before it on the connection has gone out, which is when node:http gives its response
 * the socket. So a connection runs one request at a time, as one without pipelining does, and a
 * client gets its answers in the order HTTP/1.1 requires anyway (no client loses anything).
 *
 * While a request waits, serve does not read its body (node:http stops reading the socket once an
 * unread body fills its buffer) and no run exists for it: a client that disconnects leaves
 * nothing to abort but the request being served, whose response closes as usual. At most
 * MAX_WAITING requests wait on a connection; the next one is answered 503 with Retry-After and
 * `connection: close` in its turn (no chain), reading stops, and what the client wrote after it is
 * never started: the connection closes after that answer, and a pipelining client retries the
 * requests a closed connection left unanswered (RFC 9112, 9.3.2).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests that may wait behind the one being served on one connection. */
export const MAX_WAITING = 16;

/** How a connection's waiting requests are counted: on the socket, only once one waits. */
const WAITING = Symbol('lucy-ops.serve.waiting');
type Counted = Socket & { [WAITING]?: number };

/** `waited`: the request was written ahead and waited for its turn. */
export type Start = (req: IncomingMessage, res: ServerResponse, waited?: boolean) => void;

/**
 * Calls `start` when it is this request's turn on its connection: at once when nothing is being
 * answered before it (the common case, and one null check), else once the answer before it has
 * gone out. `overLimit` answers a request past MAX_WAITING in its turn; requests after that one
 * are never started.
 */
export function inTurn(req: IncomingMessage, res: ServerResponse, start: Start, overLimit: Start): void {
  // node:http gives a response the socket at once unless an earlier answer on it is unfinished
  if (res.socket !== null) return start(req, res);
  const socket = req.socket as Counted;
  const waiting = socket[WAITING] ?? 0;
  if (waiting < 0) {
    // past the limit already: keep the socket unread (a waiting request's body read resumes it).
    // node:http still parses whatever the socket already brought, and a bodiless request is whole
    // at once, so a client that keeps writing them is cut off after MAX_WAITING more: each one
    // parsed is held until the connection ends (thousands held per connection filled gigabytes).
    if (waiting <= -1 - MAX_WAITING) {
      socket.destroy();
      return;
    }
    socket[WAITING] = waiting - 1;
    socket.pause();
    return;
  }
  if (waiting === MAX_WAITING) {
    // from now on nothing more is read or started on this connection
    socket[WAITING] = -1;
    socket.pause();
    res.once('socket', () => overLimit(req, res));
    return;
  }
  socket[WAITING] = waiting + 1;
  res.once('socket', () => {
    if (socket[WAITING]! > 0) socket[WAITING]!--;
    start(req, res, true);
  });
}
