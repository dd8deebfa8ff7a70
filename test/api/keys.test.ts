import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

describe('keys, tenants and roles (DESIGN §1)', () => {
  it('an OPERATOR key identifies itself through viewer', async () => {
    const r = await t.gql('{ viewer { role tenantId } }');
    expect(r).toEqual({ data: { viewer: { role: 'OPERATOR', tenantId: null } } });
  });

  it('a bad key is refused with UNAUTHENTICATED and 401', async () => {
    const res = await t.app.yoga.fetch('http://x/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer cp_000000000000_nope-nope-nope-nope' },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('no key: protected fields answer UNAUTHENTICATED, never a masked error', async () => {
    const r = await t.gql('{ viewer { role } }', {}, null);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an OPERATOR creates a tenant, a user and a key shown once; the key works and can be revoked', async () => {
    const tenant = await t.gql(`mutation { createTenant(name: "Beta") { id name } }`);
    expect(tenant.data.createTenant.name).toBe('Beta');
    const user = await t.gql(`mutation($t: ID!) { createUser(tenantId: $t, name: "Ann", email: "ann@beta.example", role: TENANT_ADMIN) { id role } }`, {
      t: tenant.data.createTenant.id,
    });
    expect(user.errors).toBeUndefined();
    const key = await t.gql(`mutation($u: ID!) { createApiKey(userId: $u, label: "ci") { secret key { id prefix label } } }`, { u: user.data.createUser.id });
    const secret: string = key.data.createApiKey.secret;
    expect(secret.startsWith(`cp_${key.data.createApiKey.key.prefix}_`)).toBe(true);
    const me = await t.gql('{ viewer { role tenantId } }', {}, secret);
    expect(me.data.viewer.role).toBe('TENANT_ADMIN');
    const listed = await t.gql(`query($p: String) { apiKeys(prefix: $p) { edges { node { prefix lastUsedAt } } } }`, { p: key.data.createApiKey.key.prefix });
    expect(listed.data.apiKeys.edges).toHaveLength(1);
    expect(listed.data.apiKeys.edges[0].node.lastUsedAt).not.toBeNull();
    await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }`, { k: key.data.createApiKey.key.id });
    const after = await t.gql('{ viewer { role } }', {}, secret);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a SUPERVISOR cannot mutate; input errors name the field', async () => {
    const acme = await t.tenant('Acme');
    const r = await t.gql(`mutation { createTenant(name: "X") { id } }`, {}, acme.keys.supervisor);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await t.gql(`mutation { createUser(name: "A", email: "not-an-email", role: SUPERVISOR) { id } }`, {}, acme.keys.admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'email' });
  });
});

describe('tenant isolation of tenants, users and keys', () => {
  it("a tenant's keys see only their own tenant, users and keys", async () => {
    const a = await t.tenant('IsoKeysA');
    const b = await t.tenant('IsoKeysB');
    const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

    const keys = await t.gql(`{ apiKeys(first: 100) { edges { node { id role } } } }`, {}, a.keys.admin);
    expect(keys.data.apiKeys.edges).toHaveLength(3);
    const bKey = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: gid('ApiKey', b.admin.keyId) }, a.keys.admin);
    expect(bKey.data?.node ?? null).toBeNull();
    const bUser = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: gid('User', b.admin.userId!) }, a.keys.admin);
    expect(bUser.data?.node ?? null).toBeNull();
    const bTenant = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: gid('Tenant', b.tenantId) }, a.keys.admin);
    expect(bTenant.data?.node ?? null).toBeNull();
    const ownTenant = await t.gql(`query($id: ID!) { node(id: $id) { ... on Tenant { name users { edges { node { name } } } } } }`, { id: gid('Tenant', a.tenantId) }, a.keys.supervisor);
    expect(ownTenant.data.node.name).toBe('IsoKeysA');
    expect(ownTenant.data.node.users.edges).toHaveLength(3);

    const list = await t.gql(`{ tenants { edges { node { id } } } }`, {}, a.keys.admin);
    expect(list.data.tenants.edges).toEqual([{ node: { id: gid('Tenant', a.tenantId) } }]);
    const revokeOther = await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: gid('ApiKey', b.admin.keyId) }, a.keys.admin);
    expect(revokeOther.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const keyForOther = await t.gql(`mutation($u: ID!) { createApiKey(userId: $u) { secret } }`, { u: gid('User', b.admin.userId!) }, a.keys.admin);
    expect(keyForOther.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const userInOther = await t.gql(`mutation($t: ID!) { createUser(tenantId: $t, name: "X", email: "x@x.example", role: SUPERVISOR) { id } }`, { t: gid('Tenant', b.tenantId) }, a.keys.admin);
    // another tenant is not visible to this key: refused as a missing one would be
    expect(userInOther.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'tenantId' });
  });

  it('an expired key is refused', async () => {
    const a = await t.tenant('Expiring');
    const soon = new Date(t.clock.now().getTime() + 60_000).toISOString();
    const k = await t.gql(`mutation($u: ID!, $e: DateTime) { createApiKey(userId: $u, expiresAt: $e) { secret } }`, {
      u: Buffer.from(`User:${a.admin.userId}`).toString('base64'),
      e: soon,
    });
    const secret = k.data.createApiKey.secret;
    expect((await t.gql('{ viewer { role } }', {}, secret)).data.viewer.role).toBe('TENANT_ADMIN');
    await t.gql(`mutation { advanceClock(seconds: 120) }`);
    expect((await t.gql('{ viewer { role } }', {}, secret)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
