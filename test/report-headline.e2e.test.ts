/**
 * The report's headline, through the built CLI: it tells the incident going on (else the latest
 * still owing a slot, else the worst) with its own span, jobs and cause, each other incident in
 * one line, and the slots a fallback served (no incident, as in gaps) beside them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarters, run, T, twoJobProject as project } from './helpers/two-jobs.js';

describe('the report headline', () => {
  it('tells the incident going on and its own cause; a slot a fallback served is no incident but is told', async () => {
    // threads served by the fallback at 01:15 (p1 503); from 04:00 nothing runs at all
    const { dir, cli } = project(
      [
        ...['01:00', '02:00', '03:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 4).flatMap((t) => run('threads', t, t === '01:15' ? { fallback: 'p2' } : 'ok')),
      ],
      T('05:00', '40'),
    );
    const json = (await cli(['postmortem', 'report', '--since', '4h', '--json'])).json;
    expect(json.incidents.map((i: any) => [i.start, i.end, i.open])).toEqual([[T('04:00'), null, true]]);
    expect(json.headline).toMatchObject({
      incident: 0,
      start: T('04:00'),
      end: null,
      open: true,
      jobs: ['blog', 'threads'],
      cause: 'blog, threads: no records at all — the jobs did not run',
    });
    expect(json.headline.durationMs).toBe(json.incidents[0].durationMs);
    expect(json.cause).toBe('p1: 503 ×1'); // the window's failures, not the headline's cause
    expect(json.stretches).toEqual([
      expect.objectContaining({ job: 'threads', kind: 'degraded', start: T('01:15'), slots: 1, incident: null }),
    ]);

    const md = (await cli(['postmortem', 'report', '--since', '4h', '--md', '-'])).stdout;
    expect(md).toMatch(/^# Incident 2026-12-07 04:00Z – still going on \(1h 1m so far\)\n/);
    expect(md).not.toContain('- Cause: p1: 503');
    const cause = 'Cause: blog, threads: no records at all — the jobs did not run.';
    const fallback = 'Elsewhere in the window: threads served by a fallback at 01:15Z (1 slot, by p2).';
    expect(md).toContain(`- ${cause}`);
    expect(md).toContain(`- ${fallback}`);
    await cli(['postmortem', 'report', '--since', '4h', '--html', 'r.html']);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h1>Incident 2026-12-07 04:00Z – still going on (');
    expect(html).toContain(`<li>${fallback}</li>`);
    expect(html).toContain(`<li>${cause}</li>`);
  });

  it('tells a recent incident still owing a slot before a worse one long over, and labels its counts', async () => {
    // threads fails 01:15-02:00 (4 slots); blog misses 05:00 and threads 05:15, served again 05:30:
    // the first is the worst but over; the second is over too, blog still owing 05:00 (06:00 has not come)
    const { cli } = project(
      [
        ...['01:00', '02:00', '03:00', '04:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 6, ['05:15']).flatMap((t) =>
          run('threads', t, ['01:15', '01:30', '01:45', '02:00'].includes(t) ? 'failed' : 'ok'),
        ),
      ],
      T('05:50', '10'),
    );
    const json = (await cli(['postmortem', 'report', '--since', '5h', '--json'])).json;
    expect(json.headline).toMatchObject({
      incident: 1,
      start: T('05:00'),
      end: T('05:30'),
      open: false,
      jobs: ['blog', 'threads'],
      unserved: 6,
    });
    const text = await cli(['postmortem', 'report', '--since', '5h', '--md', 'r.md']);
    expect(text.stdout.split('\n')[0]).toBe('Incident 2026-12-07 05:00Z – 05:30Z (30m; blog still owes 05:00Z)');
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toContain(
      '- This incident: 2 slots not served on time in blog, threads (of 2 jobs): 2 missing (no record at all); none filled yet: `lucy-ops backfill --since 2026-12-07T00:50:10Z --until 2026-12-07T05:50:10Z` fills them once.',
    );
    expect(md).toContain(
      '- In the window: 6 slots still unserved, none filled yet; `lucy-ops backfill --since 2026-12-07T00:50:10Z --until 2026-12-07T05:50:10Z` fills them once.',
    );
    expect(md).toContain('- Cause: blog, threads: no records at all — the jobs did not run.');
    expect(md).toContain('- Also earlier: 01:15Z–02:15Z, 4 slots failed (threads; p1: 503 ×4).');
    // the table of incidents: each one's slots not served on time, filled later, still unserved
    expect(md).toContain('| 2026-12-07 01:15Z | 2026-12-07 02:15Z | 1h | threads | 4 | 0 | 4 | 4 | p1: 503 ×4 |');
  });
});
