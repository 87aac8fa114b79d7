/** One in-process provider simulator per test file, started before its tests and closed after them. */
import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/server.js';

/**
 * Registers beforeAll/afterAll hooks in the calling file and returns a stand-in that forwards to the
 * started simulator, so tests keep writing `sim.url` and `sim.setScript(...)`. Read it only inside
 * hooks and tests (after the file's beforeAll), never while the file is being collected.
 */
export function useSimulator(options: SimulatorOptions = {}): Simulator {
  let started: Simulator | undefined;
  beforeAll(async () => {
    started = await startSimulator(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Simulator, {
    get(_, key) {
      if (!started)
        throw new Error(`the simulator is not started yet (sim.${String(key)} read outside a hook or test)`);
      const value: unknown = Reflect.get(started, key);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
