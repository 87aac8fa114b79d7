/** Human tables on a terminal never overflow it: the incidents table at 80 columns. */
import { expect, it } from 'vitest';
import { runCli, simConfig, tempProject } from './helpers/cli.js';
import { runInPty } from './helpers/pty.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

it('postmortem gaps and probe fit an 80-column terminal (and a 60-column one); piped, the same rows stay whole', async () => {
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const cfg = simConfig({ primary: sim.url }, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const dir = tempProject(cfg);
  for (const [job, slot] of [
    ['threads', '2026-04-19T14:15:00Z'],
    ['threads', '2026-04-19T14:30:00Z'],
    ['stories', '2026-04-19T14:30:00Z'],
    ['blog', '2026-04-19T15:00:00Z'],
  ])
    await runCli(['generate', job, '--slot', slot], { cwd: dir, env: { LUCY_OPS_NOW: slot } });
  const args = ['postmortem', 'gaps', '--since', '2026-04-19T14:00Z', '--until', '2026-04-19T16:00Z'];
  const env = { LUCY_OPS_NOW: '2026-04-19T18:00:00Z' };
  const piped = await runCli(args, { cwd: dir, env });
  expect(piped.stdout).toContain('Incidents');
  expect(Math.max(...piped.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(80); // it would overflow
  for (const columns of [80, 60]) {
    const tty = await runInPty(args, { cwd: dir, env, columns });
    expect(tty.exitCode, tty.output).toBe(0);
    expect(tty.output).toContain('Incidents');
    const tableLines = tty.output.split('\n').filter((l) => /[│┌└├]/.test(l));
    expect(tableLines.length).toBeGreaterThan(0);
    for (const line of tableLines) expect([...line].length, line).toBeLessThanOrEqual(columns);
    const probe = await runInPty(['probe', 'providers'], { cwd: dir, columns });
    for (const line of probe.output.split('\n').filter((l) => /[│┌└├]/.test(l)))
      expect([...line].length, line).toBeLessThanOrEqual(columns);
  }
});
