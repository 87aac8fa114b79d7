/**
 * One HTTP exchange over undici's dispatch API: the response comes to a sink as calls (head, each
 * chunk, end, error) instead of through `request()`'s promise and a Readable body. A provider call
 * is one of these a request (serve makes thousands a second): the Readable's buffering, its ticks
 * and the promises around it were most of what undici cost beyond the socket itself.
 */
import type { Dispatcher } from 'undici';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * Where the response goes. head, data and end may throw (a reader choking on hostile input, or a
 * bug): the throw never reaches undici, whose parser calls them; the request is aborted and the
 * sink hears it as error(ExchangeSinkError). error itself must not throw.
 */
export interface ExchangeSink {
  /** Status and headers of the final response (1xx responses are skipped). */
  head(statusCode: number, rawHeaders: Buffer[]): void;
  /** A chunk of the body; call pause() in here to stop reading until resume(). */
  data(chunk: Buffer): void;
  /** The whole body has arrived. */
  end(): void;
  /**
   * The exchange failed (connect, reset, parse, an abort, a throw from head/data/end): at most
   * once, and never after an end() that returned.
   */
  error(err: Error): void;
}

/** Which of the sink's callbacks threw. */
export type SinkPhase = 'head' | 'data' | 'end' | 'error';

/**
 * A sink callback threw: the exchange's failure, with what was thrown as its `cause` and the
 * callback as its `phase` (a reader that choked on hostile input, or a bug in one).
 */
export class ExchangeSinkError extends Error {
  readonly code = 'LUCY_EXCHANGE_SINK';
  constructor(
    readonly phase: SinkPhase,
    cause: unknown,
  ) {
    super(`reading the response failed in ${phase}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ExchangeSinkError';
  }
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
    try {
      this.sink.head(statusCode, rawHeaders);
    } catch (err) {
      return this.sinkThrew('head', err);
    }
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.closed) return false;
    try {
      this.sink.data(chunk);
    } catch (err) {
      return this.sinkThrew('data', err);
    }
    return !this.paused;
  }

  onComplete(): void {
    if (this.done) return;
    this.ended = true;
    try {
      this.sink.end();
    } catch (err) {
      // undici is done with the request: nothing to abort, but the sink must hear that its end failed
      this.report(new ExchangeSinkError('end', err));
    }
  }

  onError(err: Error): void {
    if (this.done) return;
    this.ended = true;
    this.report(err);
  }

  /**
   * head or data threw: the request is aborted (its socket closed) and the sink hears the
   * failure, unless it ended the exchange itself before throwing. Returns false: read no further.
   */
  private sinkThrew(phase: SinkPhase, thrown: unknown): false {
    if (this.done) return false;
    const failure = new ExchangeSinkError(phase, thrown);
    this.closed = true;
    this.reason = failure;
    this.abortRequest?.(failure);
    this.report(failure);
    return false;
  }

  /** The sink's error(), which must not throw; if it does, a process warning rather than a throw into undici. */
  private report(err: Error): void {
    try {
      this.sink.error(err);
    } catch (thrown) {
      process.emitWarning(new ExchangeSinkError('error', thrown));
    }
  }
}
