import type { AbortControllerLike, AbortLike } from '../abort-like.js';
import { getEventListeners } from 'node:events';
import { expect, it } from 'vitest';
import type { DeltaSource } from '../engine/chain.js';
import type { ChainResult } from '../engine/types.js';
import { openChainStream } from './stream.js';

const from: DeltaSource = { provider: 'p', model: 'm', degraded: false };
const result = (content: string): ChainResult => ({
  content,
  finishReason: 'stop',
  provider: 'p',
  model: 'm',
  degraded: false,
  attempts: [],
});

/** A run the test drives by hand: emit deltas, then resolve or reject. */
function manualRun() {
  let emit!: (t: string) => void;
  let resolve!: (r: ChainResult) => void;
  let reject!: (e: unknown) => void;
  let signal!: AbortLike;
  const s = openChainStream((onDelta, own) => {
    emit = (t) => onDelta(t, from);
    signal = own.signal;
    return new Promise<ChainResult>((res, rej) => ((resolve = res), (reject = rej)));
  });
  return {
    s,
    emit: (t: string) => emit(t),
    resolve: (r: ChainResult) => resolve(r),
    reject: (e: unknown) => reject(e),
    signal: () => signal,
  };
}

it('yields deltas pushed before and while the caller waits, then ends with the result', async () => {
  const run = manualRun();
  run.emit('a');
  const it = run.s[Symbol.asyncIterator]();
  expect(await it.next()).toEqual({ value: { delta: 'a', ...from }, done: false });
  const pending = it.next();
  run.emit('b');
  expect(await pending).toEqual({ value: { delta: 'b', ...from }, done: false });
  run.resolve(result('ab'));
  expect(await it.next()).toEqual({ value: undefined, done: true });
  expect((await run.s.result).content).toBe('ab');
});

it('hands out what arrived before a failure, then throws it', async () => {
  const run = manualRun();
  run.emit('a');
  const boom = new Error('boom');
  run.reject(boom);
  const seen: string[] = [];
  await expect(
    (async () => {
      for await (const c of run.s) seen.push(c.delta);
    })(),
  ).rejects.toBe(boom);
  expect(seen).toEqual(['a']);
  await expect(run.s.result).rejects.toBe(boom);
});

it('aborts the run when the consumer stops early, and can be iterated once only', async () => {
  const run = manualRun();
  run.emit('a');
  for await (const c of run.s) {
    expect(c.delta).toBe('a');
    break;
  }
  expect(run.signal().aborted).toBe(true);
  expect(() => run.s[Symbol.asyncIterator]()).toThrow(/once/);
});

it('never leaves an unhandled rejection when nobody listens', async () => {
  const run = manualRun();
  run.reject(new Error('ignored'));
  await new Promise((r) => setImmediate(r));
  expect(run.signal().aborted).toBe(false);
});

it("passes the caller's abort to the run, and lets go of the caller's signal once the run settles", async () => {
  const caller = new AbortController();
  const opened = (onSignal: (s: AbortLike) => void, settled: Promise<ChainResult>) =>
    openChainStream(
      (_onDelta, own) => {
        onSignal(own.signal);
        return settled;
      },
      { signal: caller.signal },
    );

  let settle!: (r: ChainResult) => void;
  const done = opened(() => undefined, new Promise<ChainResult>((res) => (settle = res)));
  expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
  settle(result(''));
  await done.result;
  expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);

  const gone = new Error('client gone');
  let running!: AbortLike;
  opened((sig) => (running = sig), new Promise<ChainResult>(() => undefined));
  caller.abort(gone);
  expect(running.reason).toBe(gone);

  // a caller that aborted before the stream opened: the run starts aborted
  let late!: AbortLike;
  opened((sig) => (late = sig), new Promise<ChainResult>(() => undefined));
  expect(late.reason).toBe(gone);
});

it("uses the caller's own controller as the stream's: no second controller, no listener", async () => {
  const own = new AbortController();
  let handed!: AbortControllerLike;
  const s = openChainStream(
    (_onDelta, c) => {
      handed = c;
      return new Promise<ChainResult>(() => undefined);
    },
    { controller: own },
  );
  expect(handed).toBe(own);
  expect(getEventListeners(own.signal, 'abort')).toHaveLength(0);
  s.abort(new Error('stop'));
  expect(own.signal.reason).toEqual(new Error('stop'));
});
