/** Runs the built CLI as a crontab line would: a new process, real files, real HTTP. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/lucy-ops.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  json: any;
  ms: number;
}

export async function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string },
): Promise<CliResult> {
  const started = performance.now();
  const r: Result = await execa('node', [BIN, ...args], {
    cwd: opts.cwd,
    // a pipe has no width unless a test gives one: COLUMNS from the shell running the tests is dropped
    env: { NO_COLOR: '1', COLUMNS: undefined, ...opts.env },
    reject: false,
    // a bound against a wedged process, not a budget: under load a CLI run can take a minute
    timeout: opts.timeoutMs ?? 180_000,
    input: opts.input,
  });
  const stdout = String(r.stdout ?? '');
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
  }
  return { exitCode: r.exitCode ?? -1, stdout, stderr: String(r.stderr ?? ''), json, ms: performance.now() - started };
}

/** A fresh project folder with a lucy-ops.config.json. */
export function tempProject(config: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-test-'));
  fs.writeFileSync(path.join(dir, 'lucy-ops.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/**
 * Dates the project's config file back to `iso` (default: long before any test's clock). With no
 * records in the log, judging begins when the config was written, so a test that wants an empty
 * log's whole window judged says the config is older than it.
 */
export function configWrittenAt(dir: string, iso = '2020-01-01T00:00:00Z'): void {
  const when = new Date(iso);
  fs.utimesSync(path.join(dir, 'lucy-ops.config.json'), when, when);
}

export function readLog(dir: string, file = 'logs/jobs.jsonl'): any[] {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) return [];
  return fs
    .readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** The drill's chain (deepseek-v3 → llama-3.3-70b → qwen-72b) with blog, threads and stories jobs, pointed at simulator URLs, with fast test timings. */
export function simConfig(
  urls: { primary: string; fallback?: string; third?: string },
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    stateDir: '.lucy-ops',
    log: 'logs/jobs.jsonl',
    providers: [
      { name: 'deepseek-v3', baseUrl: urls.primary, model: 'deepseek-v3', timeoutMs: 1500, idleTimeoutMs: 500 },
      {
        name: 'llama-3.3-70b',
        baseUrl: urls.fallback ?? urls.primary,
        model: 'llama-3.3-70b',
        timeoutMs: 1500,
        idleTimeoutMs: 500,
      },
      {
        name: 'qwen-72b',
        baseUrl: urls.third ?? urls.fallback ?? urls.primary,
        model: 'qwen-72b',
        timeoutMs: 1500,
        idleTimeoutMs: 500,
      },
    ],
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
    breaker: { failureThreshold: 3, cooldownMs: 300000 },
    deadlineMs: 8000,
    jobs: {
      blog: {
        schedule: '0 * * * *',
        tz: 'UTC',
        kind: 'blog',
        outDir: 'content/blog',
        prompt: 'Write a blog post for {{date}}.',
      },
      threads: {
        schedule: '*/15 * * * *',
        tz: 'UTC',
        kind: 'thread',
        outDir: 'content/threads',
        prompt: 'A thread for {{date}} {{time}}.',
      },
      stories: {
        schedule: '*/30 * * * *',
        tz: 'UTC',
        kind: 'story',
        outDir: 'content/stories',
        prompt: 'A story at {{time}}.',
      },
    },
    ...over,
  };
}

/**
 * `config` (a simConfig) with no budget that a loaded machine could run out of: attempts that
 * cannot time out and a run deadline far off, for tests that assert counts, states and texts and
 * not how long anything took. simConfig's fast timings stay for the tests of timeouts. The far
 * deadline also puts off when a slot with no run is judged missing (its deadline plus a minute).
 */
export function patient(config: Record<string, unknown>): Record<string, unknown> {
  const providers = (config.providers as Array<Record<string, unknown>>).map((p) => ({
    ...p,
    timeoutMs: 300_000,
    idleTimeoutMs: 300_000,
  }));
  return { ...config, providers, deadlineMs: 600_000 };
}
