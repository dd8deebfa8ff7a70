import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authenticate, connect, ManualClock, type Db } from '@callplane/schema';
import { createTestDatabase } from '../support/db.js';
import { admin, withDb } from '../support/global-setup.js';
import { cli, errorOutput, spawnServer } from './process.js';

/** `pnpm callplane <command>` as a real process against a test database. */
let database: { url: string; drop(): Promise<void> };
let conn: Db;
let env: Record<string, string>;
const clock = new ManualClock();

beforeAll(async () => {
  database = await createTestDatabase();
  conn = connect(database.url, { max: 2 });
  env = { DATABASE_URL: database.url };
});
afterAll(async () => {
  await conn?.close();
  await database?.drop();
});

const whoIs = (secret: string) => authenticate({ db: conn.db, clock }, secret);

describe('the CLI (pnpm callplane)', { timeout: 120_000 }, () => {
  it('migrate applies every migration to an empty database, then finds it up to date', async () => {
    const adminUrl = inject('adminUrl');
    const name = `callplane_${inject('runId')}_cli_${process.pid}_${Date.now().toString(36)}`;
    await admin(adminUrl, `create database ${name}`);
    try {
      const emptyEnv = { DATABASE_URL: withDb(adminUrl, name) };
      const first = await cli(['migrate'], emptyEnv);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^applied \d+ migration\(s\): 2026_11_25_0001_foundation/);
      const again = await cli(['migrate'], emptyEnv);
      expect(again.code).toBe(0);
      expect(again.stdout.trim()).toBe('the database is up to date');
    } finally {
      await admin(adminUrl, `drop database if exists ${name} with (force)`);
    }
  });

  it('key create prints a working key once; key list shows it without the secret; key revoke ends it', async () => {
    const made = await cli(['key', 'create', '--role', 'OPERATOR', '--label', 'cli-test', '--json'], env);
    expect(made.code).toBe(0);
    const created = JSON.parse(made.stdout);
    expect(created).toMatchObject({ role: 'OPERATOR', tenantId: null });
    expect(await whoIs(created.secret)).toMatchObject({ role: 'OPERATOR', keyId: created.keyId });

    const listed = await cli(['key', 'list', '--prefix', created.prefix], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(created.prefix);
    expect(listed.stdout).toMatch(/active/);
    expect(listed.stdout).not.toContain(created.secret);

    const revoked = await cli(['key', 'revoke', created.prefix], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked key ${created.prefix}`);
    expect(await whoIs(created.secret)).toBeNull();
    const row = await conn.db.selectFrom('api_keys').select('revoked_at').where('id', '=', created.keyId).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();

    const twice = await cli(['key', 'revoke', created.keyId], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already revoked/);
  });

  it('tenant create, then a tenant key by tenant name, with an expiry; a tenant role without --tenant is refused', async () => {
    const t = await cli(['tenant', 'create', 'CLI Test Co'], env);
    expect(t.code).toBe(0);
    const tenantId = /with id ([0-9a-f-]{36})/.exec(t.stdout)![1]!;

    const made = await cli(['key', 'create', '--role', 'SUPERVISOR', '--tenant', 'CLI Test Co', '--name', 'Sue', '--expires-in-days', '7'], env);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('in tenant "CLI Test Co"');
    const secret = /^  (cp_\S+)$/m.exec(made.stdout)![1]!;
    expect(await whoIs(secret)).toMatchObject({ role: 'SUPERVISOR', tenantId });
    const key = await conn.db.selectFrom('api_keys').select('expires_at').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    expect(key.expires_at!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const refused = await cli(['key', 'create', '--role', 'PARTNER'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs --tenant/);
  });

  it('seed-demo is idempotent: keys on the first run only', async () => {
    const first = await cli(['seed-demo'], env);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/key: cp_/g)).toHaveLength(3);
    const second = await cli(['seed-demo'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already there');
    expect(second.stdout).not.toMatch(/key: cp_/);
  });

  it('worker runs jobs standalone and stops on SIGTERM with exit 0', async () => {
    const w = spawnServer('cli', ['worker'], env);
    await w.waitFor(/worker running \d+ task types/);
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    expect(code).toBe(0);
    expect(w.stdout()).toContain('worker stopped');
    expect(errorOutput(w)).toEqual([]);
  });
});
