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
});
