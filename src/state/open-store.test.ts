import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileStore } from './file-store.js';
import { FallbackStore } from './open-store.js';
import { runStoreContract, storeFixture } from './store-contract.js';

// A run whose Redis was unreachable at start: every operation goes to the file store through the
// FallbackStore, which must keep the whole contract (the Redis-primary case is in redis-store.test.ts).
runStoreContract('fallback, fallen back to the file store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lucy-ops-fallback-contract-'));
  const open = async (opts: { readOnly?: boolean } = {}) =>
    FallbackStore.alreadyFallenBack(await openFileStore(dir, opts), 'redis unavailable; using the file store');
  return storeFixture(open, () => rm(dir, { recursive: true, force: true }));
});
