/**
 * The metrics textfile end to end: runs in separate processes (counters must survive them), the
 * file validated by a strict exposition-format parser (test/helpers/exposition.ts, itself
 * checked against prom-client's output), never by eye.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseExposition, type ParsedFamily } from './helpers/exposition.js';
import { patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

const value = (fam: ParsedFamily | undefined, labels: Record<string, string>) =>
  fam?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

it('writes runs, attempts, breaker state and last success per job; counters persist across processes', async () => {
  // attempts that cannot time out: the counters below count 503s and answers, never a slow answer's timeout
  const dir = tempProject(
    patient(simConfig({ primary: sim.url }, { metrics: { textfile: 'node-exporter/lucy-ops.prom' } })),
  );
  const file = path.join(dir, 'node-exporter/lucy-ops.prom');
  const run = (job: string, now: string) =>
    runCli(['generate', job, '--json'], { cwd: dir, env: { LUCY_OPS_NOW: now } });

  // 10:00 healthy; 11:00 the primary is down (3 failed attempts open its breaker, the fallback serves)
  sim.setScript({ '*': { kind: 'ok' } });
  expect((await run('blog', '2026-04-19T10:00:05Z')).exitCode).toBe(0);
  expect(
    parseExposition(fs.readFileSync(file, 'utf8'))
      .get('lucy_ops_runs_total')!
      .samples.find((s) => s.labels.job === 'blog' && s.labels.outcome === 'ok')?.value,
  ).toBe(1);

  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const degraded = await run('blog', '2026-04-19T11:00:05Z');
  expect(degraded.json).toMatchObject({ status: 'ok', provider: 'llama-3.3-70b' });
  // 11:02 everything down: the open primary is skipped, the others fail → a failed run
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  expect((await run('threads', '2026-04-19T11:02:05Z')).exitCode).toBe(69);

  const text = fs.readFileSync(file, 'utf8');
  const fams = parseExposition(text);
  expect(fams.get('lucy_ops_runs_total')?.type).toBe('counter');
  expect(fams.get('lucy_ops_attempts_total')?.type).toBe('counter');
  for (const g of [
    'lucy_ops_breaker_state',
    'lucy_ops_last_success_timestamp_seconds',
    'lucy_ops_job_consecutive_failures',
  ])
    expect(fams.get(g)?.type).toBe('gauge');

  const runs = fams.get('lucy_ops_runs_total');
  expect(value(runs, { job: 'blog', outcome: 'ok' })).toBe(2);
  expect(value(runs, { job: 'blog', outcome: 'failed' })).toBe(0);
  expect(value(runs, { job: 'threads', outcome: 'failed' })).toBe(1);
  expect(value(runs, { job: 'stories', outcome: 'ok' })).toBe(0); // configured, never ran: present as 0

  const attempts = fams.get('lucy_ops_attempts_total');
  expect(value(attempts, { provider: 'deepseek-v3', outcome: 'ok' })).toBe(1);
  expect(value(attempts, { provider: 'deepseek-v3', outcome: 'failed' })).toBe(3);
  expect(value(attempts, { provider: 'deepseek-v3', outcome: 'skipped-open' })).toBe(1);
  expect(value(attempts, { provider: 'llama-3.3-70b', outcome: 'ok' })).toBe(1);
  expect(value(attempts, { provider: 'llama-3.3-70b', outcome: 'failed' })).toBe(3);
  expect(value(attempts, { provider: 'qwen-72b', outcome: 'failed' })).toBe(3);

  const state = fams.get('lucy_ops_breaker_state');
  expect(state?.samples.map((s) => [s.labels.provider, s.value])).toEqual([
    ['deepseek-v3', 1],
    ['llama-3.3-70b', 1],
    ['qwen-72b', 1],
  ]);

  const lastSuccess = value(fams.get('lucy_ops_last_success_timestamp_seconds'), { job: 'blog' })!;
  expect(lastSuccess * 1000).toBeGreaterThanOrEqual(Date.parse('2026-04-19T11:00:05Z'));
  expect(lastSuccess * 1000).toBeLessThan(Date.parse('2026-04-19T11:01:00Z'));
  expect(value(fams.get('lucy_ops_last_success_timestamp_seconds'), { job: 'threads' })).toBeUndefined();
  expect(value(fams.get('lucy_ops_job_consecutive_failures'), { job: 'threads' })).toBe(1);

  // swapped in by rename: no temp files left beside it
  expect(fs.readdirSync(path.dirname(file))).toEqual(['lucy-ops.prom']);
});

it('no textfile configured: nothing is written', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  expect(
    (await runCli(['generate', 'blog'], { cwd: dir, env: { LUCY_OPS_NOW: '2026-04-19T10:00:05Z' } })).exitCode,
  ).toBe(0);
  const files = fs.readdirSync(dir, { recursive: true }).map(String);
  expect(files.filter((f) => f.endsWith('.prom'))).toEqual([]);
});
