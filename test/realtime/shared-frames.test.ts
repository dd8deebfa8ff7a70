import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRenders } from '@callplane/schema';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal, gid } from '../support/graphql.js';

/**
 * RT5 over graphql-ws: subscriptions with the same document, variables (but `after`) and access
 * scope share one execution of each event and its serialised payload; each still receives exactly
 * the events its own cursor and filter allow.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const createTenant = async (name: string) => fromGlobal((await t.gql(`mutation($n: String!) { createTenant(name: $n) { id } }`, { n: name })).data.createTenant.id);

describe('RT5: one execution per event for alike subscriptions', () => {
  it('RT5: identical subscriptions with different `after` each get exactly their own events, and each live event is executed once', async () => {
    const CREATED = `subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { cursor subjectId } }`;
    type Item = { events: { cursor: string; subjectId: string } };
    // exact positions from events themselves (eventCursor may lag while other transactions of the cluster are open)
    const probe = collect<Item>(t.wsClient(t.operatorKey), CREATED, { after: await t.cursor() });
    const positionOf = async (subjectId: string) => {
      await probe.waitFor(() => probe.items.some((i) => i.events.subjectId === subjectId));
      return probe.items.find((i) => i.events.subjectId === subjectId)!.events.cursor;
    };
    const from = await positionOf(await createTenant('Shared 0'));
    const missed = [await createTenant('Shared 1'), await createTenant('Shared 2')];
    const later = await positionOf(missed[1]!);
    probe.unsubscribe();
    // two sockets: three subscriptions replay from before the two tenants, three start after them
    const [x, y] = [t.wsClient(t.operatorKey), t.wsClient(t.operatorKey)];
    const early = [x, y, x].map((c) => collect<Item>(c, CREATED, { after: from }));
    const late = [y, x, y].map((c) => collect<Item>(c, CREATED, { after: later }));
    for (const s of early) await s.waitFor(() => s.items.length === 2);

    const rendersBefore = sharedRenders.count;
    const live = [await createTenant('Shared 3'), await createTenant('Shared 4')];
    for (const s of [...early, ...late]) await s.waitFor(() => s.items.at(-1)?.events.subjectId === live[1]);
    for (const s of early) expect(s.items.map((i) => i.events.subjectId)).toEqual([...missed, ...live]);
    for (const s of late) expect(s.items.map((i) => i.events.subjectId)).toEqual(live);
    for (const s of [...early, ...late]) expect(s.errors).toEqual([]);
    // two live events for six subscriptions: two executions
    expect(sharedRenders.count - rendersBefore).toBe(2);
    for (const s of [...early, ...late]) s.unsubscribe();
  });

  it("RT5: keys of two tenants with the same document never share a frame: each sees only its tenant's events", async () => {
    const EVENTS = `subscription($after: String) { events(after: $after) { subjectId tenantId type } }`;
    type Item = { events: { subjectId: string; tenantId: string | null; type: string } };
    const a = await t.tenant('Frames A');
    const b = await t.tenant('Frames B');
    const after = await t.cursor();
    // same role, same document, same variables: only the tenant of the key differs
    const subA = collect<Item>(t.wsClient(a.keys.supervisor), EVENTS, { after });
    const subB = collect<Item>(t.wsClient(b.keys.supervisor), EVENTS, { after });
    const revoke = (keyId: string) => t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: gid('ApiKey', keyId) });
    await revoke(a.partner.keyId);
    await revoke(b.partner.keyId);
    await subA.waitFor(() => subA.items.some((i) => i.events.subjectId === a.partner.keyId));
    await subB.waitFor(() => subB.items.some((i) => i.events.subjectId === b.partner.keyId));
    expect(new Set(subA.items.map((i) => i.events.tenantId))).toEqual(new Set([a.tenantId]));
    expect(new Set(subB.items.map((i) => i.events.tenantId))).toEqual(new Set([b.tenantId]));
    expect([...subA.errors, ...subB.errors]).toEqual([]);
    subA.unsubscribe();
    subB.unsubscribe();
  });
});
