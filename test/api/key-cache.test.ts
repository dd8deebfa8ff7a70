import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import { gid } from '../support/graphql.js';

// Resolved keys are kept a minute here, so that only the revocation itself can explain a refusal.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ settings: { actorCacheMs: 60_000 } });
});
afterAll(() => t?.stop());

const csv = (key: string) => fetch(`${t.url}/exports/numbers.csv`, { headers: { authorization: `Bearer ${key}` } });

describe('the resolved-key cache of the request path', () => {
  it('a revoked key is refused on the very next request, over GraphQL and the plain routes', async () => {
    const acme = await t.tenant('Cached Acme');
    const key = acme.keys.admin;
    // used twice: the second answer comes from the cache
    for (let i = 0; i < 2; i++) expect((await t.gql('{ viewer { role } }', {}, key)).data.viewer.role).toBe('TENANT_ADMIN');
    expect((await csv(key)).status).toBe(200);

    const revoked = await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }`, { k: gid('ApiKey', acme.admin.keyId) });
    expect(revoked.errors).toBeUndefined();

    expect((await t.gql('{ viewer { role } }', {}, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql('{ tenants { edges { node { id } } } }', {}, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await csv(key)).status).toBe(401);
    // the other keys of the tenant were forgotten too, and are looked up again: still valid
    expect((await t.gql('{ viewer { role } }', {}, acme.keys.supervisor)).data.viewer.role).toBe('SUPERVISOR');
  });

  it('a revocation by the service (CLI, jobs) on this process empties the cache as well', async () => {
    const beta = await t.tenant('Cached Beta');
    expect((await t.gql('{ viewer { role } }', {}, beta.keys.supervisor)).data.viewer.role).toBe('SUPERVISOR');
    await revokeApiKey(t.app.systemContext(), beta.supervisor.keyId);
    expect((await t.gql('{ viewer { role } }', {}, beta.keys.supervisor)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an unknown key is not remembered: a key made a moment later works at once', async () => {
    const gamma = await t.tenant('Cached Gamma');
    const secret = `cp_0123456789ab_${'k'.repeat(32)}`;
    expect((await t.gql('{ viewer { role } }', {}, secret)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await createApiKey(t.app.systemContext(), { userId: gamma.admin.userId!, secret });
    expect((await t.gql('{ viewer { role } }', {}, secret)).data.viewer.role).toBe('TENANT_ADMIN');
  });

  it('use is still recorded (lastUsedAt) although the key is served from the cache', async () => {
    const delta = await t.tenant('Cached Delta');
    await t.gql('{ viewer { role } }', {}, delta.keys.admin);
    const listed = await t.gql(`{ apiKeys(first: 10) { edges { node { id lastUsedAt } } } }`, {}, delta.keys.admin);
    const own = listed.data.apiKeys.edges.find((e: { node: { id: string } }) => e.node.id === gid('ApiKey', delta.admin.keyId));
    expect(own.node.lastUsedAt).not.toBeNull();
  });
});
