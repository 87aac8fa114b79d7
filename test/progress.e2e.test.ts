/**
 * What a person at a terminal sees while a run works: one line per attempt on stderr (a hanging
 * provider is not minutes of silence), and nothing extra when stderr is a pipe (crontab, CI).
 */
import { expect, it } from 'vitest';
import { patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { runInPty, screenLines } from './helpers/pty.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const NOW = { LUCY_OPS_NOW: '2026-04-19T14:00:05Z' };

function hangingPrimary() {
  sim.setScript({
    'deepseek-v3': { kind: 'hang' },
    'llama-3.3-70b': { kind: 'status', status: 503 },
    '*': { kind: 'ok' },
  });
  // only the primary's timeout is in play (its lines are the ones about time): the others cannot
  // time out and the deadline is far, so llama's lines say 503 and qwen serves on any machine
  const cfg = patient(
    simConfig({ primary: sim.url }, { retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 400 } }),
  ) as any;
  Object.assign(cfg.providers[0], { timeoutMs: 300, idleTimeoutMs: 300 });
  return tempProject(cfg);
}

it('on a terminal: each failed attempt says what happened and what comes next; the result line follows', async () => {
  const dir = hangingPrimary();
  const r = await runInPty(['generate', 'blog', '--force'], { cwd: dir, env: NOW });
  expect(r.exitCode, r.output).toBe(0);
  const lines = screenLines(r.output).filter((l) => l.trim() !== '');
  const retrying = String.raw`, retrying in \d\.\d s`;
  // at least its 300 ms timeout; how much later a loaded machine's timer fires is no part of this
  const timedOut = String.raw`timed out after (0\.[3-9]|[1-9]\d*\.\d) s`;
  expect(lines).toEqual([
    expect.stringMatching(new RegExp(String.raw`^deepseek-v3 attempt 1/2 ${timedOut}${retrying}$`)),
    expect.stringMatching(new RegExp(String.raw`^deepseek-v3 attempt 2/2 ${timedOut}$`)),
    expect.stringMatching(new RegExp(String.raw`^llama-3\.3-70b attempt 1/2 HTTP 503 after \d+\.\d s${retrying}$`)),
    expect.stringMatching(/^llama-3\.3-70b attempt 2\/2 HTTP 503 after \d+\.\d s$/),
    expect.stringMatching(/^✔ blog 14:00Z served by FALLBACK qwen-72b/),
  ]);
  // the line in flight was shown while the primary hung (then replaced)
  expect(r.output).toContain('deepseek-v3 attempt 1/2 …');
});

it('piped (cron, CI): no progress at all, on stdout or stderr', async () => {
  const dir = hangingPrimary();
  const r = await runCli(['generate', 'blog', '--force'], { cwd: dir, env: NOW });
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).not.toContain('attempt');
});
