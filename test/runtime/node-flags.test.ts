import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '@callplane/server/runtime/node-flags.ts';
import { repoRoot } from './process.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const flags = SERVER_NODE_FLAGS.join(' ');

describe('the V8 flags the server runs with (runtime/node-flags.ts)', () => {
  it('pnpm start (both package.json scripts) and every node command of the README that starts main.ts pass them', () => {
    for (const pkg of ['package.json', 'packages/server/package.json']) expect(JSON.parse(read(pkg)).scripts.start, pkg).toMatch(new RegExp(`^exec node ${flags} --import tsx (packages/server/)?src/main\\.ts$`));
    const commands = read('README.md').replace(/\s*\n\s*/g, ' ').match(/node [^`]*?main\.ts/g) ?? [];
    expect(commands.length).toBeGreaterThan(1);
    for (const c of commands) expect(c).toContain(`node ${flags} --import tsx`);
  });
});
