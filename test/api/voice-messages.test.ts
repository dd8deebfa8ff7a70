import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { apiVoiceApp, apiVoicePackage, apiVoiceTenant } from '../support/voice-fixtures.js';

/**
 * V3 over GraphQL: sendVoiceMessage by the app's admin or PARTNER key (another app's PARTNER key is
 * refused), reportVoiceMessages with per-item results, voiceMessages newest first and isolated by
 * app and tenant, node(id), and voiceMessageStatusChanged.
 */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
const apps = {} as Record<'one' | 'two' | 'beta', { id: string; gid: string; key: string }>;
const TO = '+8613800138000';

const Q = {
  send: `mutation($input: SendVoiceMessageInput!) { sendVoiceMessage(input: $input) { id appId app { id name } fromNumber { e164 } to text templateId templateParams status billedMinutes } }`,
  report: `mutation($r: [VoiceMessageReportInput!]!) { reportVoiceMessages(reports: $r) { index messageId status message { id status durationSeconds billedMinutes unbilledMinutes } error { code field message } } }`,
  list: `query($app: ID, $status: VoiceMessageStatus, $after: String) { voiceMessages(first: 2, appId: $app, status: $status, after: $after) {
    edges { node { id to status appId } } pageInfo { hasNextPage endCursor } } }`,
  node: `query($id: ID!) { node(id: $id) { ... on VoiceMessage { id status } } }`,
};

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  // V1, V2 through the API: apps, their numbers, and Acme's package (Beta has none yet)
  for (const tenant of [A, B]) await apiVoiceTenant(t, tenant);
  apps.one = await apiVoiceApp(t, A, 'Acme parcels');
  apps.two = await apiVoiceApp(t, A, 'Acme reminders');
  apps.beta = await apiVoiceApp(t, B, 'Beta alerts');
  await apiVoicePackage(t, A, 1000);
});
afterAll(() => t?.stop());

const send = (input: Record<string, unknown>, key: string) => t.gql(Q.send, { input: { to: TO, text: 'Your parcel arrives today', ...input } }, key);
const report = async (reports: Record<string, unknown>[], key: string) =>
  ok(await t.gql(Q.report, { r: reports.map((r) => ({ at: t.clock.now().toISOString(), ...r })) }, key)).reportVoiceMessages as any[];

describe('V3 over GraphQL', () => {
  it('V3: the app’s PARTNER key and its tenant’s admin send; another app’s PARTNER key, another tenant and a SUPERVISOR are refused', async () => {
    const m = ok(await send({ appId: apps.one.gid }, apps.one.key)).sendVoiceMessage;
    expect(m).toMatchObject({ appId: apps.one.gid, app: { id: apps.one.gid, name: 'Acme parcels' }, to: TO, status: 'QUEUED', billedMinutes: 0, text: 'Your parcel arrives today' });
    expect(m.fromNumber.e164).toMatch(/^\+86512656/);
    const tpl = ok(await send({ appId: apps.one.gid, text: null, templateId: 'parcel', templateParams: ['SF1', '14:00'] }, A.keys.admin)).sendVoiceMessage;
    expect(tpl).toMatchObject({ templateId: 'parcel', templateParams: ['SF1', '14:00'], text: null });
    for (const key of [apps.two.key, apps.beta.key, B.keys.admin])
      expect((await send({ appId: apps.one.gid }, key)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'appId' });
    expect((await send({ appId: apps.one.gid }, A.keys.supervisor)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await send({ appId: apps.one.gid, to: '123' }, apps.one.key)).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'to' });
    expect((await send({ appId: apps.one.gid, text: 'x'.repeat(501) }, apps.one.key)).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'text' });
    expect((await send({ appId: gid('Tenant', A.tenantId) }, apps.one.key)).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_ID' });
  });

  it('V3: the switch reports outcomes per item: ANSWERED bills ceil(duration / 60), a repeat is ALREADY_REPORTED, another app’s message is UNKNOWN_VOICE_MESSAGE', async () => {
    const mine = ok(await send({ appId: apps.one.gid }, apps.one.key)).sendVoiceMessage;
    const theirs = ok(await send({ appId: apps.two.gid }, apps.two.key)).sendVoiceMessage;
    const r = await report(
      [
        { messageId: mine.id, status: 'DELIVERING' },
        { messageId: mine.id, status: 'ANSWERED', durationSeconds: 61 },
        { messageId: mine.id, status: 'ANSWERED', durationSeconds: 61 },
        { messageId: theirs.id, status: 'REJECTED' },
        { messageId: 'garbage', status: 'REJECTED' },
        { messageId: mine.id, status: 'ANSWERED' },
      ],
      apps.one.key,
    );
    expect(r.map((x) => [x.status, x.error?.code ?? null, x.error?.field ?? null])).toEqual([
      ['STORED', null, null],
      ['STORED', null, null],
      ['ALREADY_REPORTED', null, null],
      ['ERROR', 'UNKNOWN_VOICE_MESSAGE', 'messageId'],
      ['ERROR', 'UNKNOWN_VOICE_MESSAGE', 'messageId'],
      ['ERROR', 'INVALID_INPUT', 'durationSeconds'],
    ]);
    expect(r[1].message).toMatchObject({ id: mine.id, status: 'ANSWERED', durationSeconds: 61, billedMinutes: 2, unbilledMinutes: 0 });
    expect(r[4].messageId).toBe('garbage');
    expect(ok(await t.gql(Q.node, { id: theirs.id }, A.keys.supervisor)).node).toEqual({ id: theirs.id, status: 'QUEUED' });
    // a SUPERVISOR reads, never reports
    expect((await t.gql(Q.report, { r: [{ messageId: theirs.id, status: 'REJECTED', at: t.clock.now().toISOString() }] }, A.keys.supervisor)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('V3: NO_MINUTES_LEFT over HTTP writes no message; once a package is bought the same send is queued', async () => {
    const refused = await send({ appId: apps.beta.gid }, apps.beta.key);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NO_MINUTES_LEFT' });
    expect(refused.errors?.[0]?.message).toMatch(/minute/);
    expect(ok(await t.gql(Q.list, {}, B.keys.admin)).voiceMessages.edges).toEqual([]);
    await apiVoicePackage(t, B, 1000);
    expect(ok(await send({ appId: apps.beta.gid }, apps.beta.key)).sendVoiceMessage.status).toBe('QUEUED');
    expect(ok(await t.gql(Q.list, {}, B.keys.admin)).voiceMessages.edges).toHaveLength(1);
  });

  it('V3, §1: voiceMessages is newest first and paged; a PARTNER key sees its app’s only, another tenant nothing of Acme’s', async () => {
    const all = async (key: string, vars: Record<string, unknown> = {}) => {
      const out: any[] = [];
      let after: string | null = null;
      do {
        const page: any = ok(await t.gql(Q.list, { ...vars, after }, key)).voiceMessages;
        out.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      return out;
    };
    const acme = await all(A.keys.admin);
    expect(acme.length).toBeGreaterThanOrEqual(4);
    expect(new Set(acme.map((m) => m.appId))).toEqual(new Set([apps.one.gid, apps.two.gid]));
    expect((await all(apps.one.key)).every((m) => m.appId === apps.one.gid)).toBe(true);
    expect(await all(apps.one.key, { app: apps.two.gid })).toEqual([]);
    expect((await all(A.keys.supervisor, { status: 'ANSWERED' })).map((m) => m.status)).toEqual(['ANSWERED']);
    const beta = await all(B.keys.admin);
    expect(beta.every((m) => m.appId === apps.beta.gid)).toBe(true);
    for (const m of acme.slice(0, 3)) expect(ok(await t.gql(Q.node, { id: m.id }, B.keys.admin)).node).toBeNull();
    expect(ok(await t.gql(Q.node, { id: acme[0].id }, apps.beta.key)).node).toBeNull();
  });

  it('V3: voiceMessageStatusChanged delivers each change to its tenant and the app’s PARTNER key only', async () => {
    const after = await t.cursor();
    const SUB = `subscription($after: String) { voiceMessageStatusChanged(after: $after) { cursor status to billedMinutes appId message { id status } } }`;
    const feeds = {
      one: collect<any>(t.wsClient(apps.one.key), SUB, { after }),
      two: collect<any>(t.wsClient(apps.two.key), SUB, { after }),
      acme: collect<any>(t.wsClient(A.keys.supervisor), SUB, { after }),
      beta: collect<any>(t.wsClient(B.keys.admin), SUB, { after }),
    };
    const m = ok(await send({ appId: apps.one.gid }, apps.one.key)).sendVoiceMessage;
    await report([{ messageId: m.id, status: 'ANSWERED', durationSeconds: 59 }], apps.one.key);
    const two = ok(await send({ appId: apps.two.gid }, apps.two.key)).sendVoiceMessage;
    const queued = ok(await t.gql(Q.list, { status: 'QUEUED' }, B.keys.admin)).voiceMessages.edges[0].node;
    // Beta's change commits last: a leak of Acme's would reach Beta before its own
    await report([{ messageId: queued.id, status: 'REJECTED' }], apps.beta.key);
    // the cursor may stand before earlier tests' changes (a transaction elsewhere holds the horizon): only this test's messages count
    const mine = new Set([m.id, two.id, queued.id]);
    const seen = (f: { items: any[] }) => f.items.map((i) => i.voiceMessageStatusChanged).filter((c) => mine.has(c.message?.id)).map((c) => [c.message.id, c.status]);
    await feeds.acme.waitFor(() => seen(feeds.acme).length >= 3);
    await feeds.two.waitFor(() => seen(feeds.two).length >= 1);
    await feeds.one.waitFor(() => seen(feeds.one).length >= 2);
    await feeds.beta.waitFor(() => seen(feeds.beta).some(([, status]) => status === 'REJECTED'));
    expect(seen(feeds.one)).toEqual([[m.id, 'QUEUED'], [m.id, 'ANSWERED']]);
    expect(feeds.one.items.map((i) => i.voiceMessageStatusChanged).find((c) => c.status === 'ANSWERED' && c.message?.id === m.id)).toMatchObject({ billedMinutes: 1, to: TO, appId: apps.one.gid });
    expect(seen(feeds.two)).toEqual([[two.id, 'QUEUED']]);
    expect(seen(feeds.acme)).toEqual([[m.id, 'QUEUED'], [m.id, 'ANSWERED'], [two.id, 'QUEUED']]);
    // (its QUEUED change, of an earlier test, may be replayed before it)
    expect(seen(feeds.beta).filter(([, status]) => status !== 'QUEUED')).toEqual([[queued.id, 'REJECTED']]);
    // and nothing of another app or tenant at all, earlier tests' changes included
    expect(feeds.one.items.every((i) => i.voiceMessageStatusChanged.appId === apps.one.gid)).toBe(true);
    expect(feeds.beta.items.every((i) => i.voiceMessageStatusChanged.appId === apps.beta.gid)).toBe(true);
  });

  it('V3: a message with no outcome in time is FAILED (TIMEOUT) by its durable job when the clock passes the timeout, its minute given back', async () => {
    const m = ok(await send({ appId: apps.one.gid }, apps.one.key)).sendVoiceMessage;
    const PKG = `{ voicePackages(first: 10) { edges { node { id remainingMinutes } } } }`;
    const before = ok(await t.gql(PKG, {}, A.keys.admin)).voicePackages;
    ok(await t.gql(`mutation { advanceClock(seconds: 3599) }`));
    expect(ok(await t.gql(Q.node, { id: m.id }, A.keys.admin)).node.status).toBe('QUEUED');
    ok(await t.gql(`mutation { advanceClock(seconds: 1) }`));
    const node = await t.afterJobs(async () => ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on VoiceMessage { status failureReason billedMinutes } } }`, { id: m.id }, A.keys.admin)).node, (n) => n.status !== 'QUEUED', 'voice message timeout');
    expect(node).toEqual({ status: 'FAILED', failureReason: 'TIMEOUT', billedMinutes: 0 });
    expect(ok(await t.gql(PKG, {}, A.keys.admin)).voicePackages).toEqual(before);
    // every message of Acme's sent over an hour ago timed out with it: no minute is held any more
    const held = await t.app.db.selectFrom('voice_packages').select('reserved_minutes').where('tenant_id', '=', A.tenantId).execute();
    expect(held.map((p) => p.reserved_minutes)).toEqual([0]);
    // a late outcome changes nothing
    expect((await report([{ messageId: m.id, status: 'ANSWERED', durationSeconds: 30 }], apps.one.key))[0].status).toBe('ALREADY_REPORTED');
  });
});
