/**
 * What lucy-ops' own code uses of an abort signal, and a light signal that is no more than that.
 *
 * Every run has a signal (its deadline, or its caller's abort) that its attempts, sleeps and store
 * waits listen to. On Node 20 an AbortController and the listeners of its AbortSignal (an
 * EventTarget) cost a sequential chain call ~20-40 µs of CPU on a busy host, more than the rest
 * of the engine; `RunAbort` is a plain object with a listener list. It is NOT an AbortSignal: never
 * hand it to fetch, undici or `AbortSignal.any` (they check for the real class). A real
 * AbortSignal is an `AbortLike` too, so every consumer takes either.
 */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What a run needs of a controller made for it alone: an AbortController or a RunAbort. */
export interface AbortControllerLike {
  readonly signal: AbortLike;
  abort(reason?: unknown): void;
}

/**
 * A signal and its abort(), as an AbortController has them. Listeners run once, in order, so
 * `once` changes nothing.
 */
export class RunAbort {
  readonly signal: RunSignal = new RunSignal();

  abort(reason?: unknown): void {
    this.signal.fire(reason === undefined ? abortError() : reason);
  }
}

class RunSignal implements AbortLike {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    // an aborted signal never fires again (an AbortSignal's listener added late is not called either)
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }

  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // as an EventTarget does: the other listeners still run, the error is uncaught
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }
}

/** The reason AbortController.abort() gives when it is given none. */
function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}
