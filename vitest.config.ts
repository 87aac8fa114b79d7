import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // end-to-end tests spawn the built CLI; two cores, so keep parallelism modest
    maxWorkers: 2,
  },
});
