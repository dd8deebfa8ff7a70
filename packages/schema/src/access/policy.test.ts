import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../test/support/context.js';
import { readableEvents } from '../../../../test/support/events.js';
import { inTransaction } from '../db/transaction.js';
import { SYSTEM, type Actor } from './actor.js';
import { READ_POLICY } from './policy.js';
import { eventScope, scopedFrom, systemDb } from './scope.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const world = withAcmeAndBeta();

const partnerOf = (t: TenantFixture, appId: string | null): Actor => ({ ...t.partner, appId });
const APP_1 = '11111111-1111-4111-8111-111111111111';
const APP_2 = '22222222-2222-4222-8222-222222222222';

describe('the read policy in the data path (DESIGN §1)', () => {
  it('§1: no service reaches the database around the policy: every read of a key goes through scopedFrom', () => {
    // The unscoped handle is `systemDb(ctx)` (jobs, CLI, key checks); access/scope.ts builds the
    // scoped reads from it and db/transaction.ts opens transactions on it (whose reads again go
    // through scopedFrom / lockScoped). The events module reads its table with eventScope's
    // filter, the policy entry of `events`, so its readers take the handle as a parameter.
    const allowed = [join('access', 'scope.ts'), join('db', 'transaction.ts'), join('modules', 'events')];
    const offenders = sourceFiles(SRC)
      .filter((f) => !allowed.some((a) => f.includes(a)))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${relative(SRC, f)}:${i + 1}`, line }))
          .filter(({ line }) => /\bctx\.db\b/.test(line) && !/systemDb\(ctx\)/.test(line)),
      );
    expect(offenders).toEqual([]);
  });

  it('§1: systemDb is for system work: a key’s context is refused', () => {
    expect(systemDb({ db: world.w.db, actor: null })).toBe(world.w.db);
    expect(systemDb({ db: world.w.db, actor: SYSTEM })).toBe(world.w.db);
    expect(() => systemDb({ db: world.w.db, actor: world.acme.admin })).toThrow(/system work/);
  });

  it('§1: rows of each table by role: own tenant, every tenant, or none (PARTNER: no personal data)', async () => {
    const count = async (actor: Actor, table: 'qualifications' | 'users' | 'api_keys' | 'tenants') =>
      (await scopedFrom(world.w.ctx(actor), table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    // seedTenant made three users and keys per tenant
    expect(await count(world.acme.admin, 'users')).toBe('3');
    expect(await count(world.acme.supervisor, 'users')).toBe('3');
    expect(await count(SYSTEM, 'users')).toBe('6');
    expect(await count(world.acme.supervisor, 'api_keys')).toBe('0');
    expect(await count(world.acme.admin, 'api_keys')).toBe('3');
    expect(await count(partnerOf(world.acme, APP_1), 'users')).toBe('0');
    expect(await count(partnerOf(world.acme, APP_1), 'tenants')).toBe('0');
    expect(await count(world.beta.admin, 'tenants')).toBe('1');
    for (const table of Object.keys(READ_POLICY) as (keyof typeof READ_POLICY)[])
      if (READ_POLICY[table].read.PARTNER === 'NONE')
        expect(await scopedFrom(world.w.ctx(partnerOf(world.acme, APP_1)), table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: '0' });
  });

  it('§1: a PARTNER sees the events of its own app only; a PARTNER of no app sees none', async () => {
    for (const [appId, subjectId] of [[APP_1, 'app-1'], [APP_2, 'app-2'], [null, 'tenant-only']] as const)
      await inTransaction(world.w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId: world.acme.tenantId, appId, subjectId, payload: {} }));
    await inTransaction(world.w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId: world.beta.tenantId, appId: APP_1, subjectId: 'beta-app-1', payload: {} }));
    const seen = async (actor: Actor) => (await readableEvents(world.w.db, { ...eventScope(actor), types: ['TENANT_CREATED'] })).map((e) => e.subjectId);
    expect(await seen(partnerOf(world.acme, APP_1))).toEqual(['app-1']);
    expect(await seen(partnerOf(world.acme, APP_2))).toEqual(['app-2']);
    expect(await seen(partnerOf(world.acme, null))).toEqual([]);
    expect(await seen(world.acme.supervisor)).toEqual(expect.arrayContaining(['app-1', 'app-2', 'tenant-only']));
    expect(await seen(world.acme.supervisor)).not.toContain('beta-app-1');
  });
});
