import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { enqueue, readmeVerifier, startReceiver, type Received } from '../support/webhooks-fixtures.js';

/**
 * C3 through the API against real local receivers: the fixed retry schedule with advanceClock,
 * dead letters and redelivery, a flaky receiver that still gets every CDR once deduplicated by
 * delivery id, signatures checked by the README's own snippet (also during a rotation), isolation.
 */

let t: TestApp;
let A: TenantFixture;
let B: TenantFixture;

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } secret } }`,
  rotate: `mutation($id: ID!) { rotateAppSecret(appId: $id, overlapSeconds: 3600) { secret } }`,
  delivery: `query($id: ID!) { delivery(id: $id) { id deliveryId kind status itemCount attemptCount firstAttemptAt nextAttemptAt
    attempts { attempt attemptedAt statusCode latencyMs error } } }`,
  deliveries: `query($status: DeliveryStatus, $app: ID) { deliveries(first: 100, status: $status, appId: $app) { edges { node { id deliveryId status itemCount } } } }`,
  redeliver: `mutation($id: ID!) { redeliverDelivery(id: $id) { id status attemptCount nextAttemptAt } }`,
  user: `mutation($n: String!, $e: String!) { createUser(name: $n, email: $e, role: PARTNER) { id } }`,
  key: `mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`,
  health: `query($app: ID) { webhookHealth(appId: $app) { pending dead delivered } }`,
};

const advance = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds })).advanceClock as string;
const delivery = async (id: string, key = t.operatorKey) => ok(await t.gql(Q.delivery, { id: gid('Delivery', id) }, key)).delivery;
let appSerial = 0;

async function appFor(tenant: TenantFixture, cdrUrl: string) {
  const r = ok(await t.gql(Q.createApp, { input: { name: `hooks ${appSerial++}`, mode: 'AXB', cdrUrl } }, tenant.keys.admin)).createPrivacyApp;
  return { gid: r.app.id as string, id: fromGlobal(r.app.id), secret: r.secret as string };
}

async function partnerKey(tenant: TenantFixture, appGid: string) {
  const user = ok(await t.gql(Q.user, { n: `switch ${appSerial}`, e: `switch${appSerial++}@example.com` }, tenant.keys.admin)).createUser.id;
  return ok(await t.gql(Q.key, { u: user, app: appGid }, tenant.keys.admin)).createApiKey.secret as string;
}

const header = (r: Received, name: string) => r.headers[name.toLowerCase()] as string;
const unix = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
});
afterAll(() => t?.stop());

describe('C3: signed webhook deliveries', () => {
  it('C3: a receiver that is down gets exactly 7 attempts at 0, 1, 4, 9, 106, 203 and 300 minutes, then a dead letter; redelivered by hand it arrives', async () => {
    const receiver = await startReceiver(() => 500);
    const app = await appFor(A, receiver.url);
    const [d] = await enqueue(t, app.id, 'CDR', [{ cdrId: 'down-1' }]);
    const first = await t.afterJobs(() => delivery(d!.id), (x) => x.attemptCount === 1, 'first attempt');
    expect(receiver.received).toHaveLength(1);
    const t0 = new Date(first.firstAttemptAt).getTime();
    const offsets = [0, 1, 4, 9, 106, 203, 300];
    for (let i = 1; i < offsets.length; i++) {
      // one second early: nothing; at the minute: exactly one more
      await advance((offsets[i]! - offsets[i - 1]!) * 60 - 1);
      expect(receiver.received, `before minute ${offsets[i]}`).toHaveLength(i);
      await advance(1);
      expect(receiver.received, `at minute ${offsets[i]}`).toHaveLength(i + 1);
    }
    const dead = await delivery(d!.id);
    expect([dead.status, dead.attemptCount, dead.nextAttemptAt]).toEqual(['DEAD', 7, null]);
    expect(dead.attempts.map((a: any) => (new Date(a.attemptedAt).getTime() - t0) / 60_000)).toEqual(offsets);
    expect(dead.attempts.map((a: any) => [a.attempt, a.statusCode, a.error])).toEqual(offsets.map((_, i) => [i + 1, 500, 'HTTP 500']));
    await advance(24 * 3600);
    expect(receiver.received).toHaveLength(7);
    expect(new Set(receiver.received.map((r) => header(r, 'Callplane-Delivery-Id')))).toEqual(new Set([d!.id]));
    expect(ok(await t.gql(Q.deliveries, { status: 'DEAD', app: app.gid }, A.keys.admin)).deliveries.edges.map((e: any) => e.node.deliveryId)).toEqual([d!.id]);

    // a SUPERVISOR may not; the receiver is back and the TENANT_ADMIN redelivers: same id, a fresh schedule
    expect((await t.gql(Q.redeliver, { id: dead.id }, A.keys.supervisor)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    receiver.answerWith(() => 200);
    const again = ok(await t.gql(Q.redeliver, { id: dead.id }, A.keys.admin)).redeliverDelivery;
    expect([again.status, again.attemptCount]).toEqual(['PENDING', 0]);
    const delivered = await t.afterJobs(() => delivery(d!.id), (x) => x.status === 'DELIVERED', 'redelivery');
    expect([delivered.attemptCount, delivered.attempts.length, delivered.attempts.at(-1).statusCode]).toEqual([1, 8, 200]);
    expect(receiver.received).toHaveLength(8);
    expect(header(receiver.received[7]!, 'Callplane-Delivery-Id')).toBe(d!.id);
    const twice = await t.gql(Q.redeliver, { id: dead.id }, A.keys.admin);
    expect([twice.errors?.[0]?.extensions?.code, twice.errors?.[0]?.extensions?.field]).toEqual(['INVALID_STATUS', 'id']);
    await receiver.close();
  });

  it('C3: a receiver that fails half the time still gets every CDR (at most 50 per request); deduplicated by delivery id, each exactly once', async () => {
    // it processes every request, but every other answer is lost (500): the retry repeats it
    const receiver = await startReceiver((n) => (n % 2 === 0 ? 500 : 200));
    const app = await appFor(A, receiver.url);
    const cdrs = Array.from({ length: 120 }, (_, i) => ({ cdrId: `cdr-${i}`, billableMinutes: i % 3 }));
    const queued = await enqueue(t, app.id, 'CDR', cdrs);
    expect(queued.map((d) => d.item_count)).toEqual([50, 50, 20]);
    const ids = queued.map((d) => d.id);
    const allDelivered = async () => (await Promise.all(ids.map((id) => delivery(id)))).every((d) => d.status === 'DELIVERED');
    for (const minutes of [0, 1, 3, 5, 97, 97, 97]) {
      await advance(minutes * 60);
      if (await t.afterJobs(allDelivered, () => true, 'attempts')) break;
    }
    expect(await allDelivered()).toBe(true);
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as { deliveryId: string; items: { cdrId: string }[] });
    expect(bodies.every((b, i) => b.deliveryId === header(receiver.received[i]!, 'Callplane-Delivery-Id'))).toBe(true);
    expect(bodies.every((b) => b.items.length <= 50)).toBe(true);
    const all = bodies.flatMap((b) => b.items.map((c) => c.cdrId));
    expect(all.length, 'some CDRs arrived twice').toBeGreaterThan(cdrs.length);
    const seen = new Set<string>();
    const once = bodies.filter((b) => !seen.has(b.deliveryId) && seen.add(b.deliveryId)).flatMap((b) => b.items.map((c) => c.cdrId));
    expect(once.sort()).toEqual(cdrs.map((c) => c.cdrId).sort());
    // the overview's health counts the three as delivered, once each (its counters, migration 0028)
    expect(ok(await t.gql(Q.health, { app: app.gid }, A.keys.admin)).webhookHealth).toEqual({ pending: 0, dead: 0, delivered: 3 });
    await receiver.close();
  });

  it('C3: every request is signed t=<unix>,v1=HMAC-SHA256("t.body"): the README snippet verifies it, also during a rotation (two v1, either secret)', async () => {
    const verify = readmeVerifier();
    const receiver = await startReceiver();
    const app = await appFor(A, receiver.url);
    const [d1] = await enqueue(t, app.id, 'CDR', [{ cdrId: 'signed-1' }]);
    const sent1 = await t.afterJobs(() => delivery(d1!.id), (x) => x.status === 'DELIVERED', 'delivery');
    const now1 = unix(sent1.firstAttemptAt);
    const r1 = receiver.received[0]!;
    expect(header(r1, 'Callplane-Signature')).toMatch(new RegExp(`^t=${now1},v1=[0-9a-f]{64}$`));
    expect(verify(header(r1, 'Callplane-Signature'), r1.body, app.secret, now1)).toBe(true);
    expect(verify(header(r1, 'Callplane-Signature'), r1.body.replace('signed-1', 'signed-2'), app.secret, now1), 'a changed body').toBe(false);
    expect(verify(header(r1, 'Callplane-Signature'), r1.body, 'whsec_wrong', now1), 'another secret').toBe(false);
    expect(verify(header(r1, 'Callplane-Signature'), r1.body, app.secret, now1 + 3600), 'a replay an hour later').toBe(false);

    const rotated = ok(await t.gql(Q.rotate, { id: app.gid }, A.keys.admin)).rotateAppSecret.secret as string;
    const [d2] = await enqueue(t, app.id, 'CDR', [{ cdrId: 'signed-during-rotation' }]);
    const sent2 = await t.afterJobs(() => delivery(d2!.id), (x) => x.status === 'DELIVERED', 'delivery');
    const r2 = receiver.received[1]!;
    const sig = header(r2, 'Callplane-Signature');
    expect(sig.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    expect([rotated, app.secret].map((s) => verify(sig, r2.body, s, unix(sent2.firstAttemptAt)))).toEqual([true, true]);

    // after the overlap only the new secret signs
    await advance(3601);
    const [d3] = await enqueue(t, app.id, 'CDR', [{ cdrId: 'signed-after-rotation' }]);
    const sent3 = await t.afterJobs(() => delivery(d3!.id), (x) => x.status === 'DELIVERED', 'delivery');
    const r3 = receiver.received[2]!;
    expect([rotated, app.secret].map((s) => verify(header(r3, 'Callplane-Signature'), r3.body, s, unix(sent3.firstAttemptAt)))).toEqual([true, false]);
    await receiver.close();
  });

  it('C3: isolation: another tenant’s delivery is NOT_FOUND (read and redeliver); a PARTNER key sees its app’s deliveries only', async () => {
    const receiver = await startReceiver(() => 500);
    const mine = await appFor(A, receiver.url);
    const other = await appFor(A, receiver.url);
    const [d] = await enqueue(t, mine.id, 'CDR', [{ cdrId: 'isolated' }]);
    await t.afterJobs(() => delivery(d!.id), (x) => x.attemptCount === 1, 'first attempt');
    const id = gid('Delivery', d!.id);
    expect(ok(await t.gql(Q.delivery, { id }, B.keys.admin)).delivery).toBeNull();
    expect(ok(await t.gql(Q.deliveries, {}, B.keys.admin)).deliveries.edges.map((e: any) => e.node.deliveryId)).not.toContain(d!.id);
    expect((await t.gql(Q.redeliver, { id }, B.keys.admin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const ownKey = await partnerKey(A, mine.gid);
    const otherKey = await partnerKey(A, other.gid);
    expect(ok(await t.gql(Q.deliveries, {}, ownKey)).deliveries.edges.map((e: any) => e.node.deliveryId)).toEqual([d!.id]);
    expect(ok(await t.gql(Q.deliveries, {}, otherKey)).deliveries.edges).toEqual([]);
    expect(ok(await t.gql(Q.delivery, { id }, otherKey)).delivery).toBeNull();
    expect(ok(await t.gql(Q.delivery, { id }, A.keys.supervisor)).delivery.deliveryId).toBe(d!.id);
    await receiver.close();
  });

  it('C3: a lost job loses no delivery: the sweep finds the PENDING delivery past its attempt time and makes the attempt', async () => {
    const receiver = await startReceiver(() => 500);
    const app = await appFor(A, receiver.url);
    const [d] = await enqueue(t, app.id, 'CDR', [{ cdrId: 'swept' }]);
    await t.afterJobs(() => delivery(d!.id), (x) => x.attemptCount === 1, 'first attempt');
    await sql`select graphile_worker.remove_job(${`delivery:${d!.id}`})`.execute(t.app.db);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where key = ${`delivery:${d!.id}`}`.execute(t.app.db);
    expect(jobs.rows[0]!.n).toBe(0);
    receiver.answerWith(() => 200);
    await advance(60);
    const swept = await delivery(d!.id);
    expect([swept.status, swept.attempts.map((a: any) => a.statusCode)]).toEqual(['DELIVERED', [500, 200]]);
    expect(receiver.received).toHaveLength(2);
    await receiver.close();
  });
});

describe('C3: the timeout', () => {
  it('C3: an answer later than the timeout (a setting) is a failed attempt, retried a minute after the first', async () => {
    const slow = await startTestApp({ settings: { webhookTimeoutMs: 200 } });
    const hits: number[] = [];
    const server = createServer((_req, res) => {
      hits.push(Date.now());
      setTimeout(() => res.writeHead(200).end(), 1000).unref();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const tenant = await slow.tenant('Slow');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/late`;
      const appId = fromGlobal(ok(await slow.gql(Q.createApp, { input: { name: 'late', mode: 'AXB', cdrUrl: url } }, tenant.keys.admin)).createPrivacyApp.app.id);
      const [d] = await enqueue(slow, appId, 'CDR', [{ cdrId: 'late' }]);
      const read = async () => ok(await slow.gql(Q.delivery, { id: gid('Delivery', d!.id) })).delivery;
      const failed = await slow.afterJobs(read, (x) => x.attemptCount === 1, 'first attempt');
      expect([failed.status, failed.attempts[0].statusCode, failed.attempts[0].error]).toEqual(['PENDING', null, 'no answer within 200 ms']);
      expect(failed.attempts[0].latencyMs).toBeLessThan(1000);
      expect(new Date(failed.nextAttemptAt).getTime() - new Date(failed.firstAttemptAt).getTime()).toBe(60_000);
    } finally {
      server.closeAllConnections();
      server.close();
      await slow.stop();
    }
  });
});
