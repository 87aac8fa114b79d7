/** Human tables on a terminal never overflow it: the incidents table at 80 columns. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, simConfig, tempProject } from './helpers/cli.js';
import { failedRun, writeLog } from './helpers/log-lines.js';
import { runInPty } from './helpers/pty.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

it('postmortem gaps and probe fit an 80-column terminal (and a 60-column one); piped, the same rows stay whole', async () => {
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const cfg = simConfig({ primary: sim.url }, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const dir = tempProject(cfg);
  // four failed cron runs, as the job log has them after an outage of every provider
  fs.mkdirSync(path.join(dir, 'logs'));
  const runs = [
    ['threads', '2026-04-19T14:15:00Z'],
    ['threads', '2026-04-19T14:30:00Z'],
    ['stories', '2026-04-19T14:30:00Z'],
    ['blog', '2026-04-19T15:00:00Z'],
  ].flatMap(([job, slot], i) =>
    failedRun({
      job,
      slot,
      runId: `run-${i}`,
      provider: 'qwen-72b',
      error:
        'all providers failed: deepseek-v3 server (HTTP 503), llama-3.3-70b server (HTTP 503), qwen-72b server (HTTP 503)',
    }),
  );
  writeLog(path.join(dir, 'logs/jobs.jsonl'), runs);
  const args = ['postmortem', 'gaps', '--since', '2026-04-19T14:00Z', '--until', '2026-04-19T16:00Z'];
  const env = { LUCY_OPS_NOW: '2026-04-19T18:00:00Z' };
  // every view reads the same files and changes nothing: all of them side by side
  const [piped, ...terminals] = await Promise.all([
    runCli(args, { cwd: dir, env }),
    ...[80, 60].flatMap((columns) => [
      runInPty(args, { cwd: dir, env, columns }).then((r) => ({ ...r, columns, command: 'gaps' })),
      runInPty(['probe', 'providers'], { cwd: dir, columns }).then((r) => ({ ...r, columns, command: 'probe' })),
    ]),
  ]);
  expect(piped.stdout).toContain('Incidents');
  expect(Math.max(...piped.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(80); // it would overflow
  for (const tty of terminals) {
    const tableLines = tty.output.split('\n').filter((l) => /[│┌└├]/.test(l));
    expect(tableLines.length, tty.output).toBeGreaterThan(0);
    if (tty.command === 'gaps') {
      expect(tty.exitCode, tty.output).toBe(0);
      expect(tty.output).toContain('Incidents');
    }
    for (const line of tableLines) expect([...line].length, line).toBeLessThanOrEqual(tty.columns);
  }
});
