import { defineConfig } from 'vitest/config';

/** Integration tests: real S3 servers on loopback, real subprocesses, real `cdk synth`. */
export default defineConfig({
  test: {
    include: ['test/**/*.integration.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
