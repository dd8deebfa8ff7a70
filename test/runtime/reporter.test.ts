import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './process.js';

/**
 * The closing line CI reads (test/support/summary-reporter.ts), checked on the small suites in
 * reporter-fixtures/ run by a real vitest: it agrees with vitest's exit code, and a suite that
 * fails outside its tests counts as failed.
 */
const fixtures = join(repoRoot, 'test/runtime/reporter-fixtures');

function runVitest(filter: string): Promise<{ code: number | null; closingLine: string; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', filter], { cwd: fixtures, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, output, closingLine: output.trim().split('\n').at(-1) ?? '' })),
  );
}

describe('the summary line', { timeout: 60_000 }, () => {
  it('all tests pass: counts them with 0 failed, and vitest exits 0', async () => {
    const run = await runVitest('passing.fixture.ts');
    expect(run.closingLine, run.output).toBe('2 passed, 0 failed');
    expect(run.code).toBe(0);
  });

  it.each([
    ['failing.fixture.ts', 'a failed test', '1 passed, 1 failed'],
    ['throws-at-import.fixture.ts', 'a file that throws while loading', '0 passed, 1 failed'],
    ['before-all-throws.fixture.ts', 'a describe block whose beforeAll throws', '1 passed, 1 failed, 2 skipped'],
    ['after-all-throws.fixture.ts', 'a file whose afterAll throws after its tests passed', '1 passed, 1 failed'],
    ['unhandled.fixture.ts', 'an unhandled rejection in a passing test', '1 passed, 1 failed'],
  ])('%s (%s) counts as failed, and vitest exits non-zero', async (file, _what, line) => {
    const run = await runVitest(file);
    expect(run.closingLine, run.output).toBe(line);
    expect(run.code).toBe(1);
  });
});
