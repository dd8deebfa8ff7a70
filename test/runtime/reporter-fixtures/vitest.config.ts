import { defineConfig } from 'vitest/config';

/** Runs the fixture suites of reporter.test.ts with the summary reporter, nothing else. */
export default defineConfig({
  test: {
    include: ['*.fixture.ts'],
    reporters: ['../../support/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
