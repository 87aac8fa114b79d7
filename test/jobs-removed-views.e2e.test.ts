/**
 * The on-call's views of a job the watchdog saw taken out of the config, through the built CLI:
 * `status` (text and --json) and `postmortem gaps --timeline` say that its slots from then were not
 * judged, in the words and marks gaps and the report use, so a quiet screen cannot pass for a job
 * that served them (a removal that never happened hides a gap there).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const hourly = { schedule: '0 * * * *', command: ['node', '-e', '0'] };
const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const SINCE = '2026-04-19T09:00Z';

/**
 * sm and gone run at 10:00 and 11:00 (the 10:30 and 11:30 watchdog runs look); gone is taken out,
 * seen gone at 12:30, and put back in the config after sm's 13:00 run: its 12:00 and 13:00 slots
 * are not judged.
 */
async function goneAndPutBack() {
  const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs: { sm: hourly, gone: hourly } });
  const file = path.join(dir, 'lucy-ops.config.json');
  const full = JSON.parse(fs.readFileSync(file, 'utf8'));
  const setJobs = (names: string[]) =>
    fs.writeFileSync(file, JSON.stringify({ ...full, jobs: Object.fromEntries(names.map((n) => [n, full.jobs[n]])) }));
  const cli = (hhmm: string, args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: T(hhmm), ...env } });
  const cron = async (job: string, hhmm: string) => expect((await cli(hhmm, ['run', job, '--json'])).exitCode).toBe(0);
  const watchdog = async (hhmm: string) =>
    expect((await cli(hhmm, ['postmortem', 'gaps', '--since', SINCE, '--fail-on-gap'])).exitCode).toBe(0);
  for (const hhmm of ['10:00', '11:00']) {
    await cron('sm', hhmm);
    await cron('gone', hhmm);
    await watchdog(hhmm.replace(':00', ':30'));
  }
  setJobs(['sm']);
  await cron('sm', '12:00');
  await watchdog('12:30');
  await cron('sm', '13:00');
  setJobs(['sm', 'gone']);
  return { dir, cli, cron, watchdog };
}

/**
 * When the watchdog saw `job` back: its `jobs.seen` record's time. A process's clock starts at
 * LUCY_OPS_NOW and runs on, so a watchdog started at 13:45 writes 13:45:01 on a loaded machine:
 * the test reads the instant it wrote rather than assume the one it was started at.
 */
function seenBackAt(dir: string, job: string): string {
  const seen = readLog(dir).filter((r) => r.event === 'jobs.seen' && r.back?.[job] !== undefined);
  expect(seen).toHaveLength(1);
  return seen[0].ts;
}

describe('status and the gaps timeline say when a job was out of the config', () => {
  it('status names the span and its unjudged slots, in text and --json, while it is out and once it is back', async () => {
    const { dir, cli, cron, watchdog } = await goneAndPutBack();
    // back in the config, not yet seen back: the last judged slot (11:00, ok) is not the whole story
    const open = await cli('13:40', ['status', '--since', '6h']);
    expect(open.exitCode).toBe(0);
    expect(open.stdout).toMatch(/^gone +11:00Z +ok/m);
    expect(open.stdout).toMatch(
      /^Not judged while out of the config \(slots with no run record\): gone after 11:30[0-9:.]*Z until the watchdog sees it back \(2 slots\)\.$/m,
    );
    const openJson = (await cli('13:40', ['status', '--since', '6h', '--json'])).json;
    expect(openJson.jobs.find((j: any) => j.job === 'gone')).toMatchObject({
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T11:30/), until: null }],
      notJudgedOutOfConfig: 2,
    });
    expect(openJson.jobs.find((j: any) => j.job === 'sm')).toMatchObject({ outOfConfig: [], notJudgedOutOfConfig: 0 });

    // seen back at 13:45 and run at 14:00: the span is closed, and still said while it is in the window
    await watchdog('13:45');
    await cron('sm', '14:00');
    await cron('gone', '14:00');
    const backAt = seenBackAt(dir, 'gone');
    expect(backAt).toMatch(/^2026-04-19T13:45/);
    const back = await cli('14:30', ['status', '--since', '6h', '--json']);
    expect(back.json.jobs.find((j: any) => j.job === 'gone')).toMatchObject({
      last: { slot: T('14:00'), outcome: 'ok' },
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T11:30/), until: backAt }],
      notJudgedOutOfConfig: 2,
    });
    // the same span and count as gaps gives
    const gaps = (await cli('14:30', ['postmortem', 'gaps', '--since', '6h', '--json'])).json;
    const gone = gaps.jobs.find((j: any) => j.job === 'gone');
    expect(back.json.jobs.find((j: any) => j.job === 'gone')).toMatchObject({
      outOfConfig: gone.outOfConfig,
      notJudgedOutOfConfig: gone.notJudgedOutOfConfig,
    });
    expect((await cli('14:30', ['status', '--since', '6h'])).stdout).toMatch(
      /^Not judged while out of the config \(slots with no run record\): gone after 11:30[0-9:.]*Z until 13:45[0-9:.]*Z \(2 slots\)\.$/m,
    );
    // a window that begins after the span says nothing of it
    expect((await cli('14:30', ['status', '--since', '30m'])).stdout).not.toContain('out of the config');
  });

  it('the gaps timeline marks the span "-", as the report does, with its legend entry; none without one', async () => {
    const { cli, cron, watchdog } = await goneAndPutBack();
    const wide = { COLUMNS: '100' };
    // still out (not seen back) at 13:40: the unjudged 12:00 and 13:00 slots are marked, and the
    // last cell (13:40 on, whose 14:00 slot is not due yet) is not: nothing is marked past now
    const open = await cli('13:40', ['postmortem', 'gaps', '--since', '6h', '--timeline'], wide);
    expect(open.stdout).toMatch(/^gone +### ### --- ---$/m);
    // --json carries the mark the text draws, cell for cell
    const openJson = (await cli('13:40', ['postmortem', 'gaps', '--since', '6h', '--timeline', '--json'], wide)).json;
    const cells = openJson.timeline.jobs.find((j: any) => j.job === 'gone').cells;
    expect(cells.slice(-5)).toEqual(['served', 'served', 'out-of-config', 'out-of-config', null]);
    expect(openJson.jobs.find((j: any) => j.job === 'gone').notJudgedOutOfConfig).toBe(
      cells.filter((c: string | null) => c === 'out-of-config').length,
    );

    await watchdog('13:45');
    await cron('sm', '14:00');
    await cron('gone', '14:00');
    const out = await cli('14:30', ['postmortem', 'gaps', '--since', '6h', '--timeline'], wide);
    expect(out.exitCode).toBe(0);
    // one cell an hour from 08:30: 09:00 before judging began (blank), 10:00 and 11:00 served,
    // 12:00 and 13:00 out of the config, 14:00 served
    expect(out.stdout).toMatch(/^sm +### ### ### ### ###$/m);
    expect(out.stdout).toMatch(/^gone +### ### --- --- ###$/m);
    expect(out.stdout).toMatch(/(^| {3})- out of the config \(not judged\)$/m);
    // a window the span does not reach: no mark, no legend entry
    const later = await cli('14:30', ['postmortem', 'gaps', '--since', '30m', '--timeline'], wide);
    expect(later.stdout).not.toContain('out of the config');
    expect(later.stdout).not.toMatch(/^gone .*-/m);
  });
});
