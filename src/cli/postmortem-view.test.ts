import { describe, expect, it } from 'vitest';
import type { GapReport } from '../analysis/gaps.js';
import type { JobSummary } from '../analysis/gap-types.js';
import { renderGapReport } from './postmortem-view.js';

const UNTIL = '2026-12-07T04:40:00.000Z';

function job(name: string, extra: Partial<JobSummary> = {}): JobSummary {
  return {
    job: name,
    slots: 4,
    served: 4,
    failed: 0,
    missing: 0,
    pending: 0,
    doubled: 0,
    degraded: 0,
    servedElsewhere: 0,
    unverified: 0,
    judgedFrom: '2026-12-06T00:00:00.000Z',
    judgedBy: 'job',
    outOfConfig: [],
    notJudgedOutOfConfig: 0,
    ...extra,
  } as JobSummary;
}

function report(extra: Partial<GapReport> = {}): GapReport {
  return {
    since: '2026-12-06T22:40:00.000Z',
    until: UNTIL,
    gaps: [],
    incidents: [],
    degraded: [],
    doubles: [],
    servedElsewhere: [],
    skippedLines: 0,
    late: [],
    jobs: [job('blog')],
    linesRead: 10,
    sources: [],
    errors: [],
    ...extra,
  };
}

const fallback = {
  job: 'threads',
  start: '2026-12-07T01:15:00.000Z',
  end: '2026-12-07T01:30:00.000Z',
  lastSlot: '2026-12-07T01:15:00.000Z',
  durationMs: 900_000,
  slots: 1,
  providers: ['old-provider'],
  open: false,
};

const render = (r: GapReport) => renderGapReport(r, { color: false, boxed: false });

describe('gaps: the no-gaps line', () => {
  it('puts the fallback count with the served slots, not after the unjudged ones', async () => {
    const out = await render(
      report({
        degraded: [fallback],
        jobs: [
          job('threads', {
            outOfConfig: [{ after: '2026-12-07T02:45:00.000Z', until: '2026-12-07T04:00:40.000Z' }],
            notJudgedOutOfConfig: 5,
          }),
        ],
      }),
    );
    expect(out).toContain(
      'No gaps: every judged slot was served (1 by a fallback, below); 5 not judged (out of the config).',
    );
    expect(out).not.toContain('of them');
  });

  it('says every slot was served, with or without a fallback', async () => {
    expect(await render(report())).toContain('No gaps: every slot was served.');
    expect(await render(report({ degraded: [fallback] }))).toContain(
      'No gaps: every slot was served (1 by a fallback, below).',
    );
  });
});

describe('gaps: the out-of-config line', () => {
  it('gives each job’s count of unjudged slots, in plain words', async () => {
    const out = await render(
      report({
        jobs: [
          job('blog'),
          job('threads', {
            outOfConfig: [{ after: '2026-12-07T02:00:04.000Z', until: '2026-12-07T04:30:30.000Z' }],
            notJudgedOutOfConfig: 10,
          }),
        ],
      }),
    );
    expect(out).toContain(
      'Not judged while out of the config (slots with no run record): threads after 02:00:04Z until 04:30:30Z (10 slots).',
    );
  });
});

describe('gaps: a provider not in the config', () => {
  it('is marked in the fallback table, as causes are', async () => {
    const out = await render(report({ degraded: [{ ...fallback, notInConfig: ['old-provider'] }] }));
    expect(out).toMatch(/threads +01:15Z +01:30Z +1 +old-provider \(not in config\)/);
  });
});

describe('gaps: a slot a fallback filled later', () => {
  it('is told as filled later via the fallback in the late table, not as a fallback stretch', async () => {
    const out = await render(
      report({
        degraded: [fallback],
        late: [
          {
            job: 'threads',
            slot: '2026-12-07T02:15:00.000Z',
            lateMs: 95 * 60_000,
            trigger: 'backfill',
            fallback: 'llama',
          },
          { job: 'blog', slot: '2026-12-07T02:00:00.000Z', lateMs: 100 * 60_000, trigger: 'backfill' },
        ],
      }),
    );
    expect(out).toMatch(/^threads +02:15Z +1h 35m +filled later by backfill via llama \(fallback\)$/m);
    expect(out).toMatch(/^blog +02:00Z +1h 40m +backfill$/m);
    expect(out).toContain(
      '1 of them filled later by a fallback: unserved at their time, so in no "Served by a fallback" stretch.',
    );
    expect(out).toContain('No gaps: every slot was served (1 by a fallback, below).');
  });
});

describe('gaps: an out-of-config period with no slot left unjudged', () => {
  it('gives no line for it (a window that starts after its slots)', async () => {
    const out = await render(
      report({
        jobs: [
          job('stories', {
            outOfConfig: [{ after: '2026-12-07T01:40:00.000Z', until: '2026-12-07T03:10:00.000Z' }],
            notJudgedOutOfConfig: 0,
          }),
        ],
      }),
    );
    expect(out).not.toContain('Not judged while out of the config');
  });
});
