import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './parse.js';
import { renderMetrics } from './render.js';

describe('the exposition parser (so the textfile checks can fail)', () => {
  it('reads what prom-client itself writes', async () => {
    const registry = new client.Registry();
    const c = new client.Counter({
      name: 'x_total',
      help: 'a "counter"\\ with\nnewline',
      labelNames: ['job'],
      registers: [registry],
    });
    c.inc({ job: 'we"ird\\na\nme' }, 3);
    const g = new client.Gauge({ name: 'y', help: 'g', registers: [registry] });
    g.set(1.5e9);
    const fams = parseExposition(await registry.metrics());
    expect(fams.get('x_total')).toMatchObject({
      type: 'counter',
      help: 'a "counter"\\ with\nnewline',
      samples: [{ labels: { job: 'we"ird\\na\nme' }, value: 3 }],
    });
    expect(fams.get('y')?.samples[0].value).toBe(1.5e9);
  });

  it.each([
    ['no final newline', 'a 1'],
    ['bad metric name', '1a 1\n'],
    ['bad escape', 'a{l="\\x"} 1\n'],
    ['unterminated label', 'a{l="x} 1\n'],
    ['bad value', 'a one\n'],
    ['duplicate series', 'a{l="x"} 1\na{l="x"} 2\n'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['split family', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{l="y"} 2\n'],
    ['negative counter', '# TYPE a_total counter\na_total -1\n'],
    ['bad type', '# TYPE a meter\n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});

describe('renderMetrics', () => {
  it('writes valid exposition text with escaped labels, zeroed known outcomes and every family typed', () => {
    const text = renderMetrics({
      jobs: {
        'we"ird\\job\n': {
          runs: { ok: 2, failed: 1 },
          lastSuccessMs: 1776607205123,
          lastRunMs: 1776610805000,
          consecutiveFailures: 1,
        },
      },
      providers: { p1: { attempts: { failed: 3 } } },
      breakers: [{ provider: 'p1', state: 'half-open', consecutiveFailures: 3 }],
    });
    const fams = parseExposition(text);
    expect([...fams.keys()]).toEqual([
      'lucy_ops_runs_total',
      'lucy_ops_attempts_total',
      'lucy_ops_breaker_state',
      'lucy_ops_breaker_consecutive_failures',
      'lucy_ops_job_consecutive_failures',
      'lucy_ops_last_success_timestamp_seconds',
      'lucy_ops_last_run_timestamp_seconds',
    ]);
    for (const f of fams.values()) expect(f.help).toBeTruthy();
    expect(fams.get('lucy_ops_runs_total')!.samples).toEqual([
      { name: 'lucy_ops_runs_total', labels: { job: 'we"ird\\job\n', outcome: 'ok' }, value: 2 },
      { name: 'lucy_ops_runs_total', labels: { job: 'we"ird\\job\n', outcome: 'failed' }, value: 1 },
    ]);
    expect(fams.get('lucy_ops_attempts_total')!.samples.map((s) => [s.labels.outcome, s.value])).toEqual([
      ['ok', 0],
      ['failed', 3],
      ['skipped-open', 0],
    ]);
    expect(fams.get('lucy_ops_breaker_state')!.samples[0].value).toBe(2);
    expect(fams.get('lucy_ops_last_success_timestamp_seconds')!.samples[0].value).toBe(1776607205.123);
  });
});
