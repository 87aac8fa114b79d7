/**
 * The alert policy of proxy traffic (`serve`, library chains): requests, not cron runs. A chat
 * route's client retries, so counting "runs in a row" like a cron job pages once per retry burst;
 * instead each chain keeps the outcomes of its last REQUEST_WINDOW requests (in this process: an
 * array push per request, no store write) and an incident opens when at least
 * `afterConsecutiveFailures` of them failed and they are at least half of the window. It closes
 * when `afterConsecutiveFailures` requests in a row succeed. Each incident sends one
 * `requests-failing` and one `requests-recovered` (deduplicated across processes in the store).
 */

/** How many of a chain's latest requests the policy looks at. */
export const REQUEST_WINDOW = 20;

export type RequestDecision = 'failing' | 'recovered';

export interface WindowView {
  /** Failed requests among the last `size`. */
  failed: number;
  size: number;
  /** Successful requests in a row, most recent last. */
  okInARow: number;
}

/** What the chain's request window said about one request (for the after-run hooks). */
export interface CallVerdict {
  /** The chain's own name in alerts (serve's is "serve"). */
  label: string;
  decision?: RequestDecision;
  window: WindowView;
  /** An incident is open in this process (after this request's decision). */
  inIncident: boolean;
}

export class RequestWindow {
  private readonly outcomes: boolean[] = []; // true: failed
  private failed = 0;
  private okInARow = 0;
  private failing = false;

  constructor(private readonly threshold: number) {}

  /** Records one finished request; says when this request opens or closes an incident. */
  push(failed: boolean): RequestDecision | undefined {
    this.outcomes.push(failed);
    if (failed) this.failed++;
    if (this.outcomes.length > REQUEST_WINDOW && this.outcomes.shift()) this.failed--;
    this.okInARow = failed ? 0 : this.okInARow + 1;
    if (!this.failing && this.failed >= this.threshold && this.failed * 2 >= this.outcomes.length) {
      this.failing = true;
      return 'failing';
    }
    if (this.failing && this.okInARow >= this.threshold) {
      this.failing = false;
      return 'recovered';
    }
    return undefined;
  }

  /** True while an incident this window opened has not closed. */
  get inIncident(): boolean {
    return this.failing;
  }

  view(): WindowView {
    return { failed: this.failed, size: this.outcomes.length, okInARow: this.okInARow };
  }
}

/** "every provider down (deepseek-v3: 503 ×3; …)": the last failure, in words about providers. */
export function describeFailure(fields: Record<string, unknown> | undefined): string {
  const failure = typeof fields?.failure === 'string' ? fields.failure : 'error';
  const error = typeof fields?.error === 'string' ? fields.error : '';
  switch (failure) {
    case 'unavailable':
      return /every breaker is open/.test(error)
        ? 'every provider down (every breaker is open)'
        : `every provider down (${error.replace(/^no provider could serve: /, '') || 'all failed'})`;
    case 'deadline':
      return `the deadline ran out (${error})`;
    case 'interrupted':
      return `a stream broke mid-answer (${error})`;
    case 'too-large':
      return `an answer passed maxResponseBytes (${error})`;
    default:
      return error || failure;
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function failingSummary(label: string, w: WindowView, cause: string): string {
  return `${label}: ${w.failed} of the last ${plural(w.size, 'request')} failed: ${cause}`;
}

export function recoveredSummary(label: string, w: WindowView, servedBy?: string): string {
  return `${label}: requests are served again (${w.okInARow} in a row${servedBy ? `, the last by ${servedBy}` : ''}; ${w.failed} of the last ${w.size} failed)`;
}
