/**
 * The clocks of one attempt: a hard bound on the whole attempt (timeoutMs, connect → last byte),
 * an idle bound on time without MEANINGFUL progress (idleTimeoutMs, armed once headers arrive:
 * a non-streaming provider legitimately sends its headers only when the answer is ready), and the
 * caller's signal (the run deadline or an abort). Whichever fires first "cuts" the attempt: `onCut`
 * is told (the client aborts its request and whatever of the body is in flight), so a read blocked
 * on a trickling socket returns at once. dispose() clears every timer and listener.
 */
import type { AbortLike } from '../abort-like.js';
import { MAX_TIMER_MS } from '../time.js';
import { isDeadlineReason } from './errors.js';
import { ProviderError } from './types.js';

export type Cut = { kind: 'timeout'; afterHeaders: boolean } | { kind: 'idle' } | { kind: 'caller'; deadline: boolean };

export class AttemptGuard {
  cut: Cut | undefined;
  /** Told once, when the attempt is cut (with the error that describes the cut). */
  onCut: ((err: ProviderError) => void) | undefined;
  /** A backpressure wait in progress (waitFor), ended by a cut. */
  private cutWaiter: (() => void) | undefined;
  private headersArrived = false;
  private lastProgress = 0;
  /** When the whole-attempt bound runs out (moved on by time spent waiting for the consumer). */
  private totalEndsAt = 0;
  private idleMs: number;
  /**
   * One timer for both clocks, due at the earlier of the two ends (or sooner): when it fires it
   * checks both and is armed again for what is left. An attempt that ends in time sets and clears
   * one timer, and progress costs no timer work at all.
   */
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() time). */
  private timerDue = Infinity;
  private readonly onCallerAbort = () =>
    this.cutWith({ kind: 'caller', deadline: isDeadlineReason(this.callerSignal?.reason) });
  private readonly onTimer = () => this.check();

  constructor(
    private readonly providerName: string,
    private readonly timeoutMs: number,
    idleTimeoutMs: number,
    private readonly callerSignal?: AbortLike,
  ) {
    this.idleMs = Math.min(idleTimeoutMs, MAX_TIMER_MS);
    if (callerSignal?.aborted) {
      this.onCallerAbort();
      return;
    }
    callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    const now = performance.now();
    this.totalEndsAt = now + timeoutMs;
    // the idle clock starts with the headers, no earlier than now: a timer due at the nearer of
    // the two bounds fires no later than either can end
    this.arm(now, Math.min(timeoutMs, this.idleMs));
  }

  /** Headers are in: from now on the idle clock runs. */
  headers(): void {
    this.headersArrived = true;
    if (this.cut) return;
    this.progress();
    // armed at the start for at most idleMs, so it is due before this idle window can end
    if (this.timer === undefined) this.arm(this.lastProgress, this.idleMs);
  }

  /** Meaningful bytes arrived. Cheap: the timer looks at it when it fires. */
  progress(): void {
    this.lastProgress = performance.now();
  }

  /** Shortens the idle window (used to drain a stream that already said it is done). */
  shortenIdle(ms: number): void {
    if (ms >= this.idleMs) return;
    this.idleMs = ms;
    const idleEnds = this.lastProgress + ms;
    if (this.timer !== undefined && idleEnds < this.timerDue) {
      clearTimeout(this.timer);
      const now = performance.now();
      this.arm(now, Math.max(0, idleEnds - now));
    }
  }

  /**
   * Waits for the consumer (backpressure) with this attempt's clocks stopped: time the caller
   * spends not reading is not the provider's, so it can neither idle-time nor time out the
   * attempt (the run's deadline still bounds it). Throws the cut's error if the attempt is cut
   * meanwhile (deadline, caller abort).
   */
  async waitFor(consumer: Promise<void>): Promise<void> {
    if (this.cut) throw this.error();
    const heldAt = performance.now();
    this.disarm();
    try {
      await Promise.race([consumer, new Promise<void>((resolve) => (this.cutWaiter = resolve))]);
    } finally {
      this.cutWaiter = undefined;
    }
    if (this.cut) throw this.error();
    const now = performance.now();
    this.totalEndsAt += now - heldAt;
    this.lastProgress = now;
    this.arm(now, Math.min(this.totalEndsAt - now, this.idleMs));
  }

  /** The ProviderError that describes the cut (call only when `cut` is set). */
  error(): ProviderError {
    const cut = this.cut;
    const who = this.providerName;
    if (!cut) return new ProviderError('aborted', `call to ${who} aborted`);
    switch (cut.kind) {
      case 'timeout':
        return new ProviderError(
          'timeout',
          cut.afterHeaders
            ? `${who} did not finish within timeoutMs ${this.timeoutMs}`
            : `no response headers from ${who} within timeoutMs ${this.timeoutMs}`,
        );
      case 'idle':
        return new ProviderError('idle-timeout', `no meaningful progress from ${who} for idleTimeoutMs ${this.idleMs}`);
      case 'caller':
        return cut.deadline
          ? new ProviderError('deadline', `run deadline reached while calling ${who}`)
          : new ProviderError('aborted', `call to ${who} aborted`);
    }
  }

  dispose(): void {
    this.disarm();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private arm(now: number, ms: number): void {
    const wait = Math.max(0, Math.min(ms, MAX_TIMER_MS));
    this.timerDue = now + wait;
    this.timer = setTimeout(this.onTimer, wait);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  /** The timer fired: cut the attempt if a clock ran out, else wait for the nearer of what is left. */
  private check(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = performance.now();
    // setTimeout may fire a hair early; 1 ms of slack avoids a pointless re-arm loop.
    const totalLeft = this.totalEndsAt - now;
    if (totalLeft <= 1) return this.cutWith({ kind: 'timeout', afterHeaders: this.headersArrived });
    let next = totalLeft;
    if (this.headersArrived) {
      const idleLeft = this.idleMs - (now - this.lastProgress);
      if (idleLeft <= 1) return this.cutWith({ kind: 'idle' });
      next = Math.min(next, idleLeft);
    } else {
      // before the headers only the total runs; the idle window starts with them
      next = Math.min(next, this.idleMs);
    }
    this.arm(now, next);
  }

  private cutWith(cut: Cut): void {
    if (this.cut) return;
    this.cut = cut;
    this.dispose();
    this.cutWaiter?.();
    this.onCut?.(this.error());
  }
}
