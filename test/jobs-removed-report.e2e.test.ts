/**
 * `postmortem report` of a window in which a job was out of the config, through the built CLI: the
 * slots it was not judged for are stated (JSON, Markdown, HTML) and the headline agrees with the
 * body: it never says every slot was served while slots went unjudged or a gap alert is listed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const hourly = { schedule: '0 * * * *', command: ['node', '-e', '0'] };
const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const SINCE = '2026-04-19T09:00Z';

describe('the report of a window in which a job was out of the config', () => {
  it('states the period and the slots not judged, in its headline and its body, in every format', async () => {
    const dir = tempProject({ log: 'logs/jobs.jsonl', providers: PROVIDERS, jobs: { sm: hourly, gone: hourly } });
    const file = path.join(dir, 'lucy-ops.config.json');
    const full = JSON.parse(fs.readFileSync(file, 'utf8'));
    const setJobs = (names: string[]) =>
      fs.writeFileSync(
        file,
        JSON.stringify({ ...full, jobs: Object.fromEntries(names.map((n) => [n, full.jobs[n]])) }),
      );
    const cli = (now: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
    const cron = async (job: string, hhmm: string) =>
      expect((await cli(T(hhmm), ['run', job, '--json'])).exitCode).toBe(0);
    const watchdog = (hhmm: string) => cli(T(hhmm), ['postmortem', 'gaps', '--since', SINCE, '--fail-on-gap']);

    for (const hhmm of ['10:00', '11:00']) {
      await cron('sm', hhmm);
      await cron('gone', hhmm);
    }
    expect((await watchdog('11:30')).exitCode).toBe(0); // the seed
    setJobs(['sm']); // gone is taken out; sm's 13:00 is lost: the watchdog pages it
    await cron('sm', '12:00');
    expect((await watchdog('12:30')).exitCode).toBe(0); // gone seen taken out
    const paged = await watchdog('13:30');
    expect(paged.exitCode).toBe(1);
    expect(paged.stderr).toContain('ALERT gap');
    setJobs(['sm', 'gone']); // put back: both run at 14:00
    await cron('sm', '14:00');
    await cron('gone', '14:00');

    const report = (args: string[]) => cli(T('14:30'), ['postmortem', 'report', '--since', SINCE, ...args]);
    const json = (await report(['--json'])).json;
    const gone = json.jobs.find((j: any) => j.job === 'gone');
    expect(gone).toMatchObject({
      outOfConfig: [{ after: expect.stringMatching(/^2026-04-19T11:30/), until: T('14:00') }], // the 11:30 look
      notJudgedOutOfConfig: 2, // 12:00 and 13:00
    });
    expect(gone.cells.map((c: any) => c.slot.slice(11, 16))).toEqual(['10:00', '11:00', '14:00']);
    expect(json.jobs.find((j: any) => j.job === 'sm')).toMatchObject({ outOfConfig: [], notJudgedOutOfConfig: 0 });
    expect(json.headline).toMatchObject({ missing: 1, jobs: ['sm'], notJudgedOutOfConfig: 2, gapAlerts: 1 });

    // with an incident: the headline names the slots not judged, and the body lists the period
    const md = (await report(['--md', '-'])).stdout;
    expect(md).toContain(
      '- 2 slots of gone not judged: out of the config then (see "Not judged while out of the config").',
    );
    expect(md).toMatch(/## Not judged while out of the config\n/);
    // the watchdog's caveat, in the report too: a removal that never happened hides a gap there
    expect(md).toContain(
      'If a job never left the config (a stale or hand-written line), a gap there was not paged: check those slots’ output.',
    );
    expect(md).toMatch(/\| gone \| after 2026-04-19 11:30(:\d\d(\.\d+)?)?Z until 2026-04-19 14:00Z \| 2 \|/);
    // whence the period runs: the last sign of the job in the config, not only its last record
    expect(md).toContain(
      'From the last sign of each in the config (its last record, or the last watchdog run that saw it) until it was seen back',
    );
    // a window whose share of the period holds no slot of gone: nothing went unjudged, no table
    const short = (args: string[]) =>
      cli(T('14:30'), ['postmortem', 'report', '--since', '2026-04-19T13:45Z', '--job', 'gone', ...args]);
    const shortJson = (await short(['--json'])).json;
    expect(shortJson.jobs[0]).toMatchObject({ outOfConfig: [{ until: T('14:00') }], notJudgedOutOfConfig: 0 });
    expect((await short(['--md', '-'])).stdout).not.toContain('Not judged while out of the config');
    // the text timeline marks gone's columns while it was out, not as blank
    expect(md).toMatch(/\ngone +##--#/);
    expect(md).toContain('- out of the config (not judged)');

    // gone alone: no incident, but not "every slot was served", and the gap alert listed is explained
    const alone = (await report(['--job', 'gone', '--md', '-'])).stdout;
    expect(alone).not.toContain('Every slot of');
    expect(alone).toContain(
      '- Every judged slot of 1 job (3 judged slots) was served on time by the first provider of the chain; 2 not judged (out of the config): see "Not judged while out of the config".',
    );
    expect(alone).toContain(
      '- A gap alert was sent in the window (see the alerts below), yet no slot judged here was missing:',
    );
    expect(alone).toContain('or are among the 2 not judged (out of the config).');
    expect(alone).toContain('- alert **gap** at 2026-04-19 13:30Z');

    const htmlFile = path.join(dir, 'gone.html');
    expect((await report(['--job', 'gone', '--html', htmlFile])).exitCode).toBe(0);
    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html).toContain('<h2 id="h-out-of-config">Not judged while out of the config</h2>');
    expect(html).toContain('a gap there was not paged: check those slots’ output.');
    expect(html).toContain('<dt>Not judged</dt><dd>2 <small>out of the config</small></dd>');
    expect(html).toContain('2 not judged (out of the config)');
    expect(html).toMatch(/<rect class="band out"[^>]*><title>gone out of the config after 2026-04-19 11:30/);
    expect(html).toContain('None: every judged slot in the window was served on time by the first provider.');
    expect(html).not.toContain('Every slot of');
    const validation = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
    expect(validation.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
  });
});
