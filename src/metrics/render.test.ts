import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../test/helpers/exposition.js';
import { renderMetrics } from './render.js';

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
