import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerateJob, ResolvedProvider } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { closeProviderAgent } from '../providers/openai-compatible.js';
import { startSimulator } from '../sim/server.js';
import { openJobContext } from './context.js';
import { generateSlot, missingKeysError } from './generate.js';

const provider = (name: string, apiKeyEnv?: string): ResolvedProvider => ({
  name,
  baseUrl: 'http://127.0.0.1:1/v1',
  model: name,
  apiKeyEnv,
  timeoutMs: 1,
  idleTimeoutMs: 1,
  maxResponseBytes: 1024,
  stream: false,
});

describe('missingKeysError (the log and alert line of a run whose keys are missing)', () => {
  it('names each unset variable once, with the providers that need it, never a value', () => {
    const chain = [
      provider('a', 'SHARED_KEY'),
      provider('b', 'OTHER_KEY'),
      provider('c', 'SHARED_KEY'),
      provider('local'),
    ];
    expect(missingKeysError(chain, { OTHER_KEY: 'sk-present-value' })).toBe(
      'configuration error: environment variable SHARED_KEY is not set (needed by a, c)',
    );
    expect(missingKeysError(chain, { SHARED_KEY: '' })).toBe(
      'configuration error: environment variable SHARED_KEY is empty (needed by a, c); environment variable OTHER_KEY is not set (needed by b)',
    );
  });
});

describe('generateSlot when the answer cannot be written', () => {
  it('is a failed run that still names the provider that answered (its attempts too)', async () => {
    const sim = await startSimulator();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-unwritable-'));
    try {
      const config = resolveConfig(
        {
          providers: [{ name: 'sim', baseUrl: sim.url, model: 'm' }],
          jobs: { blog: { schedule: '0 * * * *', outDir: 'out', prompt: 'x' } },
        },
        path.join(dir, 'lucy-ops.config.json'),
        () => undefined,
      );
      // a file where the output folder should be: nothing can be written into it
      fs.writeFileSync(path.join(dir, 'out'), '');
      const ctx = await openJobContext(config, { warn: () => undefined, afterRun: [] });
      const r = await generateSlot(ctx, config.jobs.blog as GenerateJob, new Date('2026-04-19T14:00:00Z'));
      await ctx.store.close();
      ctx.log.close();
      expect(r).toMatchObject({ status: 'failed', provider: 'sim', model: 'm', output: null });
      expect(r.attempts).toMatchObject([{ provider: 'sim', outcome: 'ok' }]);
      expect(r.error).toMatch(/ENOTDIR|EEXIST|not a directory/);
      const end = fs
        .readFileSync(config.log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .at(-1);
      expect(end).toMatchObject({ event: 'run.end', outcome: 'failed', error: r.error });
    } finally {
      await sim.close();
      await closeProviderAgent();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
