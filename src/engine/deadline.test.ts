import { describe, expect, it } from 'vitest';
import { isDeadlineReason } from '../providers/errors.js';
import { startDeadline } from './deadline.js';

describe('startDeadline', () => {
  it('aborts with a deadline reason when the budget is spent', async () => {
    const d = startDeadline(5);
    await new Promise<void>((resolve) => d.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(d.expired()).toBe(true);
    expect(isDeadlineReason(d.signal.reason)).toBe(true);
    expect(d.remaining()).toBe(0);
    d.dispose();
  });

  it("forwards the caller's abort with the caller's reason, and that is not expiry", () => {
    const parent = new AbortController();
    const d = startDeadline(60_000, parent.signal);
    const reason = new Error('client left');
    parent.abort(reason);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe(reason);
    expect(d.expired()).toBe(false);
    d.dispose();
  });

  it('starts aborted when the caller already aborted', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    const d = startDeadline(60_000, parent.signal);
    expect(d.signal.aborted).toBe(true);
    d.dispose();
  });

  it('dispose stops the timer and leaves the parent without a listener', () => {
    const parent = new AbortController();
    const d = startDeadline(60_000, parent.signal);
    d.dispose();
    parent.abort(new Error('later'));
    expect(d.signal.aborted).toBe(false);
  });

  it("uses the caller's own controller: the deadline aborts it, and its abort is the run's", async () => {
    const own = new AbortController();
    const d = startDeadline(5, undefined, own);
    expect(d.signal).toBe(own.signal);
    await new Promise<void>((resolve) => own.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect([d.expired(), isDeadlineReason(own.signal.reason)]).toEqual([true, true]);
    d.dispose();

    const cancelled = new AbortController();
    const e = startDeadline(60_000, undefined, cancelled);
    cancelled.abort(new Error('client left'));
    expect([e.signal.aborted, e.expired()]).toEqual([true, false]);
    e.dispose();
  });
});
