import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal, gid } from '../support/graphql.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const EVENTS = `subscription($after: String) { events(after: $after) { cursor type subjectId payload } }`;
const createTenant = (name: string) => t.gql(`mutation($n: String!) { createTenant(name: $n) { id } }`, { n: name });

/** Opens a raw graphql-ws socket and reports how the server closed it. */
function closeCodeFor(connectionParams: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

describe('subscriptions over graphql-ws (RT3)', () => {
  it('a missing or bad key closes the socket with 4403', async () => {
    expect(await closeCodeFor({})).toBe(4403);
    expect(await closeCodeFor({ authorization: 'Bearer cp_000000000000_wrong-wrong-wrong-wrong' })).toBe(4403);
  });

  it('a client that reconnects with its last cursor receives exactly the missed events, then live ones', async () => {
    const first = collect<{ events: { cursor: string; type: string; subjectId: string } }>(t.wsClient(t.operatorKey), EVENTS, { after: await t.cursor() });
    await createTenant('R1');
    await first.waitFor(() => first.items.some((x) => x.events.type === 'TENANT_CREATED'));
    const lastSeen = first.items.at(-1)!.events;
    first.unsubscribe();

    const missed = [await createTenant('R2'), await createTenant('R3')].map((r) => fromGlobal(r.data.createTenant.id));
    const second = collect<{ events: { cursor: string; subjectId: string } }>(t.wsClient(t.operatorKey), EVENTS, { after: lastSeen.cursor });
    await second.waitFor(() => second.items.length >= 2);
    const live = fromGlobal((await createTenant('R4')).data.createTenant.id);
    // a later event that must come last: whatever was repeated or reordered arrives before it
    const last = fromGlobal((await createTenant('R5')).data.createTenant.id);
    await second.waitFor(() => second.items.some((i) => i.events.subjectId === last));
    const ids = second.items.map((i) => i.events.subjectId);
    // exactly the two missed tenants, then the live ones: nothing lost, nothing repeated
    expect(ids).toEqual([...missed, live, last]);
    expect(new Set(second.items.map((i) => i.events.cursor)).size).toBe(second.items.length);
  });

  it("a tenant's subscription never carries another tenant's events", async () => {
    const a = await t.tenant('IsoA');
    const b = await t.tenant('IsoB');
    const sub = collect<{ events: { subjectId: string } }>(t.wsClient(a.keys.supervisor), EVENTS, { after: await t.cursor() });
    await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: gid('ApiKey', b.partner.keyId) });
    await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: gid('ApiKey', a.partner.keyId) });
    // B's revocation committed first: had it been delivered, it would have come before A's
    await sub.waitFor(() => sub.items.some((i) => i.events.subjectId === a.partner.keyId));
    const subjects = sub.items.map((i) => i.events.subjectId);
    expect(subjects).toContain(a.partner.keyId);
    expect(subjects).not.toContain(b.partner.keyId);
    expect(subjects).not.toContain(b.tenantId);
  });

  it('revoking a key closes its open sockets within a few seconds', async () => {
    const a = await t.tenant('Revoked Co');
    let connected!: () => void;
    const open = new Promise<void>((r) => (connected = r));
    const closed = new Promise<number>((resolve) => {
      const client = t.wsClient(a.keys.supervisor, { on: { connected: () => connected(), closed: (e) => resolve((e as { code: number }).code) } });
      collect(client, EVENTS);
    });
    await open;
    const res = await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }`, { k: gid('ApiKey', a.supervisor.keyId) });
    expect(res.errors).toBeUndefined();
    expect(await closed).toBe(4403);
  });
});
