/**
 * In-process counters of `serve`, rendered as Prometheus text (exposition format 0.0.4). Written
 * by hand: a handful of series does not need prom-client, and every request updates them.
 */
import { BREAKER_STATE_VALUE, escapeLabelValue } from '../metrics/render.js';

/** Upper bounds (seconds) of the request duration histogram. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface BreakerGauge {
  provider: string;
  state: 'closed' | 'open' | 'half-open';
}

export class ServeMetrics {
  private readonly requests = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly histograms = new Map<string, { counts: number[]; sum: number; count: number }>();

  /**
   * Label texts already made, by their values joined with a separator no label holds: a request
   * looks its series up instead of escaping and joining its labels again.
   */
  private readonly labelTexts = new Map<string, string>();

  /** One finished request: outcome is ok | unavailable | deadline | interrupted | aborted | error | rejected. */
  request(outcome: string, provider: string | undefined, degraded: boolean | undefined, seconds: number): void {
    const p = provider ?? '';
    const d = degraded === undefined ? '' : degraded ? 'true' : 'false';
    bump(this.requests, this.labelText(`r\0${outcome}\0${p}\0${d}`, { outcome, provider: p, degraded: d }));
    const key = this.labelText(`h\0${outcome}`, { outcome });
    let h = this.histograms.get(key);
    if (!h) this.histograms.set(key, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** Connections closed as they arrived, past serve.maxConnections. */
  private dropped = 0;

  connectionDropped(): void {
    this.dropped++;
  }

  attempt(provider: string, outcome: string): void {
    bump(this.attempts, this.labelText(`a\0${provider}\0${outcome}`, { provider, outcome }));
  }

  private labelText(id: string, l: Record<string, string>): string {
    let text = this.labelTexts.get(id);
    if (text === undefined) this.labelTexts.set(id, (text = labels(l)));
    return text;
  }

  /** `inFlight`: requests being served right now (the server knows them). */
  render(breakers: BreakerGauge[], inFlight: number): string {
    const out: string[] = [];
    out.push(
      '# HELP lucy_ops_serve_requests_total Chat completion requests served by lucy-ops serve, by outcome and serving provider.',
    );
    out.push('# TYPE lucy_ops_serve_requests_total counter');
    for (const [l, n] of this.requests) out.push(`lucy_ops_serve_requests_total{${l}} ${n}`);
    out.push(
      '# HELP lucy_ops_serve_attempts_total Upstream attempts made for serve requests, by provider and outcome.',
    );
    out.push('# TYPE lucy_ops_serve_attempts_total counter');
    for (const [l, n] of this.attempts) out.push(`lucy_ops_serve_attempts_total{${l}} ${n}`);
    out.push('# HELP lucy_ops_serve_request_duration_seconds Time from request to the last byte of the answer.');
    out.push('# TYPE lucy_ops_serve_request_duration_seconds histogram');
    for (const [l, h] of this.histograms) {
      BUCKETS.forEach((le, i) =>
        out.push(`lucy_ops_serve_request_duration_seconds_bucket{${l},le="${le}"} ${h.counts[i]}`),
      );
      out.push(`lucy_ops_serve_request_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
      out.push(`lucy_ops_serve_request_duration_seconds_sum{${l}} ${round(h.sum)}`);
      out.push(`lucy_ops_serve_request_duration_seconds_count{${l}} ${h.count}`);
    }
    out.push('# HELP lucy_ops_serve_in_flight Requests being served right now.');
    out.push('# TYPE lucy_ops_serve_in_flight gauge');
    out.push(`lucy_ops_serve_in_flight ${inFlight}`);
    out.push(
      '# HELP lucy_ops_serve_connections_dropped_total Client connections closed as they arrived, past serve.maxConnections.',
    );
    out.push('# TYPE lucy_ops_serve_connections_dropped_total counter');
    out.push(`lucy_ops_serve_connections_dropped_total ${this.dropped}`);
    // the same series, name and values as the metrics textfile, so one query reads both
    out.push('# HELP lucy_ops_breaker_state Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.');
    out.push('# TYPE lucy_ops_breaker_state gauge');
    for (const b of breakers)
      out.push(`lucy_ops_breaker_state{${labels({ provider: b.provider })}} ${BREAKER_STATE_VALUE[b.state]}`);
    return out.join('\n') + '\n';
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function labels(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
