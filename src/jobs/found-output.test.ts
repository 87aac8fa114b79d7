/**
 * backfill records a slot whose output is already in place as served only when that output is
 * older than its plan: a newer one was written by a run racing the backfill (which logged its own
 * run.end), and recording it again would double the slot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerateJob } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { openJobContext } from './context.js';
import { FOUND_OUTPUT, generateSlot } from './generate.js';

async function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-found-'));
  const config = resolveConfig(
    {
      providers: [{ name: 'p', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
      jobs: { blog: { schedule: '0 * * * *', outDir: 'out', prompt: 'x' } },
    },
    path.join(dir, 'lucy-ops.config.json'),
    () => undefined,
  );
  const ctx = await openJobContext(config, { warn: () => undefined, afterRun: [] });
  const slot = new Date('2026-04-19T14:00:00Z');
  fs.mkdirSync(path.join(dir, 'out'));
  const file = path.join(dir, 'out', '2026-04-19T1400Z--x.md');
  fs.writeFileSync(file, '---\n---\nx\n');
  return { ctx, job: config.jobs.blog as GenerateJob, slot, file };
}

describe('backfill and an output already in place', () => {
  it('an output older than the plan (its run.end was lost) is recorded as served', async () => {
    const { ctx, job, slot, file } = await project();
    const plannedAt = fs.statSync(file).mtimeMs + 1000;
    const r = await generateSlot(ctx, job, slot, { trigger: 'backfill', recordFoundOutput: true, plannedAt });
    expect(r).toMatchObject({ status: 'ok', output: file, reason: `${FOUND_OUTPUT}: recorded as served` });
    await ctx.store.close();
  });

  it('an output written after the plan (a racing cron run) is skipped as served, not recorded again', async () => {
    const { ctx, job, slot, file } = await project();
    const plannedAt = fs.statSync(file).mtimeMs - 1000;
    const r = await generateSlot(ctx, job, slot, { trigger: 'backfill', recordFoundOutput: true, plannedAt });
    expect(r).toMatchObject({ status: 'skipped', output: file });
    expect(r.reason).toMatch(/^already served/);
    await ctx.store.close();
  });
});
