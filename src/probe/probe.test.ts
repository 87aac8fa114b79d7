/**
 * The probe asks the provider registry it is given for each provider's client, never a client
 * module: a fake client here stands in for the API, with the probe's own bound on each attempt.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../test/helpers/memory-store.js';
import { ManualClock } from '../clock.js';
import type { ResolvedProvider } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { openJobContext } from '../jobs/context.js';
import type { ProviderClient } from '../providers/client.js';
import { providerRegistry } from '../providers/registry.js';
import { ProviderError } from '../providers/types.js';
import { probeProviders } from './probe.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-probe-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('probeProviders with an injected client registry', () => {
  it('each provider is probed through the registry, bounded by the probe timeout; answers and failures are reported', async () => {
    const config = resolveConfig(
      {
        providers: [
          { name: 'p1', baseUrl: 'http://fake.invalid/v1', model: 'm1' },
          { name: 'p2', api: 'openai', baseUrl: 'http://fake.invalid/v1', model: 'm2', timeoutMs: 60_000 },
        ],
        log: path.join(dir, 'jobs.jsonl'),
      },
      path.join(dir, 'lucy-ops.config.json'),
      () => undefined,
    );
    const seen: Array<Pick<ResolvedProvider, 'name' | 'timeoutMs' | 'idleTimeoutMs'>> = [];
    const fake: ProviderClient = {
      async complete(p) {
        seen.push({ name: p.name, timeoutMs: p.timeoutMs, idleTimeoutMs: p.idleTimeoutMs });
        if (p.name === 'p2') throw new ProviderError('auth', 'HTTP 401 from p2', { httpStatus: 401 });
        return { content: '.', finishReason: 'length', model: 'm1-answered' };
      },
      async close() {},
    };
    const ctx = await openJobContext(config, {
      store: memoryStore(),
      clock: new ManualClock(Date.parse('2026-04-19T14:00:00Z')),
      env: {},
      warn: () => {},
    });
    try {
      const results = await probeProviders(ctx, { timeoutMs: 2500, clients: providerRegistry({ openai: fake }) });
      expect(seen.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'p1', timeoutMs: 2500, idleTimeoutMs: 2500 },
        { name: 'p2', timeoutMs: 2500, idleTimeoutMs: 2500 },
      ]);
      expect(results[0]).toMatchObject({ provider: 'p1', ok: true, answeredBy: 'm1-answered', breaker: 'closed' });
      expect(results[1]).toMatchObject({ provider: 'p2', ok: false, errorType: 'auth', httpStatus: 401 });
      expect(results[1].error).toMatch(/^HTTP 401 from p2/);
    } finally {
      ctx.log.close();
    }
  });
});
