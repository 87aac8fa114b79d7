/**
 * A gap's cause naming a provider the config does not have (a line from an old config, or written
 * by hand), through the built CLI: the failure still counts (the log is the record), and gaps (its
 * JSON, human view and watchdog line) and the report mark the name `(not in config)`.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { writeRecords } from './helpers/log-lines.js';

const PROVIDERS = [{ name: 'deepseek-v3', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const NOW = '2026-12-07T09:40:00Z';
const slot = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(slot(hhmm)) + seconds * 1000).toISOString();

function failedRun(hhmm: string): Array<Record<string, unknown>> {
  const common = { level: 'info', job: 'threads', runId: `b${hhmm}`, scheduledFor: slot(hhmm), trigger: 'cron' };
  const attempt = (provider: string, seconds: number) => ({
    ...common,
    ts: at(hhmm, seconds),
    event: 'attempt.end',
    provider,
    model: 'm',
    outcome: 'failed',
    httpStatus: 503,
    ms: 100,
  });
  return [
    { ...common, ts: at(hhmm, 1), event: 'run.start', schedule: '*/15 * * * *', tz: 'UTC' },
    attempt('deepseek-v3', 2),
    attempt('ghost', 3),
    { ...common, ts: at(hhmm, 4), event: 'run.end', outcome: 'failed', durationMs: 3000 },
  ];
}

describe('a cause naming a provider not in the config', () => {
  it('counts, and is marked (not in config) in gaps, the watchdog line and the report', async () => {
    const dir = tempProject({
      log: 'logs/jobs.jsonl',
      providers: PROVIDERS,
      jobs: { threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'out', prompt: 'x' } },
    });
    const ok = (hhmm: string) => {
      const common = { level: 'info', job: 'threads', runId: `o${hhmm}`, scheduledFor: slot(hhmm), trigger: 'cron' };
      return [
        { ...common, ts: at(hhmm, 1), event: 'run.start', schedule: '*/15 * * * *', tz: 'UTC' },
        { ...common, ts: at(hhmm, 4), event: 'run.end', outcome: 'ok', provider: 'deepseek-v3', durationMs: 3000 },
      ];
    };
    writeRecords(path.join(dir, 'logs', 'jobs.jsonl'), [...ok('09:00'), ...failedRun('09:15'), ...ok('09:30')]);
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const window = ['--since', '2026-12-07T09:00:00Z'];

    const gaps = await cli(['postmortem', 'gaps', '--json', ...window]);
    expect(gaps.json.gaps).toHaveLength(1);
    expect(gaps.json.gaps[0]).toMatchObject({
      failed: 1,
      cause: 'deepseek-v3: 503 ×1; ghost (not in config): 503 ×1',
      causes: [
        { source: 'deepseek-v3', reason: '503', count: 1 },
        { source: 'ghost', reason: '503', count: 1, notInConfig: true },
      ],
    });
    expect(gaps.json.incidents[0].cause).toBe('deepseek-v3: 503 ×1; ghost (not in config): 503 ×1');
    const human = await cli(['postmortem', 'gaps', ...window]);
    expect(human.stdout).toContain('ghost (not in config): 503 ×1');
    const watchdog = await cli(['postmortem', 'gaps', '--fail-on-gap', ...window]);
    expect(watchdog.exitCode).toBe(1);
    expect(watchdog.stderr).toContain('ghost (not in config): 503 ×1');

    const md = await cli(['postmortem', 'report', '--md', '-', ...window]);
    expect(md.stdout).toContain('| ghost (not in config) |');
    expect(md.stdout).toContain('ghost (not in config): 503 ×1');
  });
  it('a fallback not in the config that served is marked in gaps (human and --json)', async () => {
    const dir = tempProject({
      log: 'logs/jobs.jsonl',
      providers: PROVIDERS,
      jobs: { threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'out', prompt: 'x' } },
    });
    const run = (hhmm: string, provider: string, degraded: boolean) => {
      const common = { level: 'info', job: 'threads', runId: `o${hhmm}`, scheduledFor: slot(hhmm), trigger: 'cron' };
      return [
        { ...common, ts: at(hhmm, 1), event: 'run.start', schedule: '*/15 * * * *', tz: 'UTC' },
        { ...common, ts: at(hhmm, 4), event: 'run.end', outcome: 'ok', provider, degraded, durationMs: 3000 },
      ];
    };
    writeRecords(path.join(dir, 'logs', 'jobs.jsonl'), [
      ...run('09:00', 'deepseek-v3', false),
      ...run('09:15', 'old-provider', true),
      ...run('09:30', 'deepseek-v3', false),
    ]);
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const window = ['--since', '2026-12-07T09:00:00Z'];
    const gaps = await cli(['postmortem', 'gaps', '--json', ...window]);
    expect(gaps.json.degraded).toMatchObject([{ providers: ['old-provider'], notInConfig: ['old-provider'] }]);
    const human = await cli(['postmortem', 'gaps', ...window]);
    expect(human.stdout).toMatch(/threads +09:15Z +09:30Z +1 +old-provider \(not in config\)/);
  });
});
