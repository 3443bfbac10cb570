import { defineConfig } from 'vitest/config';

/** Fast unit tests: no servers, no subprocess-heavy runs, no full synth. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/**/*.integration.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
