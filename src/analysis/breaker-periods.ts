/**
 * The breakers' side of an incident, read back from the log: when each provider's breaker was open
 * (from the trip to the close, half-open trials included), and the alerts that went out.
 */
import type { LogRecord } from '../log/types.js';

interface BreakerTrial {
  /** When the half-open trial began (ISO). */
  at: string;
  /** What came of it: the breaker opened again, closed, or the log does not say (yet). */
  result: 're-opened' | 'closed' | 'unknown';
}

export interface BreakerPeriod {
  provider: string;
  /** When it opened (ISO); the window's start when it was already open then. */
  from: string;
  /** When it closed (ISO); null while still open at the window's end. */
  until: string | null;
  /** Opened by hand (`breaker trip`). */
  manual: boolean;
  trials: BreakerTrial[];
}

export interface AlertMark {
  at: string;
  kind: string;
  severity?: string;
  summary?: string;
  job: string;
  providers: string[];
}

/**
 * Breaker records → open periods that overlap [since, until], per provider. Records are sorted by
 * time first: several hosts' logs read one after another interleave.
 */
export class BreakerPeriods {
  private readonly changes: LogRecord[] = [];
  private readonly alertList: AlertMark[] = [];

  constructor(
    private readonly sinceMs: number,
    private readonly untilMs: number,
  ) {}

  add(record: LogRecord): void {
    const event = record.event;
    if (event !== 'alert.sent' && !event.startsWith('breaker.')) return;
    const tsMs = Date.parse(record.ts);
    if (Number.isNaN(tsMs) || tsMs > this.untilMs) return;
    if (event === 'alert.sent') {
      if (tsMs >= this.sinceMs) this.alertList.push(alertMark(record));
    } else if (typeof record.provider === 'string') this.changes.push(record);
  }

  /** Every period that overlaps the window, clipped to its start, by time then provider. */
  periods(): BreakerPeriod[] {
    const open = new Map<string, BreakerPeriod>();
    const done: BreakerPeriod[] = [];
    const openedBeforeLog = (provider: string, ts: string) => {
      // a half-open or close with no open before it: the breaker opened before the logs begin
      const period: BreakerPeriod = { provider, from: ts, until: null, manual: false, trials: [] };
      open.set(provider, period);
      return period;
    };
    const changes = [...this.changes].sort((a, b) => a.ts.localeCompare(b.ts));
    for (const record of changes) {
      const provider = String(record.provider);
      let period = open.get(provider);
      if (record.event === 'breaker.open') {
        const trial = period?.trials.at(-1);
        if (trial?.result === 'unknown') trial.result = 're-opened';
        if (!period)
          open.set(provider, { provider, from: record.ts, until: null, manual: record.by === 'manual', trials: [] });
      } else if (record.event === 'breaker.half-open') {
        period ??= openedBeforeLog(provider, new Date(Math.min(this.sinceMs, Date.parse(record.ts))).toISOString());
        period.trials.push({ at: record.ts, result: 'unknown' });
      } else if (record.event === 'breaker.close') {
        period ??= openedBeforeLog(provider, new Date(Math.min(this.sinceMs, Date.parse(record.ts))).toISOString());
        const trial = period.trials.at(-1);
        if (trial?.result === 'unknown') trial.result = 'closed';
        period.until = record.ts;
        open.delete(provider);
        done.push(period);
      }
    }
    const since = new Date(this.sinceMs).toISOString();
    return [...done, ...open.values()]
      .filter((p) => p.until === null || Date.parse(p.until) >= this.sinceMs)
      .map((p) => (Date.parse(p.from) < this.sinceMs ? { ...p, from: since } : p))
      .sort((a, b) => a.from.localeCompare(b.from) || a.provider.localeCompare(b.provider));
  }

  alerts(): AlertMark[] {
    return [...this.alertList].sort((a, b) => a.at.localeCompare(b.at));
  }
}

function alertMark(record: LogRecord): AlertMark {
  return {
    at: record.ts,
    kind: typeof record.kind === 'string' ? record.kind : 'alert',
    ...(typeof record.severity === 'string' ? { severity: record.severity } : {}),
    ...(typeof record.summary === 'string' ? { summary: record.summary } : {}),
    job: record.job,
    providers: Array.isArray(record.providers) ? record.providers.map(String) : [],
  };
}
