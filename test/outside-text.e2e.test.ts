/**
 * Text from outside (a log line, a provider's error body) on its way to a person, end to end:
 * the status screen shows it on its own line only, and a provider that echoes the API key back in
 * disguise (split by tags, a <script> block, control or zero-width characters, JSON escapes, or
 * only its start or end) gets none of it into output, the log or the state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';
import { walk } from './helpers/robustness.js';
import { failedRun, writeLog } from './helpers/log-lines.js';

const sim = useSimulator();
const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/;

describe('a crafted log line on the status screen', () => {
  it('cannot forge a line, reorder or hide text: its breaks, bidi and zero-width characters print as ?', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9' }));
    const forged = 'threads  15:15Z  ok by qwen-72b  0  15:45Z';
    const evil = `503 upstream\n${forged}\u202e FORGED\u200b\u2028end`;
    fs.mkdirSync(path.join(dir, 'logs'));
    writeLog(
      path.join(dir, 'logs/jobs.jsonl'),
      failedRun({
        job: 'blog',
        runId: 'evil-1',
        slot: '2026-04-19T15:00:00.000Z',
        provider: 'deepseek-v3',
        error: evil,
      }),
    );
    const r = await runCli(['status', '--since', '1h', '--job', 'blog'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: '2026-04-19T15:30:00Z', COLUMNS: '200' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`failed: 503 upstream?${forged}? FORGED?end`); // the text is there, on one line
    expect(r.stdout.split('\n').some((line) => line.startsWith('threads'))).toBe(false);
    expect(r.stdout).not.toMatch(INVISIBLE);
  });
});

describe('text from the shared state store on breaker status', () => {
  it('prints a last error with line breaks, escapes and bidi characters on its own line, as ?', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9' }));
    const env = { LUCY_OPS_NOW: '2026-04-19T15:30:00Z' };
    expect((await runCli(['breaker', 'trip', 'qwen-72b', '--for', '1h'], { cwd: dir, env })).exitCode).toBe(0);
    // another host (or anyone who can write the store) left this error text behind
    const file = path.join(dir, '.lucy-ops/state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    state.entries['breaker:qwen-72b'].lastError = 'HTTP 503\nllama-3.3-70b  closed  0\u001b[2J\u202etxt';
    fs.writeFileSync(file, JSON.stringify(state));
    const r = await runCli(['breaker', 'status'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('HTTP 503?llama-3.3-70b  closed  0?[2J?txt');
    expect(r.stdout.split('\n').filter((line) => line.includes('llama-3.3-70b  closed  0'))).toHaveLength(1);
    expect(r.stdout).not.toMatch(INVISIBLE);
  });
});

describe('a provider that echoes the API key back in disguise', () => {
  const KEY = 'gsk_Q7hT2mVx9LpR4wZk8NcY3bFd6GjS'; // not sk-: only the value can catch it
  const split = (sep: string) => `${KEY.slice(0, 11)}${sep}${KEY.slice(11, 22)}${sep}${KEY.slice(22)}`;
  const jsonEscaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  const BODIES = [
    `<html><body><h1>401</h1><p>Invalid key ${split('<script>document.title="x"</script>')}</p></body></html>`,
    `Invalid key ${split('\u200b\u2060')} (zero-width)`,
    `Invalid key ${split('\u001b[0m\u0000')} (controls)`,
    `upstream said {"error":"bad key ${jsonEscaped}"} and gave up`,
    `Incorrect API key provided: ${KEY.slice(0, 12)}************${KEY.slice(-4)}.`,
    `key ending in …${KEY.slice(-9)} was revoked`,
  ];
  /** Every 8 characters of the key: none may appear anywhere. */
  const pieces = Array.from({ length: KEY.length - 7 }, (_, i) => KEY.slice(i, i + 8));

  it.each(BODIES.map((body, i) => [i, body]))(
    'echo %i: no piece of the key in output, log or state',
    async (_i, body) => {
      sim.setScript({ '*': { kind: 'status', status: 401, body, contentType: 'text/html' } });
      // attempts that cannot time out on a loaded machine: each must end on the echoed 401
      const config = patient(simConfig({ primary: sim.url }));
      for (const p of config.providers as { apiKeyEnv?: string }[]) p.apiKeyEnv = 'LUCY_TEST_ECHOED_KEY';
      const dir = tempProject(config);
      const env = { LUCY_TEST_ECHOED_KEY: KEY, LUCY_OPS_NOW: '2026-04-19T15:00:05Z' };
      const runs = [
        await runCli(['generate', 'blog', '--json'], { cwd: dir, env }),
        await runCli(['generate', 'threads'], { cwd: dir, env }),
        await runCli(['probe', 'providers'], { cwd: dir, env }),
        await runCli(['status', '--since', '1h'], { cwd: dir, env }),
      ];
      expect(runs[0].exitCode).toBe(69);
      // the provider really answered with the echo, and the error still says what it said
      expect(sim.requests().length).toBeGreaterThan(0);
      expect(runs[0].json.attempts[0].error).toMatch(/\[redacted\]/);
      const files = walk(dir).filter((f) => path.basename(f) !== 'lucy-ops.config.json');
      const everything = [
        ...runs.flatMap((r) => [r.stdout, r.stderr]),
        ...files.map((f) => fs.readFileSync(f, 'utf8')),
      ];
      const text = everything.join('\n');
      for (const piece of pieces) expect(text, piece).not.toContain(piece);
      expect(text).not.toContain('\\u0067\\u0073\\u006b');
    },
  );
});
