/**
 * A slot whose output exists but whose ok run.end never reached the log (the log was unwritable,
 * or a kill came between the output's rename and run.end): one backfill finds the output and
 * records the slot as served (an ok run.end is what served means); from then on gaps
 * and backfill agree it is done (backfill converges). A cron re-run only skips it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { configWrittenAt, patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const SLOT = '2026-04-19T14:00:00Z';
const AFTER = '2026-04-19T14:40:00Z';

it('output without an ok record: backfill records it as served once (run.end ok), then gaps and backfill agree it is done', async () => {
  // attempts that cannot time out: the first run must write its output, however loaded the machine
  const cfg = patient(simConfig({ primary: sim.url })) as any;
  cfg.jobs = { blog: cfg.jobs.blog };
  const dir = tempProject(cfg);
  configWrittenAt(dir); // installed long before the slot: with no records at all, the slot is owed
  sim.setScript({ '*': { kind: 'ok' } });

  // the log cannot be written: a file where its folder should be
  fs.writeFileSync(path.join(dir, 'logs'), 'not a folder');
  const gen = await runCli(['generate', 'blog', '--slot', SLOT, '--json'], { cwd: dir, env: { LUCY_OPS_NOW: SLOT } });
  expect(gen.exitCode, gen.stderr).toBe(0);
  expect(fs.existsSync(gen.json.output)).toBe(true);
  fs.rmSync(path.join(dir, 'logs'));
  sim.resetCounts();

  const env = { LUCY_OPS_NOW: AFTER };
  const gaps = () => runCli(['postmortem', 'gaps', '--since', SLOT, '--job', 'blog', '--json'], { cwd: dir, env });
  expect((await gaps()).json.gaps).toEqual([
    expect.objectContaining({ start: '2026-04-19T14:00:00.000Z', missing: 1 }),
  ]);

  // a cron re-run of the slot only skips it (a skipped run proves nothing to gaps)
  const rerun = await runCli(['generate', 'blog', '--slot', SLOT, '--json'], { cwd: dir, env });
  expect(rerun.json).toMatchObject({ status: 'skipped' });
  expect((await gaps()).json.gaps).toEqual([expect.objectContaining({ start: '2026-04-19T14:00:00.000Z' })]);

  const first = await runCli(['backfill', '--since', SLOT, '--job', 'blog', '--json'], { cwd: dir, env });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.json.slots).toEqual([
    expect.objectContaining({
      slot: '2026-04-19T14:00:00.000Z',
      status: 'filled',
      reason: 'output already in place: recorded as served',
    }),
  ]);
  expect(
    readLog(dir)
      .filter((r) => r.event === 'run.end')
      .at(-1),
  ).toMatchObject({ outcome: 'ok', trigger: 'backfill', reason: 'output already in place', output: gen.json.output });
  expect(sim.counts()).toEqual({}); // nothing was generated again

  expect((await gaps()).json.gaps).toEqual([]);
  const second = await runCli(['backfill', '--since', SLOT, '--job', 'blog', '--json'], { cwd: dir, env });
  expect(second.json).toMatchObject({ slots: [], filled: 0, failed: 0, skipped: 0 });
});
