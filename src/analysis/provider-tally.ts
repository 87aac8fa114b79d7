/** The report's attempts per provider over the window: requests, answers, failures by class. */
import type { LogRecord } from '../log/types.js';
import { attemptCauseKey, causeCounts, causeKey, type CauseTally } from './cause.js';

export interface ProviderActivity {
  provider: string;
  /** Requests sent (ok + failed + cutShort); a skipped-open attempt sends none. */
  requests: number;
  ok: number;
  failed: number;
  /**
   * Requests the caller cut short (errorType `aborted`: a `serve` client that left, a shutdown):
   * nobody waited for the answer any more, which says nothing about the provider, so they are
   * neither ok nor failed and no failure class of it.
   */
  cutShort: number;
  /** Attempts the open breaker answered without a request: requests it saved. */
  skippedOpen: number;
  /** Failed attempts per error class (HTTP status or error type), most frequent first. */
  errors: Array<{ reason: string; count: number }>;
}

/** Attempts per provider and error class, for attempt records written inside the window. */
export class ProviderTally {
  private readonly byProvider = new Map<string, ProviderActivity>();
  /** Failed attempts (not breaker skips) by provider and class. */
  readonly failures: CauseTally = new Map();

  constructor(private readonly chain: readonly string[]) {
    for (const provider of chain) this.entry(provider);
  }

  add(record: LogRecord, sinceMs: number, untilMs: number): void {
    if (record.event !== 'attempt.end') return;
    const tsMs = Date.parse(record.ts);
    if (Number.isNaN(tsMs) || tsMs < sinceMs || tsMs > untilMs) return;
    const provider = String(record.provider ?? 'unknown provider');
    const entry = this.entry(provider);
    if (record.outcome === 'ok') {
      entry.ok++;
      entry.requests++;
    } else if (record.outcome === 'skipped-open') {
      entry.skippedOpen++;
    } else if (record.errorType === 'aborted') {
      entry.cutShort++;
      entry.requests++;
    } else {
      entry.failed++;
      entry.requests++;
      const key = attemptCauseKey(record) ?? causeKey(provider, 'error');
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
  }

  list(): ProviderActivity[] {
    return [...this.byProvider.values()].map((entry) => ({
      ...entry,
      errors: causeCounts(this.failures)
        .filter((c) => c.source === entry.provider)
        .map(({ reason, count }) => ({ reason, count })),
    }));
  }

  private entry(provider: string): ProviderActivity {
    let entry = this.byProvider.get(provider);
    if (!entry) {
      entry = { provider, requests: 0, ok: 0, failed: 0, cutShort: 0, skippedOpen: 0, errors: [] };
      this.byProvider.set(provider, entry);
    }
    return entry;
  }
}
