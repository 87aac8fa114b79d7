/** The memory store keeps the contract of the real stores, so unit tests above it mean what they say. */
import { expect, it } from 'vitest';
import { runStoreContract, storeFixture } from '../../src/state/store-contract.js';
import { memoryStore } from './memory-store.js';

runStoreContract('memory (test helper)', () => {
  const first = memoryStore();
  let opened = 0;
  return storeFixture(async (opts) => (opened++ === 0 ? first : first.openAnother(opts)));
});

it('a value read from the store is a copy: changing it changes nothing stored', async () => {
  const store = memoryStore();
  await store.update('breaker:a', () => ({ state: 'closed', consecutiveFailures: 1 }));
  const read = (await store.get<{ consecutiveFailures: number }>('breaker:a'))!;
  read.consecutiveFailures = 99;
  await store.update<{ consecutiveFailures: number }>('breaker:a', (current) => {
    current!.consecutiveFailures++;
    return current;
  });
  expect(await store.get('breaker:a')).toEqual({ state: 'closed', consecutiveFailures: 2 });
});
