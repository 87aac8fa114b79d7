import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The passing drill is run by test/drill.e2e.test.ts through the built CLI.
import { keepDirProblem, runDrill } from './run.js';
import { CHAIN, OUTAGE, OUTAGE_SCRIPT, PRIMARY } from './scenario.js';

describe('runDrill in-process', () => {
  it('fails, naming the checks, when the afternoon goes differently (the first fallback is down too)', async () => {
    const fallbackDown = {
      ...OUTAGE_SCRIPT,
      [CHAIN[1]]: [{ fault: { kind: 'status' as const, status: 503 }, from: OUTAGE.from, until: OUTAGE.until }],
    };
    const report = await runDrill({ script: fallbackDown });
    expect(report.ok).toBe(false);
    expect(report.acts.find((a) => a.name === 'before')!.ok).toBe(true); // act 1 never calls the fallback
    expect(report.failedChecks).toContain('after: the outage slots were served by the first fallback, marked degraded');
    const check = report.acts[1].checks.find((c) => c.name.startsWith('the outage slots'))!;
    expect(JSON.stringify(check.actual)).toContain(CHAIN[2]);
  });

  it('keeps artefacts only in a new or empty folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-keep-'));
    expect(keepDirProblem(path.join(dir, 'new'))).toBeUndefined();
    expect(keepDirProblem(dir)).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'x'), '');
    expect(keepDirProblem(dir)).toMatch(/not empty/);
    expect(keepDirProblem(path.join(dir, 'x'))).toMatch(/not a folder/);
    fs.rmSync(dir, { recursive: true });
    expect(PRIMARY).toBe(CHAIN[0]);
  });
});
