import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A budget, never an assertion: end-to-end tests spawn real CLI processes, and on a 2-core
    // machine shared with other suites (load average 10-30) a test that takes 3 s idle can take
    // well over a minute. A test that asserts a time bound asserts it itself.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // end-to-end tests spawn the built CLI; two cores, so keep parallelism modest
    maxWorkers: 2,
  },
});
