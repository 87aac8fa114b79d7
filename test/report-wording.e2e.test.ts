/**
 * The report's words and marks, through the built CLI, on small logs: a provider the config does
 * not have is marked in the affected-slots table as `postmortem gaps` marks it, counts agree in
 * number, times carry their Z, and the Markdown's text timeline gives each slot its own column.
 * Also the judging line of `postmortem gaps` for a job with no records of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarters, run, T, twoJobProject as project } from './helpers/two-jobs.js';

/** Blog hourly 01:00-04:00 and threads every quarter 01:00-05:45, all served by p1, but for `threads`. */
function log(threads: Record<string, Parameters<typeof run>[2]> = {}): string[] {
  return [
    ...['01:00', '02:00', '03:00', '04:00', '05:00'].flatMap((t) => run('blog', t)),
    ...quarters(1, 6).flatMap((t) => run('threads', t, threads[t] ?? 'ok')),
  ];
}

describe('report wording and marks', () => {
  it('marks a fallback provider the config does not have in the affected slots, as gaps does', async () => {
    // threads 02:15 served by p9 (in no config) after p1's 503
    const { dir, cli } = project(log({ '02:15': { fallback: 'p9' } }), T('05:50', '10'));
    const gaps = (await cli(['postmortem', 'gaps', '--since', '5h'])).stdout;
    expect(gaps).toMatch(/threads +02:15Z +02:30Z +1 +p9 \(not in config\)/);
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toContain(
      '| threads | 2026-12-07 02:15Z | served by a fallback | p9 (not in config) | — | p1 503; p9 ok |',
    );
    await cli(['postmortem', 'report', '--since', '5h', '--html', 'r.html']);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<td>p9 (not in config)</td>');
    // the timeline cell's hover text too, and nowhere as a bare fallback of the chain
    expect(html).toContain('served by p9 (not in config) · tries: p1 503; p9 ok');
    expect(html).not.toContain('<td>p9</td>');
    // no incident in the window: nothing is shaded, so the page does not say a shaded span is one
    expect(html).not.toContain('shaded span');
  });

  it('a slot a fallback filled later is filled later via it, in no fallback stretch; gaps and the report count the same fallback slots', async () => {
    // threads 02:15 failed at its time and a backfill at 03:50 filled it through p2; 02:30 p2 served on time
    const backfill = JSON.stringify({
      ts: T('03:50'),
      level: 'info',
      event: 'run.end',
      job: 'threads',
      runId: 'threads-02:15-backfill',
      scheduledFor: T('02:15'),
      trigger: 'backfill',
      outcome: 'ok',
      provider: 'p2',
      model: 'm',
      degraded: true,
      durationMs: 900,
    });
    const { cli } = project([...log({ '02:15': 'failed', '02:30': { fallback: 'p2' } }), backfill], T('05:50', '10'));
    const gaps = (await cli(['postmortem', 'gaps', '--since', '5h'])).stdout;
    expect(gaps).toContain('Served by a fallback (1 stretch(es), 1 slot(s))');
    expect(gaps).toMatch(/^threads +02:30Z +02:45Z +1 +p2$/m);
    expect(gaps).toMatch(/^threads +02:15Z +1h 3.* +filled later by backfill via p2 \(fallback\)$/m);
    const gapsJson = (await cli(['postmortem', 'gaps', '--since', '5h', '--json'])).json;
    expect(gapsJson.late).toMatchObject([{ job: 'threads', slot: T('02:15'), trigger: 'backfill', fallback: 'p2' }]);
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toContain(
      '| threads | 2026-12-07 02:15Z | failed, filled later by backfill via p2 (fallback) (2026-12-07 03:50Z) |',
    );
    expect(md).toContain('filled later by backfill via p2 (fallback) (03:50Z)');
    expect(md).toContain('threads served by a fallback at 02:30Z (1 slot, by p2)');
    const facts = (await cli(['postmortem', 'report', '--since', '5h', '--json'])).json;
    const fallbackSlots = gapsJson.degraded.reduce((n: number, d: { slots: number }) => n + d.slots, 0);
    expect(facts.headline.degraded).toBe(fallbackSlots);
    expect(fallbackSlots).toBe(1);
  });

  it('says "it" for one slot still unserved, and its times with Z in the HTML stats', async () => {
    const { dir, cli } = project(log({ '05:15': 'failed' }), T('05:50', '10'));
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toContain(
      '- This incident: 1 slot not served on time in threads (of 2 jobs): 1 failed; none filled yet: `lucy-ops backfill --since 2026-12-07T00:50:10Z --until 2026-12-07T05:50:10Z` fills it once.',
    );
    // the window's counts are this incident's: not said twice
    expect(md).not.toContain('- In the window:');
    await cli(['postmortem', 'report', '--since', '5h', '--html', 'r.html']);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<dt>Started</dt><dd>05:15Z <small>2026-12-07</small></dd>');
    expect(html).toContain('The shaded span is the incident.');
    expect(html).toContain('<dt>Ended</dt><dd>05:30Z <small>2026-12-07</small></dd>');
    expect(html).toMatch(/class="tick"[^>]*>02:00Z</);
  });

  it('counts the served slots of a quiet window in number, leaving the pending ones out', async () => {
    const { cli } = project(log(), T('06:01'));
    const headline = async (since: string, until: string) =>
      (await cli(['postmortem', 'report', '--since', since, '--until', until, '--md', '-'])).stdout
        .split('\n')
        .filter((l) => l.startsWith('- '));
    // threads 04:15 alone
    expect(await headline(T('04:05'), T('04:20'))).toEqual([
      '- The one slot of 2 jobs in the window was served on time by the first provider of the chain.',
    ]);
    expect(await headline(T('04:20'), T('04:25'))).toEqual(['- No slot of 2 jobs came due in the window.']);
    // 05:45 served; the 06:00 slots have no run yet and are too recent to judge
    expect(await headline(T('05:40'), T('06:01'))).toEqual([
      '- The one slot of 2 jobs in the window was served on time by the first provider of the chain.',
      '- 2 recent slots not judged yet (pending).',
    ]);
    // threads 05:30 and 05:45
    expect(await headline(T('05:30'), T('05:46'))).toEqual([
      '- Every slot of 2 jobs (2 slots) was served on time by the first provider of the chain.',
    ]);
  });

  it('gives the slot at --until a column of its own in the text timeline', async () => {
    const { cli } = project(log(), T('05:50', '10'));
    const md = (await cli(['postmortem', 'report', '--since', T('01:00'), '--until', T('03:00'), '--md', '-'])).stdout;
    // 9 quarter-hour slots from 01:00 to 03:00 inclusive; blog's hours at columns 0, 4 and 8
    const row = (job: string) => md.split('\n').find((l) => l.startsWith(`${job} `))!;
    expect(row('threads')).toBe('threads  #########');
    expect(row('blog')).toBe('blog     #   #   #');
    expect(md).toContain('times in UTC; one column = 15m;');
  });
});

describe('gaps: when judging began', () => {
  it('does not say a job without records has records from before the window', async () => {
    // news is in the config but has never written a record: judged from the first record of any job
    const { cli } = project(log(), T('05:50', '10'), {
      news: { schedule: '30 * * * *', command: ['node', '-e', '0'] },
    });
    const line = async (...args: string[]) =>
      (await cli(['postmortem', 'gaps', '--since', '2h', ...args])).stdout.split('\n')[1];
    expect(await line('--job', 'news')).toBe(
      'Judged from the start of the window: news has no record of its own (judged from the first record of any job, before the window).',
    );
    expect(await line()).toBe(
      'Judged from the start of the window: blog, threads have records from before it; news has no record of its own (judged from the first record of any job, before the window).',
    );
    expect(await line('--job', 'blog')).toBe(
      'Judged from the start of the window: every job has records from before it.',
    );
  });
});
