/** `lucy-ops postmortem report` as a person runs it: the built CLI on the April 19 log. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';
import { failedRun, writeLog } from './helpers/log-lines.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-report-e2e-'));
const env = { LUCY_OPS_NOW: '2026-04-19T17:01:00Z' };
const WINDOW = ['--since', '2026-04-19T12:00Z', '--until', '2026-04-19T17:01Z'];
let cwd: string;

beforeAll(() => {
  cwd = path.join(root, 'project');
  fs.mkdirSync(path.join(cwd, 'logs'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/april19.jsonl'), path.join(cwd, 'logs/jobs.jsonl'));
  const job = (schedule: string, outDir: string) => ({ schedule, tz: 'UTC', kind: 'blog', prompt: 'p', outDir });
  const provider = (name: string) => ({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name });
  fs.writeFileSync(
    path.join(cwd, 'lucy-ops.config.json'),
    JSON.stringify({
      log: 'logs/jobs.jsonl',
      providers: [provider('deepseek-v3'), provider('llama-3.3-70b')],
      jobs: {
        blog: job('0 * * * *', 'out/blog'),
        threads: job('*/15 * * * *', 'out/threads'),
        stories: job('*/30 * * * *', 'out/stories'),
      },
    }),
  );
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A log file (`<runId>.jsonl`) holding one failed threads run whose provider and error are `text`. */
function logNaming(runId: string, text: string): string {
  const file = path.join(root, `${runId}.jsonl`);
  const slot = '2026-04-19T16:00:00.000Z';
  writeLog(file, failedRun({ job: 'threads', runId, slot, provider: text, error: text }));
  return file;
}

describe('postmortem report', () => {
  it('writes lucy-ops-report.html in the working directory by default: valid, self-contained HTML', async () => {
    const r = await runCli(['postmortem', 'report', ...WINDOW], { cwd, env });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const file = path.join(cwd, 'lucy-ops-report.html');
    expect(r.stdout).toBe(`Incident 2026-04-19 14:15Z – 15:00Z (45m)\nwrote ${file}`); // (execa drops the last newline)
    const html = fs.readFileSync(file, 'utf8');

    const validation = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
    const messages = validation.results.flatMap((res) => res.messages.map((m) => `${m.ruleId}: ${m.message}`));
    expect(messages).toEqual([]);
    expect(validation.valid).toBe(true);

    // nothing to fetch, nothing to run: no script, no external URL but the SVG namespace
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/i);
    expect(new Set(html.match(/https?:\/\/[^"'\s)<]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toContain('@media print');

    // every SVG has an accessible name; the timeline has a <title> and a <desc>
    const svgs = html.match(/<svg[^>]*>/g) ?? [];
    expect(svgs.length).toBeGreaterThan(3);
    for (const svg of svgs) {
      expect(svg).toContain('role="img"');
      expect(svg).toMatch(/aria-label(ledby)?="[^"]+"/);
    }
    expect(html).toMatch(/<svg class="timeline"[^>]*aria-labelledby="timeline-title timeline-desc"/);
    expect(html).toMatch(/<title id="timeline-title">Timeline of every slot/);

    // one cell per slot: 6 blog + 21 threads + 11 stories, the outage's as failed or missing
    const cells = [
      ...html.matchAll(
        /<rect class="cell ([a-z -]+)" data-job="(\w+)" data-slot="([^"]+)"[^>]*><title>([^<]*)<\/title>/g,
      ),
    ];
    expect(cells).toHaveLength(38);
    const unserved = cells
      .filter((c) => c[1] !== 'served' && c[1] !== 'pending')
      .map((c) => `${c[2]} ${c[3].slice(11, 16)} ${c[1]}`);
    expect(unserved).toEqual([
      'threads 14:15 failed',
      'threads 14:30 failed',
      'threads 14:45 failed',
      'stories 14:30 missing',
    ]);
    const failedTitle = cells.find((c) => c[1] === 'failed')![4];
    expect(failedTitle).toContain('threads 2026-04-19 14:15Z: failed');
    expect(failedTitle).toContain('error: deadline of 120000 ms exceeded after 4 attempts');
    expect(failedTitle).toContain('deepseek-v3 503, 503, 503; llama-3.3-70b timeout');
  });

  it('--md writes the same facts as Markdown; --md - prints it', async () => {
    const r = await runCli(['postmortem', 'report', ...WINDOW, '--md', 'incident.md'], { cwd, env });
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'incident.md'))).toBe(true);
    const md = fs.readFileSync(path.join(cwd, 'incident.md'), 'utf8');
    expect(md).toMatch(/^# Incident 2026-04-19 14:15Z – 15:00Z \(45m\)\n/);
    expect(md).toContain(
      '- This incident: 4 slots not served on time in stories, threads (of 3 jobs): 3 failed, 1 missing (no record at all); none filled yet: `lucy-ops backfill --since 2026-04-19T12:00Z --until 2026-04-19T17:01Z` fills them once.',
    );
    expect(md).toContain('threads              #########XXX########.');
    expect(md).toContain('stories              # # # # # ? # # # # .');
    expect(md).toContain(
      '| threads | 2026-04-19 14:15Z | failed | — | deadline of 120000 ms exceeded after 4 attempts | deepseek-v3 503, 503, 503; llama-3.3-70b timeout |',
    );

    const printed = await runCli(['postmortem', 'report', ...WINDOW, '--md', '-'], { cwd, env });
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout + '\n').toBe(md);
    expect(printed.stderr).toBe('Incident 2026-04-19 14:15Z – 15:00Z (45m)');
  });

  it('--json prints the facts and writes no file unless asked', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'json-'));
    const r = await runCli(
      ['postmortem', 'report', ...WINDOW, '--json', '--config', path.join(cwd, 'lucy-ops.config.json')],
      {
        cwd: dir,
        env,
      },
    );
    expect(r.exitCode).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(r.json.headline).toMatchObject({
      start: '2026-04-19T14:15:00.000Z',
      end: '2026-04-19T15:00:00.000Z',
      failed: 3,
      missing: 1,
    });
    expect(r.json.jobs.map((j: { job: string }) => j.job)).toEqual(['blog', 'threads', 'stories']);
    expect(Object.keys(r.json)).toEqual(
      expect.arrayContaining([
        'since',
        'until',
        'headline',
        'incidents',
        'jobs',
        'affected',
        'providers',
        'breakers',
        'alerts',
      ]),
    );
  });

  it('usage errors exit 64: no --since, an unknown job, --md - with --json', async () => {
    const noSince = await runCli(['postmortem', 'report'], { cwd, env });
    expect(noSince.exitCode).toBe(64);
    expect(noSince.stderr).toContain("required option '--since <time>' not specified");
    const unknown = await runCli(['postmortem', 'report', ...WINDOW, '--job', 'nope'], { cwd, env });
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toContain('unknown job "nope"');
    const both = await runCli(['postmortem', 'report', ...WINDOW, '--md', '-', '--json'], { cwd, env });
    expect(both.exitCode).toBe(64);
  });

  it('--help explains the page and shows examples', async () => {
    const r = await runCli(['postmortem', 'report', '--help'], { cwd, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('lucy-ops postmortem report --since 2026-04-19T12:00Z --until 2026-04-19T18:00Z');
  });
});

describe('postmortem report --md with hostile log text', () => {
  it('keeps text from a --log file inline: no heading, link or raw HTML of its own', async () => {
    const evil =
      'evil|col\n\n# Injected heading\n[click me](javascript:alert(1)) <img src=x onerror=alert(1)>\u202egnp.exe\u200b\u2028';
    const file = path.join(root, 'evil.jsonl');
    writeLog(
      file,
      failedRun({
        job: 'threads',
        runId: 'evil-1',
        slot: '2026-04-19T16:00:00.000Z',
        provider: evil,
        model: 'm',
        errorType: evil,
        error: evil,
      }),
    );
    const r = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--md', '-'], { cwd, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Injected heading'); // the text is there ...
    expect(r.stdout).not.toMatch(/^#+ Injected/m); // ... but never as a heading,
    expect(r.stdout).not.toMatch(/(?<!\\)<img/); // raw HTML,
    expect(r.stdout).not.toMatch(/(?<!\\)\[click me(?<!\\)\]\(/); // or a link
    expect(r.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029]/); // nor bidi or zero-width tricks
  });

  it('a breaker or alert name from the log cannot close the timeline fence or carry HTML or escapes', async () => {
    const fenceBreaker = 'evil\n```\n<script>alert(5)</script>\u001b]0;title\u0007';
    const base = { job: 'threads', runId: 'evil-2', scheduledFor: '2026-04-19T16:15:00.000Z', trigger: 'cron' };
    const records = [
      {
        ts: '2026-04-19T16:15:01.000Z',
        level: 'warn',
        event: 'breaker.open',
        ...base,
        provider: fenceBreaker,
        from: 'closed',
      },
      {
        ts: '2026-04-19T16:15:02.000Z',
        level: 'warn',
        event: 'alert.sent',
        ...base,
        kind: '<img src=x onerror=alert(6)>',
      },
    ];
    const file = path.join(root, 'evil2.jsonl');
    writeLog(file, records);
    const r = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--md', '-'], { cwd, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    // the timeline's fence is longer than any backtick run inside it, so the block stays one block
    const opening = r.stdout.match(/^(`{3,})text$/m);
    expect(opening).not.toBeNull();
    expect(opening![1].length).toBeGreaterThan(3);
    // outside that block (where text is literal), no raw HTML
    const [before, rest] = r.stdout.split(`${opening![1]}text\n`);
    const after = rest.slice(rest.indexOf(`\n${opening![1]}\n`) + opening![1].length + 2);
    expect(before + after).not.toMatch(/(?<!\\)<(script|img)/);
    expect(after).toContain('alert **\\<img');
  });

  it('the HTML page shows log text printable: no bidi override, escape or zero-width character', async () => {
    const file = logNaming('evil-3', 'deepseek\u202egnp.exe\u001b[2J\u200bx <b>');
    const out = path.join(root, 'evil3.html');
    const r = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--html', out], { cwd, env });
    expect(r.exitCode, r.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('deepseek?gnp.exe?[2J?x &lt;b&gt;'); // the text is there, each run of them one ?
    expect(html).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/);
  });

  it('marks hostile text as the terminal does: the same ? for each run in gaps, the Markdown and the HTML', async () => {
    const hostile = 'deep\u202eseek\u200b\u2060x\u0007\n\u061cy';
    const marked = 'deep?seek?x?y'; // one ? for each run of control, bidi and zero-width characters
    // a failed run in threads' 14:15 gap (the fixture's outage): its provider is in the gap's cause
    const file = path.join(root, 'evil-mark.jsonl');
    writeLog(
      file,
      failedRun({
        job: 'threads',
        runId: 'evil-mark',
        slot: '2026-04-19T14:15:00.000Z',
        provider: hostile,
        error: 'boom',
      }),
    );
    const gaps = await runCli(['postmortem', 'gaps', ...WINDOW, '--log', file], { cwd, env });
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    const md = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--md', '-'], { cwd, env });
    const out = path.join(root, 'evil-mark.html');
    expect(
      (await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--html', out], { cwd, env })).exitCode,
    ).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    for (const [view, text] of [
      ['gaps', gaps.stdout],
      ['markdown', md.stdout],
      ['html', html],
    ]) {
      expect(text, view).toContain(marked);
      expect(text, view).not.toContain('deep seek');
      expect(text, view).not.toMatch(/[\u0007\u061c\u200b\u202e\u2060]/);
    }
  });

  it('Markdown shows log text as typed: no character reference, emphasis, code span or bare link of its own', async () => {
    const file = logNaming(
      'evil-4',
      'deepseek &#x202E;lmth.exe&#x202C; `code` **bold** _it_ ~~gone~~ https://evil.example/reset',
    );
    const r = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--md', '-'], { cwd, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'deepseek &amp;#x202E;lmth.exe&amp;#x202C; \\`code\\` \\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~ `https://evil.example/reset`',
    );
    expect(r.stdout).not.toMatch(/(?<!&amp;)#x202/); // GitHub would decode it into a bidi override
    expect(r.stdout).not.toMatch(/[^`]https:\/\/evil/); // every URL from the log sits in a code span
    // the report's own formatting stays: the backfill command is still a code span
    expect(r.stdout).toMatch(/`lucy-ops backfill --since \S+ --until \S+`/);
  });
  it('a report of some jobs suggests a backfill of those jobs only (--job), as the report was asked', async () => {
    const file = logNaming('only-1', 'deepseek-v3');
    const some = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--job', 'threads', '--md', '-'], {
      cwd,
      env,
    });
    expect(some.exitCode, some.stderr).toBe(0);
    expect(some.stdout).toMatch(/`lucy-ops backfill --since \S+ --until \S+ --job threads`/);
    const all = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--md', '-'], { cwd, env });
    expect(all.stdout).toMatch(/`lucy-ops backfill --since \S+ --until \S+`/);
    expect(all.stdout).not.toContain('--job');
    const json = await runCli(['postmortem', 'report', ...WINDOW, '--log', file, '--job', 'threads', '--json'], {
      cwd,
      env,
    });
    expect(json.json).not.toHaveProperty('jobsAsked');
  });
});
