import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@callplane/server/database/embedded.ts';
import { cli, errorOutput, gql, KEY, spawnServer, type Spawned } from './process.js';

/**
 * `pnpm start` on a machine without DATABASE_URL: embedded PostgreSQL with its data kept in
 * CALLPLANE_DATA_DIR; a kill -9 of node leaves PostgreSQL running (STACK trap 3), and the next
 * start recovers. Under /tmp with mode 755, since PostgreSQL runs as `postgres` when we are root.
 */
const dataDir = mkdtempSync('/tmp/callplane-runtime-');
chmodSync(dataDir, 0o755);
const pidFile = join(dataDir, 'pg', 'postmaster.pid');
const started: Spawned[] = [];

afterAll(() => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGQUIT');
    } catch {
      /* gone */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const port = await freePort();
  const p = spawnServer('main', [], { CALLPLANE_DATA_DIR: dataDir, PORT: String(port) });
  started.push(p);
  await p.waitFor(/Callplane listening on/, 120_000);
  return { p, url: `http://127.0.0.1:${port}` };
}

describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  it('starts with its data in CALLPLANE_DATA_DIR, survives kill -9 of node, is shared with the CLI, and stops with the server', { timeout: 240_000 }, async () => {
    const first = await start();
    expect(first.p.stdout()).toMatch(/using embedded PostgreSQL 18 at \S+\/pg on port \d+; migrations applied: 2026_11_25_0001_foundation/);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const key = first.p.stdout().match(KEY)![0];
    expect(existsSync(pidFile)).toBe(true);

    first.p.child.kill('SIGKILL');
    await first.p.exited;
    expect(existsSync(pidFile)).toBe(true); // PostgreSQL outlived node

    const second = await start();
    expect(second.p.stdout()).toMatch(/left running by an earlier Callplane .*: restarting it/);
    expect(second.p.stdout()).toMatch(/using embedded PostgreSQL 18 .*; migrations applied: none pending/);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    // the data was kept: the first start's key still works, and no new key was made
    expect(second.p.stdout().match(KEY)).toBeNull();
    expect(await gql(second.url, '{ viewer { role } }', key)).toEqual({ data: { viewer: { role: 'OPERATOR' } } });

    // the CLI next to a running server shares its PostgreSQL and leaves it running
    const listed = await cli(['key', 'list'], { CALLPLANE_DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('started by the Callplane already running there');
    expect(listed.stdout).toMatch(/OPERATOR\s+active/);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);

    second.p.child.kill('SIGTERM');
    expect((await second.p.exited).code).toBe(0);
    expect(errorOutput(second.p)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false); // PostgreSQL stopped with the server
  });
});
