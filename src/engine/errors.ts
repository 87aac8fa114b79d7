/** Typed errors of a chain run. Each carries every attempt, so the cause is never lost. */
import { ExitCode } from '../exit-codes.js';
import type { Attempt } from './types.js';

export class AllProvidersFailedError extends Error {
  readonly exitCode = ExitCode.unavailable;
  constructor(
    readonly attempts: Attempt[],
    /** True when no request was sent at all: every breaker was open. */
    readonly allSkipped: boolean,
  ) {
    super(
      allSkipped
        ? 'no provider could serve: every breaker is open'
        : `no provider could serve: ${summarizeAttempts(attempts)}`,
    );
    this.name = 'AllProvidersFailedError';
  }
}

export class DeadlineExceededError extends Error {
  readonly exitCode = ExitCode.unavailable;
  constructor(
    readonly attempts: Attempt[],
    readonly deadlineMs: number,
  ) {
    super(
      `run deadline of ${deadlineMs} ms reached after ${attempts.length} attempt(s): ${summarizeAttempts(attempts)}`,
    );
    this.name = 'DeadlineExceededError';
  }
}

export class RunAbortedError extends Error {
  readonly exitCode = ExitCode.failed;
  constructor(
    readonly attempts: Attempt[],
    /** Why, when the caller said (the abort signal's reason, e.g. "interrupted by SIGTERM"). */
    readonly reason?: string,
  ) {
    super(reason ? `run aborted: ${reason}` : 'run aborted');
    this.name = 'RunAbortedError';
  }
}

/** The words of an abort signal's reason, when it gave any (not the DOM's generic AbortError). */
export function abortReasonText(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) return reason.message;
  return typeof reason === 'string' && reason ? reason : undefined;
}

/**
 * A streamed run failed after deltas had already been handed to the caller: failing over now
 * would splice a second answer onto the first, so the run ends here instead of truncating silently.
 */
export class StreamInterruptedError extends Error {
  readonly exitCode = ExitCode.failed;
  constructor(
    readonly attempts: Attempt[],
    /** The provider whose stream broke (its output was partly delivered). */
    readonly provider: string,
    readonly model: string,
    /** Characters of content delivered before the break. */
    readonly deliveredChars: number,
  ) {
    const last = attempts.at(-1);
    const what = last?.errorType === 'too-large' ? 'was cut off' : 'broke';
    super(
      `stream from ${provider} ${what} after ${deliveredChars} characters were delivered${last?.error ? `: ${last.error}` : ''}`,
    );
    this.name = 'StreamInterruptedError';
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
