/**
 * The streaming side of the library API: the engine pushes deltas, the caller pulls them with
 * `for await`. The run starts at once; the queue holds what the caller has not read yet, up to
 * QUEUE_HIGH_WATER characters: past that the engine is told to wait (backpressure), so a caller
 * that reads slowly or not at all stops the provider's body from being read instead of growing
 * the queue. A failure after the first delta surfaces as the iterator's error
 * (StreamInterruptedError), never as a quiet end.
 */
import type { AbortControllerLike } from '../abort-like.js';
import type { DeltaSource } from '../engine/chain.js';
import type { ChainResult } from '../engine/types.js';

/** One content delta and the provider it comes from (the same for every chunk of one stream). */
export interface StreamChunk extends DeltaSource {
  delta: string;
}

export interface ChainStream extends AsyncIterable<StreamChunk> {
  /**
   * The whole run: resolves with the joined content and attempts once the stream has finished,
   * rejects with the same typed error the iterator throws. Never an unhandled rejection.
   */
  readonly result: Promise<ChainResult>;
  /** Stops the run (the upstream request is aborted); the iterator ends with the abort error. */
  abort(reason?: unknown): void;
}

/** Characters queued for the caller beyond which the provider is not read further. */
export const QUEUE_HIGH_WATER = 64 * 1024;

type Waiter = { resolve: (r: IteratorResult<StreamChunk>) => void; reject: (err: unknown) => void };
type QueueState = { kind: 'open' } | { kind: 'ended' } | { kind: 'failed'; error: unknown };

/**
 * Runs `start` at once and exposes its deltas as an async iterator and its outcome as `result`.
 * `start` gets the stream's own controller (abort/return abort it): the caller's `controller` when
 * given (made for this stream alone), else a new one that follows the caller's `signal`.
 */
export function openChainStream(
  start: (
    onDelta: (text: string, from: DeltaSource) => void | Promise<void>,
    controller: AbortControllerLike,
  ) => Promise<ChainResult>,
  caller: { signal?: AbortSignal; controller?: AbortControllerLike } = {},
): ChainStream {
  const callerSignal = caller.signal;
  const aborter: AbortControllerLike = caller.controller ?? new AbortController();
  // forward the caller's abort by hand, as startDeadline does: AbortSignal.any costs ~20 µs a
  // stream (serve: every streamed request); the listener goes when the run settles
  const onCallerAbort = () => aborter.abort(callerSignal!.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const items: StreamChunk[] = [];
  let queued = 0; // characters in `items`
  let resume: (() => void) | undefined; // the engine waiting for the queue to go down
  let state: QueueState = { kind: 'open' };
  let waiter: Waiter | undefined;
  let iterated = false;

  const take = (): StreamChunk => {
    const item = items.shift()!;
    queued -= item.delta.length;
    if (resume && queued <= QUEUE_HIGH_WATER) {
      const go = resume;
      resume = undefined;
      go();
    }
    return item;
  };
  const settle = (next: QueueState) => {
    callerSignal?.removeEventListener('abort', onCallerAbort);
    if (state.kind !== 'open') return;
    state = next;
    flush();
  };
  const flush = () => {
    if (!waiter) return;
    const w = waiter;
    if (items.length > 0) {
      waiter = undefined;
      w.resolve({ value: take(), done: false });
    } else if (state.kind === 'ended') {
      waiter = undefined;
      w.resolve({ value: undefined, done: true });
    } else if (state.kind === 'failed') {
      waiter = undefined;
      w.reject(state.error);
    }
  };

  const result = start((text, from) => {
    items.push({ delta: text, ...from });
    queued += text.length;
    flush();
    if (queued <= QUEUE_HIGH_WATER) return undefined;
    // the run's abort (deadline, caller, return()) ends the wait in the provider itself
    return new Promise<void>((resolve) => (resume = resolve));
  }, aborter).then(
    (r) => {
      settle({ kind: 'ended' });
      return r;
    },
    (err: unknown) => {
      settle({ kind: 'failed', error: err });
      throw err;
    },
  );
  // The caller may only iterate, or only await result: neither path may leave a rejection unhandled.
  result.catch(() => undefined);

  const iterator: AsyncIterator<StreamChunk> = {
    next() {
      if (items.length > 0) return Promise.resolve({ value: take(), done: false });
      if (state.kind === 'ended') return Promise.resolve({ value: undefined, done: true });
      if (state.kind === 'failed') return Promise.reject(state.error);
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    // `break` out of for-await: stop the upstream call, nobody is reading any more.
    async return() {
      if (state.kind === 'open') aborter.abort(new Error('the stream consumer stopped reading'));
      items.length = 0;
      queued = 0;
      resume?.();
      resume = undefined;
      return { value: undefined, done: true };
    },
  };

  return {
    result,
    abort: (reason?: unknown) => aborter.abort(reason ?? new Error('stream aborted')),
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error('a ChainStream can be iterated once');
      iterated = true;
      return iterator;
    },
  };
}
