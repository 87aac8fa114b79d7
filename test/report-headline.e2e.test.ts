/**
 * The report's headline, through the built CLI: it tells the incident going on (else the worst)
 * with its own span, jobs and cause, and each other incident in one line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarters, run, T, twoJobProject as project } from './helpers/two-jobs.js';

describe('the report headline', () => {
  it('tells the incident going on and its own cause, the earlier one in a line', async () => {
    // threads served by the fallback at 01:15 (p1 503); from 04:00 nothing runs at all
    const { dir, cli } = project(
      [
        ...['01:00', '02:00', '03:00'].flatMap((t) => run('blog', t)),
        ...quarters(1, 4).flatMap((t) => run('threads', t, t === '01:15' ? { fallback: 'p2' } : 'ok')),
      ],
      T('05:00', '40'),
    );
    const json = (await cli(['postmortem', 'report', '--since', '4h', '--json'])).json;
    expect(json.incidents.map((i: any) => [i.start, i.end, i.open])).toEqual([
      [T('01:15'), T('01:30'), false],
      [T('04:00'), null, true],
    ]);
    expect(json.headline).toMatchObject({
      incident: 1,
      start: T('04:00'),
      end: null,
      open: true,
      jobs: ['blog', 'threads'],
    });
    expect(json.headline.cause).toBeUndefined();
    expect(json.headline.durationMs).toBe(json.incidents[1].durationMs);
    expect(json.cause).toBe('p1: 503 ×1'); // the window's failures, not the headline's cause

    const md = (await cli(['postmortem', 'report', '--since', '4h', '--md', '-'])).stdout;
    expect(md).toMatch(/^# Incident 2026-12-07 04:00Z – still going on \(1h 1m so far\)\n/);
    expect(md).not.toContain('# Incident 2026-12-07 01:15Z');
    expect(md).not.toContain('- Cause: p1: 503');
    expect(md).toContain('- Cause: no records at all for its missing slots: the jobs never started (or never logged).');
    expect(md).toContain('- Also earlier: 01:15Z–01:30Z, 1 slot served by a fallback (threads; p1: 503 ×1).');
    await cli(['postmortem', 'report', '--since', '4h', '--html', 'r.html']);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h1>Incident 2026-12-07 04:00Z – still going on (');
    expect(html).toContain('<li>Also earlier: 01:15Z–01:30Z, 1 slot served by a fallback (threads; p1: 503 ×1).</li>');
    expect(html).toContain(
      '<li>Cause: no records at all for its missing slots: the jobs never started (or never logged).</li>',
    );
  });

  it('tells the worst when none goes on, and names a later one that still owes a slot', async () => {
    // threads fails 01:15-02:00 (4 slots); blog misses 05:00 and threads 05:15, served again 05:30:
    // the first is the worst; the second is over, blog still owing 05:00 (06:00 has not come)
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
      incident: 0,
      start: T('01:15'),
      end: T('02:15'),
      open: false,
      jobs: ['threads'],
      cause: 'p1: 503 ×4',
    });
    const text = await cli(['postmortem', 'report', '--since', '5h', '--md', 'r.md']);
    expect(text.stdout.split('\n')[0]).toBe('Incident 2026-12-07 01:15Z – 02:15Z (1h)');
    const md = (await cli(['postmortem', 'report', '--since', '5h', '--md', '-'])).stdout;
    expect(md).toContain('- 4 slots affected in threads (of 2 jobs): 4 failed.');
    expect(md).toContain('- Cause: p1: 503 ×4.');
    expect(md).toContain('- Also later: 05:00Z–05:30Z (blog still owes 05:00Z), 2 slots missing (blog, threads).');
  });
});
