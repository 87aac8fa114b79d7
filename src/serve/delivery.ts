/**
 * The delivery bound (serve.deliveryTimeoutMs): once serve has written an answer whole, its client
 * gets this long to take it. A client that never reads would otherwise hold the answer's bytes, a
 * connection slot and (for a completion) an unfinished run for as long as it keeps its socket.
 * Past the bound the connection is destroyed; a completion's run is then failed and aborted, by
 * the rule that an answer counts only once it went out whole (chat.ts).
 */
import type { ServerResponse } from 'node:http';

const CUT = Symbol('lucy-ops.serve.delivery-cut');
type Bounded = ServerResponse & { [CUT]?: number };

/**
 * Call right after res.end(). Nothing is armed when the answer already went out (the kernel took
 * it in the end's write, the common case): one timer only for an answer still held in serve.
 */
export function boundDelivery(res: ServerResponse, ms: number): void {
  if (res.writableFinished || res.destroyed) return;
  const timer = setTimeout(() => cutDelivery(res, ms), ms).unref();
  res.once('close', () => clearTimeout(timer));
}

/** Destroys a response whose client did not take its bytes within `ms`, and remembers why. */
export function cutDelivery(res: ServerResponse, ms: number): void {
  (res as Bounded)[CUT] = ms;
  res.destroy();
}

/** Why a response's connection closed: the bound it was cut at, or undefined (the client left, or it finished). */
export function deliveryCut(res: ServerResponse): number | undefined {
  return (res as Bounded)[CUT];
}

/** The words for a run whose client did not take its answer in time. */
export function lateMessage(ms: number): string {
  return `client did not take the answer within ${ms} ms (serve.deliveryTimeoutMs)`;
}
