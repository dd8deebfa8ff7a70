import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { apiVoiceApp, apiVoicePackage, apiVoiceTenant } from '../support/voice-fixtures.js';
import { readmeVerifier, startReceiver, type Received } from '../support/webhooks-fixtures.js';

/**
 * V3 over C3, through the API against a real local receiver: each voice message's final outcome is
 * pushed to its app's status URL, signed with the secret createVoiceApp showed once (the README's
 * snippet verifies it), retried on the fixed schedule by the manual clock, dead-lettered,
 * redeliverable; the deliveries of a voice app are read by its tenant and its PARTNER key only.
 */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let app: Awaited<ReturnType<typeof apiVoiceApp>>;
let quiet: Awaited<ReturnType<typeof apiVoiceApp>>;
let other: Awaited<ReturnType<typeof apiVoiceApp>>;

const Q = {
  send: `mutation($input: SendVoiceMessageInput!) { sendVoiceMessage(input: $input) { id fromNumber { e164 } } }`,
  report: `mutation($r: [VoiceMessageReportInput!]!) { reportVoiceMessages(reports: $r) { status } }`,
  deliveries: `query($app: ID) { deliveries(first: 100, appId: $app) { edges { node { id deliveryId kind appKind status app { id } voiceApp { id } } } } }`,
  delivery: `query($id: ID!) { delivery(id: $id) { id deliveryId status attemptCount firstAttemptAt nextAttemptAt attempts { attempt attemptedAt statusCode } } }`,
  redeliver: `mutation($id: ID!) { redeliverDelivery(id: $id) { status } }`,
  rotate: `mutation($id: ID!) { rotateVoiceAppSecret(appId: $id, overlapSeconds: 600) { secret previousSecretValidUntil } }`,
  appSecret: `query($id: ID!) { node(id: $id) { ... on VoiceApp { secret secretCreatedAt } } }`,
};

const advance = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds }));
const body = (r: Received) => JSON.parse(r.body) as { deliveryId: string; kind: string; appId: string; items: Record<string, unknown>[] };
const signature = (r: Received) => r.headers['callplane-signature'] as string;
/** Runs the due delivery jobs until the receiver holds `n` requests. */
const received = (n: number) => t.afterJobs(async () => receiver.received.length, (len) => len >= n, 'voice status delivery');

async function send(key: string, appGid: string, text: string): Promise<{ id: string; from: string }> {
  const m = ok(await t.gql(Q.send, { input: { appId: appGid, to: '+8613800138000', text } }, key)).sendVoiceMessage;
  return { id: m.id, from: m.fromNumber.e164 };
}
const report = async (key: string, r: Record<string, unknown>) =>
  ok(await t.gql(Q.report, { r: [{ at: t.clock.now().toISOString(), ...r }] }, key)).reportVoiceMessages[0].status as string;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  await apiVoiceTenant(t, A);
  await apiVoiceTenant(t, B);
  receiver = await startReceiver();
  app = await apiVoiceApp(t, A, 'Parcel notices', { statusUrl: receiver.url });
  quiet = await apiVoiceApp(t, A, 'No status URL');
  other = await apiVoiceApp(t, B, 'Beta notices', { statusUrl: receiver.url });
  await apiVoicePackage(t, A, 1000);
  await apiVoicePackage(t, B, 1000);
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

describe('V3: voice message outcomes pushed to the status URL (C3)', () => {
  it('V3: an answered message’s outcome reaches the status URL once, signed with the secret createVoiceApp showed (README snippet), with its minutes; DELIVERING and a repeated report push nothing', async () => {
    expect(app.secret).toMatch(/^whsec_/);
    // shown once: a later read has no secret
    expect(ok(await t.gql(Q.appSecret, { id: app.gid }, A.keys.admin)).node).toMatchObject({ secret: null, secretCreatedAt: expect.any(String) });
    const before = receiver.received.length;
    const m = await send(app.key, app.gid, 'Your parcel arrives today');
    expect(await report(app.key, { messageId: m.id, status: 'DELIVERING' })).toBe('STORED');
    expect(await report(app.key, { messageId: m.id, status: 'ANSWERED', durationSeconds: 75 })).toBe('STORED');
    await received(before + 1);
    const got = receiver.received[before]!;
    const verify = readmeVerifier();
    expect(verify(signature(got), got.body, app.secret, t.clock.now().getTime() / 1000), 'the README snippet accepts it').toBe(true);
    expect(verify(signature(got), got.body, other.secret, t.clock.now().getTime() / 1000), 'another app’s secret does not').toBe(false);
    const b = body(got);
    expect(got.headers['callplane-delivery-id']).toBe(b.deliveryId);
    // ids as the API shows them: the app's and the message's global ids
    expect([b.kind, b.appId, b.items.length]).toEqual(['VOICE_STATUS', app.gid, 1]);
    expect(b.items[0]).toMatchObject({
      messageId: m.id,
      status: 'ANSWERED',
      to: '+8613800138000',
      from: m.from,
      durationSeconds: 75,
      billedMinutes: 2,
      unbilledMinutes: 0,
      failureReason: null,
    });
    // the outcome again: ALREADY_REPORTED, nothing more is queued or sent
    expect(await report(app.key, { messageId: m.id, status: 'ANSWERED', durationSeconds: 75 })).toBe('ALREADY_REPORTED');
    const ofApp = await t.afterJobs(
      async () => ok(await t.gql(Q.deliveries, { app: app.gid }, A.keys.admin)).deliveries.edges.map((e: any) => e.node),
      (list) => list.every((d: any) => d.status === 'DELIVERED'),
      'attempt recorded',
    );
    expect(ofApp.map((d: any) => [d.kind, d.appKind, d.status, d.app, d.voiceApp?.id])).toEqual([['VOICE_STATUS', 'VOICE', 'DELIVERED', null, app.gid]]);
    expect(receiver.received).toHaveLength(before + 1);
  });

  it('V3: an app without a status URL has nothing pushed', async () => {
    const m = await send(A.keys.admin, quiet.gid, 'Your appointment is at 3 pm');
    expect(await report(A.keys.admin, { messageId: m.id, status: 'REJECTED' })).toBe('STORED');
    await advance(0);
    expect(ok(await t.gql(Q.deliveries, { app: quiet.gid }, A.keys.admin)).deliveries.edges).toEqual([]);
  });

  it('V3: a receiver answering 500 gets the outcome again 1, 4, 9, 106, 203 and 300 minutes after the first attempt (same delivery id), then a dead letter; redelivered by hand it arrives', async () => {
    receiver.answerWith(() => 500);
    const before = receiver.received.length;
    const m = await send(app.key, app.gid, 'Nobody home');
    expect(await report(app.key, { messageId: m.id, status: 'UNANSWERED' })).toBe('STORED');
    await received(before + 1);
    const d = { id: gid('Delivery', receiver.received[before]!.headers['callplane-delivery-id'] as string) };
    const read = async () => ok(await t.gql(Q.delivery, { id: d.id }, A.keys.admin)).delivery;
    const first = await t.afterJobs(read, (x) => x.attemptCount === 1, 'first attempt');
    expect([first.status, body(receiver.received[before]!).items[0]!.status]).toEqual(['PENDING', 'UNANSWERED']);
    const t0 = new Date(first.firstAttemptAt).getTime();
    const offsets = [0, 1, 4, 9, 106, 203, 300];
    for (let i = 1; i < offsets.length; i++) {
      // one second early: nothing; at the minute: exactly one more
      await advance((offsets[i]! - offsets[i - 1]!) * 60 - 1);
      expect(receiver.received.length - before, `before minute ${offsets[i]}`).toBe(i);
      await advance(1);
      await t.afterJobs(read, (x) => x.attemptCount === i + 1, `attempt at minute ${offsets[i]}`);
      expect(receiver.received.length - before, `at minute ${offsets[i]}`).toBe(i + 1);
    }
    const dead = await read();
    expect([dead.status, dead.attemptCount, dead.nextAttemptAt]).toEqual(['DEAD', 7, null]);
    expect(dead.attempts.map((a: any) => (new Date(a.attemptedAt).getTime() - t0) / 60_000)).toEqual(offsets);
    expect(dead.attempts.every((a: any) => a.statusCode === 500)).toBe(true);
    const sent = receiver.received.slice(before);
    expect(new Set(sent.map((r) => r.headers['callplane-delivery-id']))).toEqual(new Set([dead.deliveryId]));
    expect(new Set(sent.map((r) => r.body)).size, 'the same bytes on every retry').toBe(1);
    expect(sent.every((r) => readmeVerifier()(signature(r), r.body, app.secret, Number(/t=(\d+)/.exec(signature(r))![1])))).toBe(true);

    receiver.answerWith(() => 200);
    expect(ok(await t.gql(Q.redeliver, { id: d.id }, A.keys.admin)).redeliverDelivery.status).toBe('PENDING');
    const delivered = await t.afterJobs(read, (x) => x.status === 'DELIVERED', 'redelivery');
    expect(delivered.attempts.at(-1).statusCode).toBe(200);
    expect(receiver.received).toHaveLength(before + 8);
  });

  it('V3: after rotateVoiceAppSecret both secrets sign during the overlap; the new one is shown once', async () => {
    const rotated = ok(await t.gql(Q.rotate, { id: app.gid }, A.keys.admin)).rotateVoiceAppSecret;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(app.secret);
    expect((await t.gql(Q.rotate, { id: app.gid }, A.keys.supervisor)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooLong = await t.gql(`mutation($id: ID!) { rotateVoiceAppSecret(appId: $id, overlapSeconds: 604801) { secret } }`, { id: app.gid }, A.keys.admin);
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'overlapSeconds' });
    expect((await t.gql(Q.rotate, { id: app.gid }, B.keys.admin)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'appId' });
    const before = receiver.received.length;
    const m = await send(app.key, app.gid, 'After the rotation');
    expect(await report(app.key, { messageId: m.id, status: 'FAILED', failureReason: 'BUSY' })).toBe('STORED');
    await received(before + 1);
    const got = receiver.received[before]!;
    const verify = readmeVerifier();
    const now = t.clock.now().getTime() / 1000;
    expect([verify(signature(got), got.body, rotated.secret, now), verify(signature(got), got.body, app.secret, now)]).toEqual([true, true]);
    expect(body(got).items[0]).toMatchObject({ status: 'FAILED', failureReason: 'BUSY', billedMinutes: 0 });
  });

  it('V3: a voice app’s deliveries are read by its tenant and its PARTNER key, never by another tenant nor another app’s PARTNER key', async () => {
    const m = await send(other.key, other.gid, 'Beta’s own');
    expect(await report(other.key, { messageId: m.id, status: 'ANSWERED', durationSeconds: 5 })).toBe('STORED');
    await received(receiver.received.length + 1);
    const ids = async (key: string, appGid?: string) => ok(await t.gql(Q.deliveries, { app: appGid ?? null }, key)).deliveries.edges.map((e: any) => e.node.id as string);
    const ofA = await ids(A.keys.admin, app.gid);
    const ofB = await ids(B.keys.admin, other.gid);
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB).toHaveLength(1);
    expect(new Set(await ids(app.key))).toEqual(new Set(ofA));
    expect(await ids(A.keys.supervisor, app.gid)).toEqual(ofA);
    expect(await ids(other.key)).toEqual(ofB);
    expect(await ids(B.keys.admin, app.gid)).toEqual([]);
    expect(await ids(other.key, app.gid)).toEqual([]);
    expect(await ids(quiet.key)).toEqual([]);
    expect(ok(await t.gql(Q.delivery, { id: ofB[0] }, app.key)).delivery).toBeNull();
  });
});
