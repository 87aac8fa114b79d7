/** A test server route that sends headers, then `chunk` every `everyMs` until the client leaves. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface TrickleOptions {
  /** Default 10 ms. */
  everyMs?: number;
  /** Sees the number of chunks written so far, after each write (tests abort from here). */
  onWrite?: (n: number) => void;
  /** Written once, right after the headers (e.g. a complete answer that never ends). */
  first?: string;
}

export function trickle(
  head: Record<string, string>,
  chunk: string,
  opts: TrickleOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(200, head);
    if (opts.first) res.write(opts.first);
    let n = 0;
    const timer = setInterval(() => {
      res.write(chunk);
      opts.onWrite?.(++n);
    }, opts.everyMs ?? 10);
    res.on('close', () => clearInterval(timer));
  };
}
