import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileStore } from './file-store.js';
import { FallbackStore } from './open-store.js';
import { runStoreContract } from './store-contract.js';
import type { StateStore } from './types.js';

// A run whose Redis was unreachable at start: every operation goes to the file store through the
// FallbackStore, which must keep the whole contract (the Redis-primary case is in redis-store.test.ts).
runStoreContract('fallback, fallen back to the file store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-fallback-contract-'));
  const open = async (opts: { readOnly?: boolean } = {}) =>
    FallbackStore.alreadyFallenBack(await openFileStore(dir, opts), 'redis unavailable; using the file store');
  const opened: StateStore[] = [await open()];
  return {
    store: opened[0],
    openAnother: async (opts) => opened[opened.push(await open(opts)) - 1],
    cleanup: async () => {
      await Promise.all(opened.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});
