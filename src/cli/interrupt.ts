/**
 * SIGINT / SIGTERM while a command works (Ctrl-C, `systemctl stop`, cron's or CI's timeout): abort
 * the work so it ends at once, writes its run.end (failed, "interrupted by SIGTERM") and releases
 * its lock; then exit as a shell reports a signal, 128 + its number (130, 143), as `lucy-ops run`
 * does for its child. A second signal is not caught: it ends the process at once.
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface Interrupt {
  /** Aborts with Error("interrupted by SIGTERM") on the first signal. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** 128 + the signal's number once one was received, else undefined. */
  exitCode(): number | undefined;
  /** Stop listening (the work is done). */
  dispose(): void;
}

export function catchInterrupts(): Interrupt {
  const aborter = new AbortController();
  let received: NodeJS.Signals | undefined;
  const dispose = () => {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  };
  function onSignal(sig: NodeJS.Signals) {
    dispose();
    received = sig;
    aborter.abort(new Error(`interrupted by ${sig}`));
  }
  for (const sig of SIGNALS) process.on(sig, onSignal);
  return {
    signal: aborter.signal,
    received: () => received,
    exitCode: () => (received ? 128 + (constants.signals[received] ?? 0) : undefined),
    dispose,
  };
}
