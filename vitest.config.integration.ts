import { defineConfig } from 'vitest/config';

/** Integration tests: real S3 servers on loopback, real subprocesses, real `cdk synth`. */
export default defineConfig({
  test: {
    // The lockfile pins AWS SDK releases that support Node 20; keep their notice about Node 22 out of the logs.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    include: ['test/**/*.integration.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
