import { expect, it } from 'vitest';
import { RunAbort } from './abort-like.js';
import { realSleep } from './clock.js';

it('a RunAbort fires each listener once, in order, with the signal aborted and its reason set', () => {
  const run = new RunAbort();
  const seen: string[] = [];
  const first = () => seen.push(`first ${String(run.signal.reason)}`);
  const gone = () => seen.push('removed');
  run.signal.addEventListener('abort', first, { once: true });
  run.signal.addEventListener('abort', gone);
  run.signal.addEventListener('abort', () => seen.push(`second ${run.signal.aborted}`));
  run.signal.removeEventListener('abort', gone);
  expect(run.signal.aborted).toBe(false);
  expect(() => run.signal.throwIfAborted()).not.toThrow();
  run.abort('deadline');
  run.abort('again');
  expect(seen).toEqual(['first deadline', 'second true']);
  expect(run.signal.reason).toBe('deadline');
  expect(() => run.signal.throwIfAborted()).toThrow('deadline');
  // a listener added after the abort is never called, as with an AbortSignal
  run.signal.addEventListener('abort', () => seen.push('late'));
  expect(seen).toHaveLength(2);
});

it('aborting without a reason gives the AbortError an AbortController gives', () => {
  const run = new RunAbort();
  run.abort();
  const real = new AbortController();
  real.abort();
  expect(run.signal.reason).toBeInstanceOf(DOMException);
  expect((run.signal.reason as DOMException).name).toBe((real.signal.reason as DOMException).name);
});

it("ends a sleep at once with the signal's reason", async () => {
  const run = new RunAbort();
  const sleeping = realSleep(60_000, run.signal);
  run.abort(new Error('interrupted'));
  await expect(sleeping).rejects.toThrow('interrupted');
});
