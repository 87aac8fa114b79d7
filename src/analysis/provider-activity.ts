/**
 * What the job log says each provider did lately (runs' attempts and `probe providers`): its last
 * answered request and its last failure.
 * The breaker only counts failures in a row and keeps an error class; an on-call engineer asking
 * "is the primary failing?" also needs when it last failed, how, and whether it answered since.
 */
import type { LogRecord } from '../log/types.js';

export interface ProviderFailure {
  /** When the attempt ended (ISO). */
  at: string;
  job: string;
  /** The failure class and HTTP status when there was one: "server 503", "timeout". */
  error: string;
}

export interface ProviderActivity {
  /** The latest attempt it answered (ISO), or null if none in the records read. */
  lastOk: string | null;
  lastFailure: ProviderFailure | null;
}

/** Feeds on attempt.end and probe records; ignores attempts skipped by an open breaker and everything else. */
export class ProviderActivityBook {
  private readonly byProvider = new Map<string, ProviderActivity>();

  add(record: LogRecord): void {
    // a time that is no time ("NaN" sorts after every ISO date) would stay the latest for good
    if (typeof record.provider !== 'string' || !Number.isFinite(Date.parse(record.ts))) return;
    let ok: boolean;
    if (record.event === 'attempt.end' && (record.outcome === 'ok' || record.outcome === 'failed'))
      ok = record.outcome === 'ok';
    else if (record.event === 'probe' && typeof record.ok === 'boolean' && record.errorType !== 'missing-key')
      ok = record.ok; // `probe providers` is a live observation too (a request never sent is none)
    else return;
    let entry = this.byProvider.get(record.provider);
    if (!entry) this.byProvider.set(record.provider, (entry = { lastOk: null, lastFailure: null }));
    // records of several processes interleave in the log: keep the latest by time, not by position
    if (ok) {
      if (entry.lastOk === null || record.ts > entry.lastOk) entry.lastOk = record.ts;
    } else if (entry.lastFailure === null || record.ts > entry.lastFailure.at) {
      entry.lastFailure = { at: record.ts, job: record.job, error: failureText(record) };
    }
  }

  of(provider: string): ProviderActivity {
    return this.byProvider.get(provider) ?? { lastOk: null, lastFailure: null };
  }
}

function failureText(record: LogRecord): string {
  const kind = typeof record.errorType === 'string' ? record.errorType : 'failed';
  return typeof record.httpStatus === 'number' ? `${kind} ${record.httpStatus}` : kind;
}
