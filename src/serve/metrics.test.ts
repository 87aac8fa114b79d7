import { expect, it } from 'vitest';
import { ServeMetrics } from './metrics.js';

it('renders counters, cumulative histogram buckets and breaker gauges as Prometheus text', () => {
  const m = new ServeMetrics();
  m.request('ok', 'deepseek-v3', false, 0.2);
  m.request('ok', 'deepseek-v3', false, 3);
  m.request('unavailable', undefined, undefined, 0.01);
  m.attempt('deepseek-v3', 'ok');
  m.attempt('weird"name', 'failed');
  const text = m.render([{ provider: 'deepseek-v3', state: 'open' }], 2);
  expect(text).toContain('lucy_ops_serve_requests_total{outcome="ok",provider="deepseek-v3",degraded="false"} 2');
  expect(text).toContain('lucy_ops_serve_requests_total{outcome="unavailable",provider="",degraded=""} 1');
  expect(text).toContain('lucy_ops_serve_attempts_total{provider="weird\\"name",outcome="failed"} 1');
  expect(text).toContain('lucy_ops_serve_request_duration_seconds_bucket{outcome="ok",le="0.1"} 0');
  expect(text).toContain('lucy_ops_serve_request_duration_seconds_bucket{outcome="ok",le="0.25"} 1');
  expect(text).toContain('lucy_ops_serve_request_duration_seconds_bucket{outcome="ok",le="5"} 2');
  expect(text).toContain('lucy_ops_serve_request_duration_seconds_bucket{outcome="ok",le="+Inf"} 2');
  expect(text).toContain('lucy_ops_serve_request_duration_seconds_sum{outcome="ok"} 3.2');
  expect(text).toContain('lucy_ops_breaker_state{provider="deepseek-v3"} 1'); // open: as in the metrics textfile
  expect(text).toContain('lucy_ops_serve_in_flight 2\n');
  expect(text.endsWith('\n')).toBe(true);
});
