import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createUser } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { privacyApps } from '../support/privacy-fixtures.js';
import { startReceiver, type Received } from '../support/webhooks-fixtures.js';

/**
 * C3: call-status changes pushed to the app's status URL through a real local receiver: one event
 * per signed request, in the order of the events, once each; nothing without a status URL, nothing
 * new for a repeated report.
 */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let apps: { app1: string; app2: string; app3: string };
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let secret: string;
const keys = {} as Record<'app1' | 'app3', string>;
const X1 = '+862155600001';
const X3 = '+862155600011';

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field } } }`;
const UPDATE = `mutation($id: ID!, $input: PrivacyAppUpdateInput!) { updatePrivacyApp(id: $id, input: $input) { id } }`;
const ROTATE = `mutation($id: ID!) { rotateAppSecret(appId: $id, overlapSeconds: 0) { secret } }`;
const DELIVERIES = `query($app: ID) { deliveries(first: 100, appId: $app) { edges { node { id kind status } } } }`;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  apps = await privacyApps(t, A, B);
  receiver = await startReceiver();
  const system = t.app.systemContext();
  for (const [name, tenant, appId] of [['app1', A, apps.app1], ['app3', B, apps.app3]] as const) {
    const user = await createUser(system, { tenantId: tenant.tenantId, name: `switch ${name}`, email: `status.${name}@${tenant.tenantId.slice(0, 8)}.example`, role: 'PARTNER' });
    keys[name] = (await createApiKey(system, { userId: user.id, appId })).secret;
    // no CDR pushes: this file watches the status URL only
    ok(await t.gql(UPDATE, { id: gid('PrivacyApp', appId), input: { cdrUrl: null, ...(name === 'app1' ? { statusUrl: receiver.url } : {}) } }, tenant.keys.admin));
  }
  secret = ok(await t.gql(ROTATE, { id: gid('PrivacyApp', apps.app1) }, A.keys.admin)).rotateAppSecret.secret;
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

let seq = 0;
const at = (s: number) => new Date(t.clock.now().getTime() - 600_000 + s * 1000).toISOString();
const ev = (callId: string, type: string, s: number, extra: Record<string, unknown> = {}) => ({ eventId: `status-${++seq}`, callId, type, occurredAt: at(s), ...extra });
const report = async (key: string, events: unknown[]) => ok(await t.gql(REPORT, { events }, key)).reportCallEvents as { status: string }[];
const body = (r: Received) => JSON.parse(r.body) as { deliveryId: string; kind: string; appId: string; items: Record<string, unknown>[] };
const signed = (r: Received) => {
  const header = r.headers['callplane-signature'] as string;
  const ts = /^t=(\d+)/.exec(header)?.[1];
  return header.split(',').includes(`v1=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`);
};
/** Runs the due delivery jobs until the receiver holds `n` requests. */
const received = (n: number) => t.afterJobs(async () => receiver.received.length, (len) => len >= n, 'call-status delivery');

describe('C3: call-status changes to the status URL', () => {
  it('C3: a call’s CALLIN, ANSWER and DISCONNECT reach the receiver signed, one per request, in the order of the events, once each', async () => {
    const binding = await t.app.db.selectFrom('privacy_bindings').select(['id', 'x_e164']).where('app_id', '=', apps.app1).where('a_e164', '=', '+8613800000003').executeTakeFirstOrThrow();
    const before = receiver.received.length;
    const steps = [
      ev('s-1', 'CALLIN', 0, { caller: '13800000004', called: binding.x_e164, bindingId: gid('PrivacyBinding', binding.id), userData: 'order 7' }),
      ev('s-1', 'ANSWER', 6, { callee: '13800000003' }),
      ev('s-1', 'DISCONNECT', 70),
    ];
    for (const [i, step] of steps.entries()) {
      expect((await report(keys.app1, [step]))[0]!.status).toBe('STORED');
      await received(before + i + 1);
    }
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(3);
    // the call as the API names it (node(id:) reads it), next to the switch's id
    const call = gid('Call', (await t.app.db.selectFrom('calls').select('id').where('app_id', '=', apps.app1).where('switch_call_id', '=', 's-1').executeTakeFirstOrThrow()).id);
    expect(got.every(signed), 'every request is signed with the app’s secret').toBe(true);
    const bodies = got.map(body);
    expect(bodies.map((b) => b.kind)).toEqual(['CALL_STATUS', 'CALL_STATUS', 'CALL_STATUS']);
    expect(bodies.map((b) => b.appId)).toEqual([1, 2, 3].map(() => gid('PrivacyApp', apps.app1)));
    expect(bodies.map((b) => b.items.length)).toEqual([1, 1, 1]);
    expect(new Set(bodies.map((b) => b.deliveryId)).size).toBe(3);
    expect(bodies.map((b) => b.items[0])).toEqual([
      { eventId: steps[0]!.eventId, callId: call, switchCallId: 's-1', event: 'CALLIN', state: 'RINGING', occurredAt: at(0), caller: '+8613800000004', called: binding.x_e164, callee: null, bindingId: gid('PrivacyBinding', binding.id), userData: 'order 7' },
      { eventId: steps[1]!.eventId, callId: call, switchCallId: 's-1', event: 'ANSWER', state: 'TALKING', occurredAt: at(6), caller: '+8613800000004', called: binding.x_e164, callee: '+8613800000003', bindingId: gid('PrivacyBinding', binding.id), userData: 'order 7' },
      { eventId: steps[2]!.eventId, callId: call, switchCallId: 's-1', event: 'DISCONNECT', state: 'ENDED', occurredAt: at(70), caller: '+8613800000004', called: binding.x_e164, callee: '+8613800000003', bindingId: gid('PrivacyBinding', binding.id), userData: 'order 7' },
    ]);
  });

  it('C3: the events of one batch, sent out of order, are queued in the order of the events, one delivery each, once each', async () => {
    const before = receiver.received.length;
    // sent out of order: DISCONNECT first; stored (and pushed) in time order
    const batch = [ev('s-2', 'DISCONNECT', 30), ev('s-2', 'CALLIN', 0, { caller: '13800000007', called: X1 }), ev('s-2', 'ALERTING', 2)];
    expect((await report(keys.app1, batch)).map((r) => r.status)).toEqual(['STORED', 'STORED', 'STORED']);
    await received(before + 3);
    const items = receiver.received.slice(before).map((r) => body(r).items[0]!);
    expect(items.map((i) => [i.event, i.eventId]).sort()).toEqual([['ALERTING', batch[2]!.eventId], ['CALLIN', batch[1]!.eventId], ['DISCONNECT', batch[0]!.eventId]]);
    // one delivery per event, queued in the order the events were stored (event time), whatever order they were sent in
    // (the order of the deliveries' first DELIVERY_CHANGED events, written as each is queued)
    const ofCall = await t.app.db
      .selectFrom('deliveries')
      .innerJoin('events', (j) => j.on(sql`events.subject_id::text`, '=', sql`deliveries.id::text`))
      .select([sql<string>`deliveries.payload->0->>'event'`.as('event'), sql<string>`min(events.seq)`.as('first')])
      .where('deliveries.app_id', '=', apps.app1)
      .where(sql`deliveries.payload->0->>'switchCallId'`, '=', 's-2')
      .groupBy(['deliveries.id', 'deliveries.payload'])
      .orderBy(sql`min(events.seq)`)
      .execute();
    expect(ofCall.map((d) => d.event)).toEqual(['CALLIN', 'ALERTING', 'DISCONNECT']);
  });

  it('C3: a repeated report pushes nothing new', async () => {
    const first = [ev('s-3', 'CALLIN', 0, { caller: '13800000008', called: X1 })];
    expect((await report(keys.app1, first))[0]!.status).toBe('STORED');
    const before = await received(receiver.received.length + 1);
    const deliveries = ok(await t.gql(DELIVERIES, { app: gid('PrivacyApp', apps.app1) }, A.keys.admin)).deliveries.edges.length;
    expect((await report(keys.app1, first))[0]!.status).toBe('DUPLICATE');
    ok(await t.gql(`mutation { advanceClock(seconds: 0) }`));
    expect(ok(await t.gql(DELIVERIES, { app: gid('PrivacyApp', apps.app1) }, A.keys.admin)).deliveries.edges.length).toBe(deliveries);
    expect(receiver.received.length).toBe(before);
  });

  it('C3: an app without a status URL queues no call-status delivery', async () => {
    const events = [ev('s-4', 'CALLIN', 0, { caller: '13900000002', called: X3 }), ev('s-4', 'DISCONNECT', 9)];
    expect((await report(keys.app3, events)).map((r) => r.status)).toEqual(['STORED', 'STORED']);
    expect(ok(await t.gql(DELIVERIES, { app: gid('PrivacyApp', apps.app3) }, B.keys.admin)).deliveries.edges).toEqual([]);
  });
});
