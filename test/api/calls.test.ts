import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createUser } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { privacyApps } from '../support/privacy-fixtures.js';

/** C1, C2 over GraphQL: reportCallEvents by the app's PARTNER key, liveCalls, cdrs, and isolation between apps and tenants. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let apps: { app1: string; app2: string; app3: string };
const keys = {} as Record<'app1' | 'app2' | 'app3', string>;
const X1 = '+862155600001';
const X3 = '+862155600011';

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { index status call { id state } error { code field } } }`;
const LIVE = `{ liveCalls(first: 50) { edges { node { switchCallId state } } } }`;
const CDRS = `{ cdrs(first: 50) { edges { node { switchCallId billableMinutes caller callee x answeredAt } } } }`;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  apps = await privacyApps(t, A, B);
  const system = t.app.systemContext();
  for (const [name, tenant, appId] of [['app1', A, apps.app1], ['app2', A, apps.app2], ['app3', B, apps.app3]] as const) {
    const user = await createUser(system, { tenantId: tenant.tenantId, name: `switch ${name}`, email: `switch.${name}@${tenant.tenantId.slice(0, 8)}.example`, role: 'PARTNER' });
    keys[name] = (await createApiKey(system, { userId: user.id, appId })).secret;
  }
});
afterAll(() => t?.stop());

let seq = 0;
const now = () => t.clock.now().getTime();
const at = (s: number) => new Date(now() - 600_000 + s * 1000).toISOString();
const ev = (callId: string, type: string, s: number, extra: Record<string, unknown> = {}) => ({ eventId: `api-${++seq}`, callId, type, occurredAt: at(s), ...extra });

describe('C1/C2 over GraphQL', () => {
  it('C1: the app’s switch reports a call; it is live while talking, and its CDR bills 61 s as 2 minutes (C2)', async () => {
    const start = [ev('g-1', 'CALLIN', 0, { caller: '13800000003', called: X1 }), ev('g-1', 'CALLOUT', 1, { callee: '13800000004' }), ev('g-1', 'ANSWER', 5)];
    const r = ok(await t.gql(REPORT, { events: start }, keys.app1)).reportCallEvents;
    expect(r.map((x: any) => x.status)).toEqual(['STORED', 'STORED', 'STORED']);
    expect(r[2].call.state).toBe('TALKING');
    expect(ok(await t.gql(LIVE, {}, keys.app1)).liveCalls.edges.map((e: any) => e.node)).toEqual([{ switchCallId: 'g-1', state: 'TALKING' }]);
    // the call names its app by id from its own row, the same id as its app's
    const named = ok(await t.gql(`{ liveCalls(first: 1) { edges { node { appId instanceId agentId app { id } } } } }`, {}, keys.app1)).liveCalls.edges[0].node;
    expect(named).toEqual({ appId: gid('PrivacyApp', apps.app1), instanceId: null, agentId: null, app: { id: gid('PrivacyApp', apps.app1) } });
    const end = ok(await t.gql(REPORT, { events: [ev('g-1', 'DISCONNECT', 66)] }, keys.app1)).reportCallEvents;
    expect(end[0].call.state).toBe('ENDED');
    expect(ok(await t.gql(LIVE, {}, keys.app1)).liveCalls.edges).toEqual([]);
    const cdrs = ok(await t.gql(CDRS, {}, keys.app1)).cdrs.edges.map((e: any) => e.node);
    expect(cdrs).toEqual([{ switchCallId: 'g-1', billableMinutes: 2, caller: '+8613800000003', callee: '+8613800000004', x: X1, answeredAt: at(5) }]);
  });

  it('C1: a PARTNER of another app (same tenant or not) may not report on app 1’s number, nor see its calls and CDRs', async () => {
    const [item] = ok(await t.gql(REPORT, { events: [ev('g-2', 'CALLIN', 0, { caller: '13800000009', called: X1 })] }, keys.app2)).reportCallEvents;
    expect(item).toMatchObject({ status: 'ERROR', error: { code: 'CALL_NUMBER_NOT_OWNED', field: 'called' } });
    const [late] = ok(await t.gql(REPORT, { events: [ev('g-1', 'ANSWER', 3)] }, keys.app3)).reportCallEvents;
    expect(late).toMatchObject({ status: 'ERROR', error: { code: 'UNKNOWN_CALL' } });
    for (const key of [keys.app2, keys.app3, B.keys.admin]) expect(ok(await t.gql(CDRS, {}, key)).cdrs.edges).toEqual([]);
    expect(ok(await t.gql(CDRS, {}, A.keys.supervisor)).cdrs.edges).toHaveLength(1);
  });

  it('C2: tenant isolation: B’s CDR is B’s; the range is 31 days at most (a typed error naming to)', async () => {
    ok(await t.gql(REPORT, { events: [ev('b-1', 'CALLIN', 0, { caller: '13900000002', called: X3 }), ev('b-1', 'DISCONNECT', 10, { failureReason: 'NO_ANSWER' })] }, keys.app3));
    expect(ok(await t.gql(CDRS, {}, B.keys.admin)).cdrs.edges.map((e: any) => [e.node.switchCallId, e.node.billableMinutes])).toEqual([['b-1', 0]]);
    expect(ok(await t.gql(CDRS, {}, A.keys.admin)).cdrs.edges.map((e: any) => e.node.switchCallId)).toEqual(['g-1']);
    const wide = await t.gql(`{ cdrs(from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z") { edges { node { id } } } }`, {}, A.keys.admin);
    expect(wide.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'to' });
  });

  it('RT2: a batch’s events are announced one bus message per outbox row, and /metrics still counts every event', async () => {
    const published = async (type: string) => Number(new RegExp(`^callplane_events_published_total\\{type="${type}"\\} (\\d+)`, 'm').exec(await (await fetch(`${t.url}/metrics`)).text())?.[1] ?? 0);
    const [calls, cdrs] = [await published('CALL_EVENT'), await published('CDR_CREATED')];
    const batch = [ev('m-1', 'CALLIN', 0, { caller: '13800000013', called: X1 }), ev('m-1', 'ANSWER', 3), ev('m-1', 'DISCONNECT', 9), ev('m-2', 'CALLIN', 1, { caller: '13800000014', called: X1 }), ev('m-2', 'DISCONNECT', 4)];
    const notices: { type: string; count?: number }[] = [];
    const unlisten = t.app.systemContext().bus.listen((n) => notices.push(n));
    try {
      expect(ok(await t.gql(REPORT, { events: batch }, keys.app1)).reportCallEvents.map((r: any) => r.status)).toEqual(batch.map(() => 'STORED'));
    } finally {
      unlisten();
    }
    expect(notices.filter((n) => n.type === 'CALL_EVENT' || n.type === 'CDR_CREATED').map((n) => [n.type, n.count ?? 1])).toEqual([['CALL_EVENT', 5], ['CDR_CREATED', 2]]);
    expect([(await published('CALL_EVENT')) - calls, (await published('CDR_CREATED')) - cdrs]).toEqual([5, 2]);
  });
});
