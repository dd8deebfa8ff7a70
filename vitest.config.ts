import { defineConfig } from 'vitest/config';

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url + '/../packages/schema/');

export default defineConfig({
  // graphql ships CJS and ESM builds; node_modules (Pothos, yoga) load the CJS one, so source files
  // must too, or instanceof checks fail across the two copies ("another module or realm").
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
