/**
 * A small project for the postmortem views: an hourly `blog` and a quarter-hourly `threads` job on
 * the chain p1 → p2, and their runs on 2026-12-07 written as JobLog writes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempProject } from './cli.js';

export const PROVIDERS = [
  { name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
  { name: 'p2', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
];
export const JOBS = {
  blog: { schedule: '0 * * * *', command: ['node', '-e', '0'] },
  threads: { schedule: '*/15 * * * *', command: ['node', '-e', '0'] },
};
export type JobName = keyof typeof JOBS;

/** "HH:MM" (and seconds) on 2026-12-07, as ISO. */
export const T = (hhmm: string, s = '00') => `2026-12-07T${hhmm}:${s}.000Z`;

/**
 * How a run went: served by p1; `failed` after p1's 503 (nothing else tried); `fallback`: served by
 * `by` (p2 unless given) after p1's 503.
 */
export type RunOutcome = 'ok' | 'failed' | { fallback: string };

/** The lines of the cron run of `job` for slot `hhmm`. */
export function run(job: JobName, hhmm: string, outcome: RunOutcome = 'ok'): string[] {
  const base = { job, runId: `${job}-${hhmm}`, scheduledFor: T(hhmm), trigger: 'cron' };
  const line = (s: string, level: string, event: string, f: Record<string, unknown>) =>
    JSON.stringify({ ts: T(hhmm, s), level, event, ...base, ...f });
  const p1Failed = line('03', 'warn', 'attempt.end', {
    provider: 'p1',
    model: 'm',
    outcome: 'failed',
    httpStatus: 503,
    ms: 400,
  });
  const start = line('02', 'info', 'run.start', { schedule: JOBS[job].schedule, tz: 'UTC' });
  if (outcome === 'failed')
    return [
      start,
      p1Failed,
      line('05', 'error', 'run.end', { outcome: 'failed', durationMs: 900, error: 'all providers failed' }),
    ];
  const provider = outcome === 'ok' ? 'p1' : outcome.fallback;
  return [
    start,
    ...(outcome === 'ok' ? [] : [p1Failed]),
    line('04', 'info', 'attempt.end', { provider, model: 'm', outcome: 'ok', ms: 300 }),
    line('05', 'info', 'run.end', { outcome: 'ok', provider, model: 'm', degraded: outcome !== 'ok', durationMs: 900 }),
  ];
}

/** Quarter hours "HH:MM" from hour `from` up to (not including) hour `to`, less `skip`. */
export const quarters = (from: number, to: number, skip: string[] = []) =>
  Array.from({ length: (to - from) * 4 }, (_, i) => {
    const m = from * 60 + i * 15;
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  }).filter((t) => !skip.includes(t));

/**
 * A project whose log holds `lines` (its config has `more` jobs besides blog and threads), and the
 * built CLI run in it with the clock at `now`.
 */
export function twoJobProject(lines: string[], now: string, more: Record<string, unknown> = {}) {
  const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs: { ...JOBS, ...more } });
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');
  return { dir, cli: (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } }) };
}
