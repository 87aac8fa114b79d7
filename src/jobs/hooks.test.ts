import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { resolveConfig } from '../config/validate.js';
import { openJobContext, type AfterRunHook, type JobContext } from './context.js';
import { runAfterRunHooks } from './hooks.js';
import { runSlot } from './run-slot.js';

const SLOT = new Date('2026-04-19T14:00:00Z');
let open: JobContext | undefined;
afterEach(async () => {
  await open?.store.close();
  open?.log.close();
  open = undefined;
});

async function context(opts: { afterRun?: AfterRunHook[] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-hooks-'));
  const config = resolveConfig(
    {
      providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
      jobs: { blog: { schedule: '0 * * * *', command: ['true'] } },
    },
    path.join(dir, 'lucy-ops.config.json'),
    () => undefined,
  );
  const warnings: string[] = [];
  const ctx = await openJobContext(config, {
    clock: new ManualClock(SLOT.getTime()),
    warn: (m) => void warnings.push(m),
    ...opts,
  });
  open = ctx;
  return { ctx, warnings };
}

/** A hook that notes what it was told. */
function noting(name: string, seen: string[]): AfterRunHook {
  return { name, run: async (_ctx, { run, result }) => void seen.push(`${name}: ${run.job} ${result.status}`) };
}

describe('after-run hooks: a list on the job context', () => {
  it("runs every hook of the context's list after a run, each told the run and its result", async () => {
    const seen: string[] = [];
    const { ctx } = await context({ afterRun: [noting('one', seen), noting('two', seen)] });
    const r = await runSlot(ctx, 'blog', SLOT, 'cron', async () => ({ status: 'failed' as const, value: 7 }));
    expect(r).toMatchObject({ status: 'failed', value: 7, locked: false });
    expect(seen.sort()).toEqual(['one: blog failed', 'two: blog failed']);
  });

  it('a failing hook is one warning naming it; the others still run and the run keeps its outcome', async () => {
    const seen: string[] = [];
    const broken: AfterRunHook = {
      name: 'pager',
      run: () => {
        throw new Error('no route to pager');
      },
    };
    const { ctx, warnings } = await context({ afterRun: [broken, noting('metrics', seen)] });
    const r = await runSlot(ctx, 'blog', SLOT, 'cron', async () => ({ status: 'ok' as const }));
    expect(r.status).toBe('ok');
    expect(seen).toEqual(['metrics: blog ok']);
    expect(warnings).toEqual(['pager after the run failed: no route to pager']);
  });

  it('a skipped run runs no hook', async () => {
    const seen: string[] = [];
    const { ctx } = await context({ afterRun: [noting('one', seen)] });
    await runSlot(ctx, 'blog', SLOT, 'cron', async () => ({ status: 'skipped' as const, reason: 'served' }));
    expect(seen).toEqual([]);
  });

  it('an empty list runs none: three failures in a row raise no alert', async () => {
    const none = await context({ afterRun: [] });
    const lines: string[] = [];
    none.ctx.alertLine = (line) => void lines.push(line);
    for (let i = 0; i < 3; i++)
      await runSlot(none.ctx, 'blog', SLOT, 'cron', async () => ({ status: 'failed' as const }));
    expect(lines).toEqual([]);
  });

  it('a context that names no hooks gets the alerts hook (no metrics without metrics.textfile)', async () => {
    const { ctx } = await context();
    const lines: string[] = [];
    ctx.alertLine = (line) => void lines.push(line);
    const run = { runId: 'r1', job: 'blog', slot: SLOT.toISOString(), trigger: 'cron' as const, log: () => undefined };
    const failed = { status: 'failed' as const, fields: { error: 'boom' } };
    // the default threshold is 3 failures in a row: the third alerts
    for (let i = 0; i < 3; i++) await runAfterRunHooks(ctx, { run: { ...run, runId: `r${i}` }, result: failed });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lucy-ops: ALERT job-failing: blog/);
  });
});
