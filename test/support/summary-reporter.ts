import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * Prints the closing line CI reads: `N passed, N failed[, N skipped]`. Failed counts each failed
 * test, each file or describe block that failed outside its tests (while loading, in beforeAll or
 * afterAll) and each unhandled error; skipped tests never count as passed. Whenever vitest ends
 * the run as failed (and so exits non-zero), the line says at least 1 failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>, reason: TestRunEndReason) {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    for (const m of modules) {
      for (const block of [m, ...m.children.allSuites()]) if (block.errors().length) failed++;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
    }
    if (reason !== 'passed' && failed === 0) failed = 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
