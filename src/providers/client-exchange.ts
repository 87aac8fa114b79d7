/**
 * One HTTP exchange over undici's dispatch API: the response comes to a sink as calls (head, each
 * chunk, end, error) instead of through `request()`'s promise and a Readable body. A provider call
 * is one of these a request (serve makes thousands a second): the Readable's buffering, its ticks
 * and the promises around it were most of what undici cost beyond the socket itself.
 */
import type { Dispatcher } from 'undici';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface ExchangeSink {
  /** Status and headers of the final response (1xx responses are skipped). */
  head(statusCode: number, rawHeaders: Buffer[]): void;
  /** A chunk of the body; call pause() in here to stop reading until resume(). */
  data(chunk: Buffer): void;
  /** The whole body has arrived. */
  end(): void;
  /** The exchange failed (connect, reset, parse, an abort): at most once, and never after end(). */
  error(err: Error): void;
}

/** undici's handler (the callbacks its dispatchers call natively) for one request. */
export class Exchange implements Dispatcher.DispatchHandler {
  private abortRequest: ((err?: Error) => void) | undefined;
  private resumeReading: (() => void) | undefined;
  private paused = false;
  /** undici reported the end (complete or error). */
  private ended = false;
  /** We aborted: nothing more reaches the sink. */
  private closed = false;
  private reason: Error | undefined;

  constructor(private readonly sink: ExchangeSink) {}

  /** True once the exchange is over, however it ended. */
  get done(): boolean {
    return this.ended || this.closed;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.done) this.resumeReading?.();
  }

  /** Aborts the request (its socket is closed) unless it has ended; the sink hears nothing more. */
  abort(reason?: Error): void {
    if (this.done) return;
    this.closed = true;
    // made only here: an Error's stack trace costs ~15 µs, and most exchanges end on their own
    this.reason = reason ?? new Error('request aborted');
    this.abortRequest?.(this.reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    // aborted while queued or connecting: the request is abandoned as soon as undici reaches it
    if (this.closed) return abort(this.reason);
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.closed) return false;
    if (statusCode < 200) return true;
    this.resumeReading = resume;
    this.sink.head(statusCode, rawHeaders);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.closed) return false;
    this.sink.data(chunk);
    return !this.paused;
  }

  onComplete(): void {
    if (this.done) return;
    this.ended = true;
    this.sink.end();
  }

  onError(err: Error): void {
    if (this.done) return;
    this.ended = true;
    this.sink.error(err);
  }
}
