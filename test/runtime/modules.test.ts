import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allTasks, composeModules, MODULES } from '@callplane/schema/core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE_ENTRIES: Record<string, string> = {
  '@callplane/schema': 'packages/schema/src/index.ts',
  '@callplane/schema/core': 'packages/schema/src/core.ts',
};

/** Every file a source file loads, following relative imports and the schema package's entries. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    // value imports only: `import type` loads nothing at run time
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        visit(existsSync(ts) ? ts : resolve(dirname(file), spec));
      } else if (PACKAGE_ENTRIES[spec]) visit(join(ROOT, PACKAGE_ENTRIES[spec]!));
      else packages.add(spec);
    }
  };
  visit(join(ROOT, entry));
  return { files, packages };
}

describe('modules are composed explicitly (DESIGN §4)', () => {
  it('`pnpm callplane worker` knows every job without loading GraphQL', () => {
    const { files, packages } = importGraph('packages/server/src/cli/worker.ts');
    const graphqlFiles = [...files].filter((f) => /\.graphql\.ts$|[/\\]graphql[/\\]/.test(f));
    expect(graphqlFiles).toEqual([]);
    expect([...packages].filter((p) => /^(graphql|graphql-yoga|graphql-ws|@pothos\/)/.test(p))).toEqual([]);
    composeModules();
    const declared = MODULES.flatMap((m) => Object.keys(m.tasks ?? {}));
    expect([...allTasks().keys()]).toEqual(expect.arrayContaining(declared));
    expect(declared.sort()).toEqual(
      ['applications.activate', 'applications.allocate', 'applications.materialsDeadline', 'billing.expireOrder', 'jobs.sweepOverdue', 'numbers.termCheck', 'numbers.unsubscribe', 'outbox.send', 'instances.provision', 'privacy.expireBinding', 'webhooks.deliver', 'voice.failStaleMessage', 'voice.monthlyFee', 'statements.close'].sort(),
    );
  });

  it('no module registers anything on import: every registration is in the module list', () => {
    const offenders = [...importGraph('packages/schema/src/core.ts').files].filter(
      (f) => !f.endsWith('modules.ts') && /^(defineTask|defineSweep|onOrderLinePaid|onOrderLineClosed|registerUnsubscribeCheck)\(/m.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
