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
