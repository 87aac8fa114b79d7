/**
 * Typed errors of a chain run. Each carries every attempt, so the cause is never lost, a stable
 * `code` to switch on (messages may change; codes do not) and the CLI exit code it maps to.
 */
import type { AbortLike } from '../abort-like.js';
import { ExitCode } from '../exit-codes.js';
import type { Attempt } from './types.js';

/** How a chain run failed, as a stable string. */
export type EngineErrorCode =
  /** Every provider tried failed. */
  | 'all-providers-failed'
  /** No request was sent at all: every breaker was open. */
  | 'all-breakers-open'
  /** The run's deadline ran out. */
  | 'deadline-exceeded'
  /** The caller aborted the run (a client gone, a signal). */
  | 'run-aborted'
  /** A streamed answer broke after part of it was delivered. */
  | 'stream-interrupted'
  /** A streamed answer passed the provider's maxResponseBytes after part of it was delivered. */
  | 'response-too-large';

/** The base of every error a chain run ends with. */
export abstract class EngineError extends Error {
  abstract readonly code: EngineErrorCode;
  abstract readonly exitCode: ExitCode;
  constructor(
    /** Every attempt of the run, in order (skipped providers included). */
    readonly attempts: Attempt[],
    message: string,
  ) {
    super(message);
  }
}

export class AllProvidersFailedError extends EngineError {
  readonly exitCode = ExitCode.unavailable;
  readonly code: 'all-providers-failed' | 'all-breakers-open';
  constructor(
    attempts: Attempt[],
    /** True when no request was sent at all: every breaker is open. */
    readonly allSkipped: boolean,
  ) {
    super(
      attempts,
      allSkipped
        ? 'no provider could serve: every breaker is open'
        : `no provider could serve: ${summarizeAttempts(attempts)}`,
    );
    this.name = 'AllProvidersFailedError';
    this.code = allSkipped ? 'all-breakers-open' : 'all-providers-failed';
  }
}

export class DeadlineExceededError extends EngineError {
  readonly exitCode = ExitCode.unavailable;
  readonly code = 'deadline-exceeded';
  constructor(
    attempts: Attempt[],
    readonly deadlineMs: number,
  ) {
    super(
      attempts,
      `run deadline of ${deadlineMs} ms reached after ${attempts.length} attempt(s): ${summarizeAttempts(attempts)}`,
    );
    this.name = 'DeadlineExceededError';
  }
}

export class RunAbortedError extends EngineError {
  readonly exitCode = ExitCode.failed;
  readonly code = 'run-aborted';
  constructor(
    attempts: Attempt[],
    /** Why, when the caller said (the abort signal's reason, e.g. "interrupted by SIGTERM"). */
    readonly reason?: string,
  ) {
    super(attempts, reason ? `run aborted: ${reason}` : 'run aborted');
    this.name = 'RunAbortedError';
  }
}

/** The words of an abort signal's reason, when it gave any (not the DOM's generic AbortError). */
export function abortReasonText(signal: AbortLike): string | undefined {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) return reason.message;
  return typeof reason === 'string' && reason ? reason : undefined;
}

/**
 * A streamed run failed after deltas had already been handed to the caller: failing over now
 * would splice a second answer onto the first, so the run ends here instead of truncating silently.
 */
export class StreamInterruptedError extends EngineError {
  readonly exitCode = ExitCode.failed;
  /** 'response-too-large' when the break was the provider's maxResponseBytes, not the provider failing. */
  readonly code: 'stream-interrupted' | 'response-too-large';
  constructor(
    attempts: Attempt[],
    /** The provider whose stream broke (its output was partly delivered). */
    readonly provider: string,
    readonly model: string,
    /** Characters of content delivered before the break. */
    readonly deliveredChars: number,
  ) {
    const last = attempts.at(-1);
    const tooLarge = last?.errorType === 'too-large';
    super(
      attempts,
      `stream from ${provider} ${tooLarge ? 'was cut off' : 'broke'} after ${deliveredChars} characters were delivered${last?.error ? `: ${last.error}` : ''}`,
    );
    this.name = 'StreamInterruptedError';
    this.code = tooLarge ? 'response-too-large' : 'stream-interrupted';
  }
}

/** "deepseek-v3: 503 ×3; llama-3.3-70b: timeout" */
export function summarizeAttempts(attempts: Attempt[]): string {
  const per = new Map<string, Map<string, number>>();
  for (const a of attempts) {
    if (a.outcome === 'ok') continue;
    const what =
      a.outcome === 'skipped-open' ? 'breaker open' : a.httpStatus ? String(a.httpStatus) : (a.errorType ?? 'failed');
    const m = per.get(a.provider) ?? new Map<string, number>();
    m.set(what, (m.get(what) ?? 0) + 1);
    per.set(a.provider, m);
  }
  return (
    [...per].map(([p, m]) => `${p}: ${[...m].map(([w, n]) => (n > 1 ? `${w} ×${n}` : w)).join(', ')}`).join('; ') ||
    'no attempts'
  );
}
