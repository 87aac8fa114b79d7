/**
 * Human output when stdout is not a terminal (a cron mail, a pipe, a file): the same tables as
 * plain columns, without box-drawing characters, so `grep` and `awk` work on every line.
 */
import { expect, it } from 'vitest';
import { configWrittenAt, patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const BOX = /[│┌┐└┘├┤┬┴┼─]/;

it('breaker status, probe providers and postmortem gaps print plain columns into a pipe', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  // attempts that cannot time out: the probe's rows are read as answers, not timeouts
  const dir = tempProject(patient(simConfig({ primary: sim.url })));

  const status = await runCli(['breaker', 'status'], { cwd: dir });
  expect(status.exitCode, status.stderr).toBe(0);
  expect(status.stdout).not.toMatch(BOX);
  expect(status.stdout).toMatch(/^provider\s+state\s+failures/m);
  expect(status.stdout).toMatch(/^qwen-72b\s+closed\s+0/m);

  const probe = await runCli(['probe', 'providers'], { cwd: dir });
  expect(probe.exitCode, probe.stderr).toBe(0);
  expect(probe.stdout).not.toMatch(BOX);
  expect(probe.stdout).toMatch(/^deepseek-v3\s+deepseek-v3\s+yes\s+\d+ ms\s+200/m);

  configWrittenAt(dir); // no job has run, under a config older than the window: its slots are owed
  const gaps = await runCli(['postmortem', 'gaps', '--since', '2h'], {
    cwd: dir,
    env: { LUCY_OPS_NOW: '2026-04-19T16:00:00Z' },
  });
  expect(gaps.stdout).not.toMatch(BOX);
  expect(gaps.stdout).toMatch(/^unserved\s+\d+: /m);
});
