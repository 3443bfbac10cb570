import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Integration tests: real S3 servers on loopback, real subprocesses, real `cdk synth`. */
export default defineConfig({
  // Examples import the package by name, as users do; in tests that name means the sources.
  resolve: {
    alias: [
      { find: /^pipewright$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) },
      { find: /^pipewright\/constructs$/, replacement: fileURLToPath(new URL('./lib/constructs/index.ts', import.meta.url)) },
    ],
  },
  test: {
    // The lockfile pins AWS SDK releases that support Node 20; keep their notice about Node 22 out of the logs.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    include: ['test/**/*.integration.test.ts'],
    // They run the compiled CLI and pack the package: build dist/ from the current sources first.
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
