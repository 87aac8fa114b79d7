/**
 * Shared by the robustness e2e files (test/robustness-*.e2e.test.ts): a simulator whose requests
 * can be waited on, CLI processes started in the background (and killed if a test leaves them
 * running), and checks on what a run left behind. No sleeps: waits are on events, or polls of files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import type { Simulator } from '../../src/sim/server.js';
import { BIN, readLog, runCli } from './cli.js';
import { useSimulator } from './sim.js';

export const SLOT = '2026-04-19T14:00:00.000Z';
export const NOW = '2026-04-19T14:00:05Z';
/** Late enough that the slot is judged (its deadline plus grace have passed). */
export const LATER = '2026-04-19T17:00:00Z';

export interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stdout: () => string;
  stderr: () => string;
}

export interface Robustness {
  sim: Simulator;
  /** Resolves once the simulator has received `more` new requests for `model` (counted from now). */
  nextRequests(model: string, more?: number): Promise<void>;
  /** Starts the built CLI in the background (LUCY_OPS_NOW defaults to NOW). */
  startCli(args: string[], cwd: string, env?: Record<string, string>): Started;
}

/**
 * Registers the calling file's hooks (the simulator before and after its tests; after each test,
 * a kill of any process it started that is still running) and returns what its tests use.
 */
export function useRobustness(): Robustness {
  /** Resolvers waiting for the simulator to have seen `n` requests for a model. */
  const waiters: Array<{ model: string; n: number; resolve: () => void }> = [];
  const seen: Record<string, number> = {};
  const sim = useSimulator({
    onRequest: (r) => {
      seen[r.model] = (seen[r.model] ?? 0) + 1;
      for (const w of [...waiters]) {
        if (w.model === r.model && seen[r.model] >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
  });
  /** Processes a test started; any still running when it ends (a failed assertion) are killed. */
  const children = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
  });

  function nextRequests(model: string, more = 1): Promise<void> {
    const n = (seen[model] ?? 0) + more;
    return new Promise((resolve) => waiters.push({ model, n, resolve }));
  }

  function startCli(args: string[], cwd: string, env: Record<string, string> = {}): Started {
    const child = spawn('node', [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', LUCY_OPS_NOW: NOW, ...env },
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    return { child, exited, stdout: () => out, stderr: () => err };
  }

  return { sim, nextRequests, startCli };
}

/** Polls a condition on files (the only observable some steps have). */
export { until } from './wait.js';

export const logHas = (dir: string, pred: (l: any) => boolean) => () => readLog(dir).some(pred);

/** Whatever a kill left, the project is whole: valid state, no visible partial output. */
export function expectWhole(dir: string): void {
  const state = path.join(dir, '.lucy-ops/state.json');
  if (fs.existsSync(state)) expect(() => JSON.parse(fs.readFileSync(state, 'utf8'))).not.toThrow();
  const out = path.join(dir, 'content/blog');
  for (const name of fs.existsSync(out) ? fs.readdirSync(out) : []) {
    if (name.startsWith('.')) continue; // a hidden temp file: never read as output
    const text = fs.readFileSync(path.join(out, name), 'utf8');
    expect(name).toMatch(/\.md$/);
    expect(text).toMatch(/^---\n[\s\S]*\n---\n\n[\s\S]+\n$/);
  }
}

export async function gapsAt(dir: string, now: string) {
  const r = await runCli(
    ['postmortem', 'gaps', '--since', '2026-04-19T13:30Z', '--until', '2026-04-19T14:30Z', '--job', 'blog', '--json'],
    { cwd: dir, env: { LUCY_OPS_NOW: now } },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  return r.json;
}

/** A provider that quotes back the key it was sent (bare, no "Bearer"), in bodies and headers. */
export function leakyProvider(): Promise<{ url: string; server: Server; mode: { ok: boolean } }> {
  const mode = { ok: false };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const model = (JSON.parse(body || '{}') as { model?: string }).model;
      const json = (status: number, value: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-echo-key': key,
          'www-authenticate': `Bearer realm="${key}"`,
        });
        res.end(JSON.stringify(value));
      };
      if (mode.ok) {
        return json(200, {
          id: 'x',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: '# A safe title\n\nNo secrets here.' },
              finish_reason: 'stop',
            },
          ],
        });
      }
      if (model === 'p1')
        return json(401, { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } });
      if (model === 'p2') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end(`upstream rejected key=${key} for ${model}; key ${key}`);
      }
      return json(200, { error: { message: `key ${key} is over its quota`, code: 429 } });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, mode }),
    ),
  );
}

export function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
