import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Fast unit tests: no servers, no subprocess-heavy runs, no full synth. */
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
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/**/*.integration.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
