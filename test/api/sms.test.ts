import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createUser } from '@callplane/schema';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { fromGlobal, ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';
import { startReceiver } from '../support/webhook-receiver.js';

/**
 * C4 over GraphQL: an SMS reported to X is relayed to the bound party when the binding relays SMS
 * (AXB both directions, shown from X), pushed signed to the app's SMS URL (a real local receiver),
 * queryable for 31 days (P9) and isolated by app and tenant, in smsMessages and smsReceived.
 */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const apps = {} as Record<'axb' | 'ax' | 'beta', { gid: string; id: string; secret: string; x: string; key: string }>;
const PA = '+8613800000001';
const PB = '+8613800000002';

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } secret } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { e164 } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id } }`,
  update: `mutation($id: ID!, $input: BindingUpdateInput!) { updateBinding(bindingId: $id, input: $input) { id relaySms } }`,
  report: `mutation($m: [SmsInput!]!) { reportSms(messages: $m) { index messageId status sms { id from to relayedTo relayStatus notRelayedReason text userData binding { id } } error { code field message } } }`,
  list: `query($app: ID, $binding: ID, $number: String, $from: DateTime, $to: DateTime) {
    smsMessages(first: 100, appId: $app, bindingId: $binding, number: $number, from: $from, to: $to) { edges { node { messageId relayStatus app { id } } } } }`,
};

async function app(tenant: TenantFixture, name: string, mode: string, national: string, smsUrl: string | null) {
  const [numberId] = await apiNumbers(t, tenant, [national]);
  const created = ok(await t.gql(Q.createApp, { input: { name, mode, smsUrl } }, tenant.keys.admin)).createPrivacyApp;
  const [pool] = ok(await t.gql(Q.move, { app: created.app.id, ids: [numberId] }, tenant.keys.admin)).moveNumbersToPool;
  const id = fromGlobal(created.app.id);
  const user = await createUser(t.app.systemContext(), { tenantId: tenant.tenantId, name: `switch ${name}`, email: `switch.${id.slice(0, 8)}@example.com`, role: 'PARTNER' });
  const key = (await createApiKey(t.app.systemContext(), { userId: user.id, appId: id })).secret;
  return { gid: created.app.id as string, id, secret: created.secret as string, x: pool.e164 as string, key };
}

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  receiver = await startReceiver();
  apps.axb = await app(A, 'sms rides', 'AXB', '021-5570 0001', receiver.url);
  apps.ax = await app(A, 'sms shop', 'AX', '021-5570 0002', null);
  apps.beta = await app(B, 'sms beta', 'AX', '021-5570 0011', null);
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

let seq = 0;
const minutesAgo = (m: number) => new Date(t.clock.now().getTime() - m * 60_000).toISOString();
const sms = (from: string, to: string, over: Record<string, unknown> = {}) => ({ messageId: `sms-${++seq}`, from, to, text: `你好 ${seq}`, sentAt: minutesAgo(1), ...over });
const report = async (messages: unknown[], key: string) => ok(await t.gql(Q.report, { m: messages }, key)).reportSms as any[];
const bind = async (input: Record<string, unknown>, a = apps.axb) => ok(await t.gql(Q.bind, { app: a.gid, input: { x: a.x, ...input } }, a.key)).bind.id as string;
const list = async (key: string, vars: Record<string, unknown> = {}) => ok(await t.gql(Q.list, vars, key)).smsMessages.edges.map((e: any) => e.node);

/** HMAC-SHA256 of "t.body" with the app's secret, as the header carries it. */
function signedBy(header: string, body: string, secret: string): boolean {
  const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
  return !!ts && createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex') === v1;
}

describe('C4: relay and push', () => {
  it('C4: AXB with relay SMS: A→X is relayed to B and B→X to A, each pushed signed to the SMS URL, one SMS per request', async () => {
    const binding = await bind({ a: PA, b: PB, relaySms: true, userData: 'ride 9' });
    const [fromA, fromB] = await report([sms(PA, apps.axb.x), sms(PB, apps.axb.x)], apps.axb.key);
    expect(fromA.status).toBe('STORED');
    expect(fromA.sms).toMatchObject({ from: PA, to: apps.axb.x, relayedTo: PB, relayStatus: 'RELAYED', notRelayedReason: null, userData: 'ride 9', binding: { id: binding } });
    expect(fromB.sms).toMatchObject({ from: PB, relayedTo: PA, relayStatus: 'RELAYED' });

    const received = await t.afterJobs(async () => receiver.received.slice(), (r) => r.length >= 2, 'SMS push');
    expect(received).toHaveLength(2);
    const bodies = received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.kind, b.appId, b.items.length])).toEqual([
      ['SMS', apps.axb.gid, 1],
      ['SMS', apps.axb.gid, 1],
    ]);
    // ids as the API shows them: the SMS's and the binding's global ids
    expect(bodies.map((b) => b.items[0].smsId).sort()).toEqual([fromA.sms.id, fromB.sms.id].sort());
    expect(bodies.map((b) => b.items[0].bindingId)).toEqual([binding, binding]);
    const pushed = bodies.map((b) => b.items[0]).sort((x, y) => x.messageId.localeCompare(y.messageId));
    expect(pushed.map((i) => [i.messageId, i.from, i.to, i.relayStatus, i.relayedTo, i.text, i.userData])).toEqual([
      [fromA.messageId, PA, apps.axb.x, 'RELAYED', PB, fromA.sms.text, 'ride 9'],
      [fromB.messageId, PB, apps.axb.x, 'RELAYED', PA, fromB.sms.text, 'ride 9'],
    ]);
    for (const r of received) {
      expect(signedBy(r.headers['callplane-signature'] as string, r.body, apps.axb.secret)).toBe(true);
      expect(signedBy(r.headers['callplane-signature'] as string, r.body.replace('RELAYED', 'NOT_RELAYED'), apps.axb.secret), 'a changed body').toBe(false);
      expect(r.headers['callplane-delivery-id']).toBe(JSON.parse(r.body).deliveryId);
    }
  });

  it('C4, P5: relay SMS off → NOT_RELAYED (RELAY_SMS_OFF); a sender of no binding or an unbound binding → NOT_RELAYED (NO_BINDING); all still pushed', async () => {
    const pc = '+8613800000005';
    const pd = '+8613800000006';
    const binding = await bind({ a: pc, b: pd });
    const before = receiver.received.length;
    const [off] = await report([sms(pc, apps.axb.x)], apps.axb.key);
    expect(off.sms).toMatchObject({ relayStatus: 'NOT_RELAYED', notRelayedReason: 'RELAY_SMS_OFF', relayedTo: null, binding: { id: binding } });
    expect(ok(await t.gql(Q.update, { id: binding, input: { relaySms: true } }, apps.axb.key)).updateBinding.relaySms).toBe(true);
    const [on, stranger] = await report([sms(pd, apps.axb.x), sms('+8613700000009', apps.axb.x)], apps.axb.key);
    expect(on.sms).toMatchObject({ relayStatus: 'RELAYED', relayedTo: pc });
    expect(stranger.sms).toMatchObject({ relayStatus: 'NOT_RELAYED', notRelayedReason: 'NO_BINDING', relayedTo: null, binding: null });
    ok(await t.gql(`mutation($app: ID!, $id: ID!) { unbind(appId: $app, bindingId: $id) { id } }`, { app: apps.axb.gid, id: binding }, apps.axb.key));
    const [gone] = await report([sms(pc, apps.axb.x)], apps.axb.key);
    expect(gone.sms).toMatchObject({ relayStatus: 'NOT_RELAYED', notRelayedReason: 'NO_BINDING' });
    const pushed = await t.afterJobs(async () => receiver.received.slice(before), (r) => r.length >= 4, 'SMS push');
    expect(pushed.map((r) => JSON.parse(r.body).items[0].relayStatus).sort()).toEqual(['NOT_RELAYED', 'NOT_RELAYED', 'NOT_RELAYED', 'RELAYED']);
  });

  it('C4: a repeated messageId is stored once (DUPLICATE, the first SMS); bad items are errors naming their field and the rest is stored', async () => {
    const first = sms(PA, apps.axb.x);
    const [stored] = await report([first], apps.axb.key);
    const r = await report(
      [
        { ...first, text: 'again' },
        sms('12', apps.axb.x),
        sms(PA, apps.axb.x, { text: '' }),
        sms(PA, apps.axb.x, { sentAt: minutesAgo(-60) }),
        sms(PA, apps.beta.x),
        sms(PA, apps.ax.x),
        sms(PA, apps.axb.x),
      ],
      apps.axb.key,
    );
    expect(r.map((x) => (x.status === 'ERROR' ? [x.index, x.error.code, x.error.field] : [x.index, x.status]))).toEqual([
      [0, 'DUPLICATE'],
      [1, 'INVALID_INPUT', 'from'],
      [2, 'INVALID_INPUT', 'text'],
      [3, 'INVALID_INPUT', 'sentAt'],
      [4, 'SMS_NUMBER_NOT_OWNED', 'to'],
      [5, 'SMS_NUMBER_NOT_OWNED', 'to'],
      [6, 'STORED'],
    ]);
    expect(r[0].sms).toEqual(stored.sms);
    expect((await list(A.keys.admin, { number: PA })).filter((n: any) => n.messageId === first.messageId)).toHaveLength(1);
    const tooMany = await t.gql(Q.report, { m: Array.from({ length: 501 }, () => sms(PA, apps.axb.x)) }, apps.axb.key);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'messages' });
    const supervisor = await t.gql(Q.report, { m: [sms(PA, apps.axb.x)] }, A.keys.supervisor);
    expect(supervisor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('P9, §1: queryable 31 days, isolated', () => {
  it('P9: smsMessages lists the last 31 days by default, newest first; a window is 31 days at most (INVALID_INPUT naming to)', async () => {
    const old = sms(PA, apps.ax.x, { sentAt: minutesAgo(32 * 24 * 60) });
    const recent = sms(PA, apps.ax.x);
    expect((await report([old, recent], A.keys.admin)).map((r) => r.status)).toEqual(['STORED', 'STORED']);
    const ids = (await list(A.keys.admin, { app: apps.ax.gid })).map((n: any) => n.messageId);
    expect(ids).toContain(recent.messageId);
    expect(ids).not.toContain(old.messageId);
    const window = await list(A.keys.admin, { app: apps.ax.gid, from: minutesAgo(33 * 24 * 60), to: minutesAgo(31 * 24 * 60) });
    expect(window.map((n: any) => n.messageId)).toEqual([old.messageId]);
    const wide = await t.gql(Q.list, { from: minutesAgo(40 * 24 * 60), to: minutesAgo(0) }, A.keys.admin);
    expect(wide.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'to' });
    const bad = await t.gql(Q.list, { number: 'abc' }, A.keys.admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'number' });
  });

  it('§1, C4: another tenant’s and another app’s SMS are invisible; smsReceived delivers only own', async () => {
    const after = await t.cursor();
    const SUB = `subscription($after: String) { smsReceived(after: $after) { cursor messageId relayStatus sms { id messageId app { id } } app { id } } }`;
    const feeds = {
      axbPartner: collect<any>(t.wsClient(apps.axb.key), SUB, { after }),
      axPartner: collect<any>(t.wsClient(apps.ax.key), SUB, { after }),
      acme: collect<any>(t.wsClient(A.keys.supervisor), SUB, { after }),
      beta: collect<any>(t.wsClient(B.keys.admin), SUB, { after }),
    };
    const [a1] = await report([sms(PA, apps.axb.x)], apps.axb.key);
    const [a2] = await report([sms(PA, apps.ax.x)], apps.ax.key);
    const [b1] = await report([sms(PA, apps.beta.x)], apps.beta.key);
    // the feeds start at eventCursor: the newest event readable below the cluster's oldest open
    // writer (RT1), so while another test's transaction runs they may replay this file's earlier SMS
    // too; what matters is which of these three each one gets
    const mine = new Set([a1.messageId, a2.messageId, b1.messageId]);
    const ids = (f: { items: any[] }) => f.items.map((i) => i.smsReceived.messageId).filter((id: string) => mine.has(id));
    await feeds.acme.waitFor(() => ids(feeds.acme).length >= 2);
    await feeds.beta.waitFor(() => ids(feeds.beta).length >= 1);
    await feeds.axbPartner.waitFor(() => ids(feeds.axbPartner).length >= 1);
    await feeds.axPartner.waitFor(() => ids(feeds.axPartner).length >= 1);
    // Beta's SMS committed last: a leak would have arrived by the time each saw its own
    expect(ids(feeds.acme)).toEqual([a1.messageId, a2.messageId]);
    expect(ids(feeds.beta)).toEqual([b1.messageId]);
    expect(ids(feeds.axbPartner)).toEqual([a1.messageId]);
    expect(ids(feeds.axPartner)).toEqual([a2.messageId]);
    expect(feeds.beta.items.find((i) => i.smsReceived.messageId === b1.messageId).smsReceived.sms).toMatchObject({ id: b1.sms.id, app: { id: apps.beta.gid } });
    for (const f of Object.values(feeds)) expect(f.errors).toEqual([]);

    const seen = async (key: string) => new Set((await list(key)).map((n: any) => n.messageId));
    const [acme, beta, axbPartner, axPartner] = await Promise.all([seen(A.keys.admin), seen(B.keys.admin), seen(apps.axb.key), seen(apps.ax.key)]);
    expect([acme.has(a1.messageId), acme.has(a2.messageId), acme.has(b1.messageId)]).toEqual([true, true, false]);
    expect([beta.has(a1.messageId), beta.has(a2.messageId), beta.has(b1.messageId)]).toEqual([false, false, true]);
    expect([axbPartner.has(a1.messageId), axbPartner.has(a2.messageId)]).toEqual([true, false]);
    expect([axPartner.has(a1.messageId), axPartner.has(a2.messageId)]).toEqual([false, true]);
    // node(id) of another tenant's SMS is null; a filter on another tenant's app finds nothing
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: a1.sms.id }, B.keys.admin)).node).toBeNull();
    expect(await list(B.keys.admin, { app: apps.axb.gid })).toEqual([]);
  });
});
