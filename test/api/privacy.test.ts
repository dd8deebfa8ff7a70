import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '@callplane/schema';
import { collect, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';

/**
 * Issue 12 through the API: apps with secrets shown once, pools, bindings with the documented
 * result codes as typed GraphQL errors, PARTNER keys of one app, expiry at the exact second, the
 * subscriptions, and a flood of malformed input that never gets a 500.
 */

let t: TestApp;
let A: TenantFixture;
let B: TenantFixture;
const app = { axb: '', ax: '', x: '' };
let xs: string[] = [];
let partnerKey = '';
let partnerOfAx = '';
/** The test app's manual clock, moved without running jobs (advanceClock would run them). */
const clock = () => t.clock as ManualClock;

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { secret app { id mode extensionLength secretCreatedAt } } }`,
  rotate: `mutation($app: ID!, $s: Int) { rotateAppSecret(appId: $app, overlapSeconds: $s) { secret previousValidUntil app { id previousSecretValidUntil } } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id e164 city } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id x a b userData expiresAt active } }`,
  unbind: `mutation($app: ID!, $id: ID, $a: String, $b: String, $x: String) { unbind(appId: $app, bindingId: $id, a: $a, b: $b, x: $x) { id endReason active } }`,
  update: `mutation($id: ID!, $input: BindingUpdateInput!) { updateBinding(bindingId: $id, input: $input) { id expiresAt } }`,
  usage: `query($id: ID!) { privacyApp(id: $id) { poolUsage { city total bound free } poolNumbers(first: 10) { edges { node { e164 quota { bound limit remaining } } } } } }`,
  binding: `query($id: ID!) { privacyBinding(id: $id) { id active endReason } }`,
  user: `mutation($n: String!, $e: String!) { createUser(name: $n, email: $e, role: PARTNER) { id } }`,
  key: `mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`,
};

const mobile = (i: number) => `1380013${String(i).padStart(4, '0')}`;
let next = 0;
const party = () => mobile(next++);

/** The first error's code, documented result code and field. */
const codes = (r: GqlResult) => {
  const e = r.errors?.[0]?.extensions as { code?: string; resultCode?: string; field?: string } | undefined;
  return [e?.code, e?.resultCode, e?.field];
};

async function partnerKeyOf(tenant: TenantFixture, appId: string): Promise<GqlResult> {
  const user = ok(await t.gql(Q.user, { n: `switch ${next++}`, e: `switch${next++}@example.com` }, tenant.keys.admin)).createUser.id;
  return t.gql(Q.key, { u: user, app: appId }, tenant.keys.admin);
}

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  const numbers = await apiNumbers(t, A, ['021-5570 0001', '021-5570 0002', '021-5570 0003']);
  const made = async (input: Record<string, unknown>) => ok(await t.gql(Q.createApp, { input }, A.keys.admin)).createPrivacyApp;
  app.axb = (await made({ name: 'rides', mode: 'AXB', cdrUrl: 'https://hooks.example/cdr' })).app.id;
  app.ax = (await made({ name: 'shop', mode: 'AX' })).app.id;
  app.x = (await made({ name: 'control', mode: 'X', callControlUrl: 'https://control.example/route' })).app.id;
  xs = ok(await t.gql(Q.move, { app: app.axb, ids: numbers.slice(0, 2) }, A.keys.admin)).moveNumbersToPool.map((p: { e164: string }) => p.e164);
  ok(await t.gql(Q.move, { app: app.ax, ids: numbers.slice(2) }, A.keys.admin));
  partnerKey = ok(await partnerKeyOf(A, app.axb)).createApiKey.secret;
  partnerOfAx = ok(await partnerKeyOf(A, app.ax)).createApiKey.secret;
});
afterAll(() => t?.stop());

describe('P1, P6: apps, secrets, pools', () => {
  it('P1: the signing secret is shown once: no field of the API reads it; rotation keeps the previous one valid for the overlap', async () => {
    const created = ok(await t.gql(Q.createApp, { input: { name: 'secretive', mode: 'AXE', extensionLength: 3 } }, A.keys.admin)).createPrivacyApp;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.app.extensionLength).toBe(3);
    const type = ok(await t.gql(`{ __type(name: "PrivacyApp") { fields { name } } }`)).__type.fields.map((f: { name: string }) => f.name);
    expect(type.filter((f: string) => /secret/i.test(f))).toEqual(['previousSecretValidUntil', 'secretCreatedAt']);
    const rotated = ok(await t.gql(Q.rotate, { app: created.app.id, s: 3600 }, A.keys.admin)).rotateAppSecret;
    expect(rotated.secret).not.toBe(created.secret);
    expect(new Date(rotated.previousValidUntil).getTime() - t.clock.now().getTime()).toBe(3600_000);
    expect(codes(await t.gql(Q.rotate, { app: created.app.id, s: 8 * 86_400 }, A.keys.admin))).toEqual(['INVALID_INPUT', '1010002', 'overlapSeconds']);
  });

  it('P6: extension lengths 1–4 for AXE only; X mode needs a call-control URL; URLs must be http(s)', async () => {
    const create = (input: Record<string, unknown>) => t.gql(Q.createApp, { input: { name: `app ${next++}`, ...input } }, A.keys.admin);
    for (const len of [1, 2, 3, 4]) expect(ok(await create({ mode: 'AXE', extensionLength: len })).createPrivacyApp.app.extensionLength).toBe(len);
    for (const len of [0, 5, null]) expect(codes(await create({ mode: 'AXE', extensionLength: len })), String(len)).toEqual(['INVALID_INPUT', '1010002', 'extensionLength']);
    expect(codes(await create({ mode: 'AXB', extensionLength: 2 }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'extensionLength']);
    expect(codes(await create({ mode: 'X' }))).toEqual(['INVALID_INPUT', '1010002', 'callControlUrl']);
    expect(codes(await create({ mode: 'AXB', cdrUrl: 'ftp://hooks.example/cdr' }))).toEqual(['INVALID_INPUT', '1010002', 'cdrUrl']);
    expect(codes(await create({ mode: 'AXB', statusUrl: 'not a url' }))).toEqual(['INVALID_INPUT', '1010002', 'statusUrl']);
    expect(codes(await t.gql(Q.createApp, { input: { name: 'rides', mode: 'AX' } }, A.keys.admin))).toEqual(['ALREADY_EXISTS', undefined, 'name']);
  });

  it('P1: pool usage per city (total, bound, free) and per X its bound count and remaining quota (P4); none for X mode', async () => {
    const before = ok(await t.gql(Q.usage, { id: app.axb }, A.keys.supervisor)).privacyApp;
    expect(before.poolUsage).toEqual([{ city: '上海', total: 2, bound: 0, free: 2 }]);
    const b = ok(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party(), x: xs[0] } }, A.keys.admin)).bind;
    const after = ok(await t.gql(Q.usage, { id: app.axb }, A.keys.supervisor)).privacyApp;
    expect(after.poolUsage).toEqual([{ city: '上海', total: 2, bound: 1, free: 1 }]);
    const quota = Object.fromEntries(after.poolNumbers.edges.map((e: any) => [e.node.e164, e.node.quota]));
    expect(quota[xs[0]!]).toEqual({ bound: 1, limit: 5000, remaining: 4999 });
    expect(quota[xs[1]!]).toEqual({ bound: 0, limit: 5000, remaining: 5000 });
    ok(await t.gql(Q.unbind, { app: app.axb, id: b.id }, A.keys.admin));
    expect(ok(await t.gql(Q.usage, { id: app.x }, A.keys.admin)).privacyApp.poolUsage).toEqual([]);
  });

  it('P1: never a 400 number, nor another tenant’s, in a pool', async () => {
    const other = await apiNumbers(t, B, ['021-5570 0101']);
    const r = await t.gql(Q.move, { app: app.axb, ids: other }, A.keys.admin);
    expect([r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.field]).toEqual(['NOT_FOUND', 'numberIds.0']);
  });
});

describe('§1: PARTNER keys of one app', () => {
  it('createApiKey(appId): only for an app of the user’s tenant', async () => {
    expect(codes(await partnerKeyOf(B, app.axb))).toEqual(['NOT_FOUND', undefined, 'appId']);
  });

  it('a PARTNER key binds and reads on its app; another app’s ids are NOT_FOUND; another tenant sees nothing', async () => {
    const b = ok(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party() } }, partnerKey)).bind;
    expect(ok(await t.gql(Q.binding, { id: b.id }, partnerKey)).privacyBinding.id).toBe(b.id);
    expect(ok(await t.gql(Q.binding, { id: b.id }, partnerOfAx)).privacyBinding).toBeNull();
    expect(codes(await t.gql(Q.bind, { app: app.ax, input: { a: party() } }, partnerKey))).toEqual(['NOT_FOUND', undefined, 'appId']);
    expect(codes(await t.gql(Q.update, { id: b.id, input: { record: true } }, partnerOfAx))).toEqual(['NOT_FOUND', undefined, 'bindingId']);
    expect(codes(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party() } }, B.keys.admin))).toEqual(['NOT_FOUND', undefined, 'appId']);
    expect(ok(await t.gql(`{ privacyApps { edges { node { id } } } }`, {}, partnerKey)).privacyApps.edges.map((e: any) => e.node.id)).toEqual([app.axb]);
    expect(codes(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party() } }, A.keys.supervisor))).toEqual(['FORBIDDEN', undefined, null]);
  });
});

describe('P7: every documented code as a typed GraphQL error', () => {
  const bind = (appId: string, input: Record<string, unknown>, key = A.keys.admin) => t.gql(Q.bind, { app: appId, input }, key);

  it('P7 1010002: invalid request names the parameter', async () => {
    expect(codes(await bind(app.axb, { a: '123', b: party() }))).toEqual(['INVALID_INPUT', '1010002', 'a']);
    const r = await bind(app.axb, { a: party(), b: party(), userData: 'x'.repeat(257) });
    expect(codes(r)).toEqual(['INVALID_INPUT', '1010002', 'userData']);
    expect(r.errors![0]!.message).toMatch(/^1010002: invalid request: userData/);
  });

  it('P7 1011001: X not the app’s', async () => {
    expect(codes(await bind(app.axb, { a: party(), b: party(), x: '021-5570 0101' }))).toEqual(['PRIVACY_NUMBER_NOT_IN_APP', '1011001', 'x']);
  });

  it('P7 1011002: no free number in the pool', async () => {
    expect(codes(await bind(app.axb, { a: party(), b: party(), city: '广州' }))).toEqual(['PRIVACY_POOL_EXHAUSTED', '1011002', 'city']);
  });

  it('P7 1011004 and 1012001: unbinding what was not bound', async () => {
    expect(codes(await t.gql(Q.unbind, { app: app.ax, x: '021-5570 0003' }, A.keys.admin))).toEqual(['PRIVACY_AX_NOT_BOUND', '1011004', 'x']);
    expect(codes(await t.gql(Q.unbind, { app: app.axb, a: party(), b: party() }, A.keys.admin))).toEqual(['PRIVACY_AXB_NOT_BOUND', '1012001', 'a']);
  });

  it('P7 1012010: already bound', async () => {
    const [a, b] = [party(), party()];
    ok(await bind(app.axb, { a, b, x: xs[1] }));
    expect(codes(await bind(app.axb, { a: b, b: party(), x: xs[1] }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'a']);
  });

  it('P7 1010040: the operation does not match the app’s mode', async () => {
    expect(codes(await bind(app.x, { a: party() }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'appId']);
    expect(codes(await bind(app.ax, { a: party(), b: party() }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'b']);
  });

  it('P7: a flood of malformed binds and unbinds gets codes, never a 500', async () => {
    const bad: Record<string, unknown>[] = [
      { a: '' }, { a: '+86' }, { a: '1'.repeat(300) }, { a: party(), b: 'b' }, { a: party(), b: party(), x: 'xx' }, { a: party(), b: party(), extension: '12345' },
      { a: party(), b: party(), durationSeconds: 59 }, { a: party(), b: party(), durationSeconds: 90 * 86_400 + 1 }, { a: party(), b: party(), durationSeconds: 2 ** 31 },
      { a: party(), b: party(), userData: '字'.repeat(257) }, { a: party(), b: party(), maxCallMinutes: 99999 }, { a: party(), b: party(), direction: 'UP' },
      { a: party(), b: party(), mode: 'AX' }, { a: party(), b: party(), areaCode: '---' }, { a: 5 }, {},
    ];
    for (const input of bad) {
      const res = await t.app.yoga.fetch('http://callplane.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${A.keys.admin}` },
        body: JSON.stringify({ query: Q.bind, variables: { app: app.axb, input } }),
      });
      expect(res.status, JSON.stringify(input)).toBeLessThan(500);
      const body = (await res.json()) as GqlResult;
      const code = body.errors?.[0]?.extensions?.code;
      expect(['INVALID_INPUT', 'PRIVACY_NUMBER_NOT_IN_APP', 'PRIVACY_WRONG_MODE'], JSON.stringify([input, body.errors])).toContain(code);
    }
    for (const v of [{ id: 'bad' }, { a: 'x', b: 'y' }, { x: '+8' }, {}]) {
      const r = await t.gql(Q.unbind, { app: app.axb, ...v }, A.keys.admin);
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(v)).not.toBe('INTERNAL_SERVER_ERROR');
      expect(r.errors?.length).toBe(1);
    }
  });
});

describe('P3, P9: conflicts and queries through the API', () => {
  it('P3: two concurrent conflicting binds on one X leave exactly one binding; the other answers 1012010', async () => {
    const [a, b, c] = [party(), party(), party()];
    const [one, two] = await Promise.all([
      t.gql(Q.bind, { app: app.axb, input: { a, b, x: xs[0] } }, A.keys.admin),
      t.gql(Q.bind, { app: app.axb, input: { a: b, b: c, x: xs[0] } }, partnerKey),
    ]);
    const results = [one, two].map((r) => (r.errors ? codes(r) : 'bound'));
    expect(results.sort()).toEqual([['PRIVACY_ALREADY_BOUND', '1012010', expect.any(String)], 'bound'].sort());
    const active = ok(await t.gql(`query($n: String!) { privacyBindings(number: $n, activeOnly: true) { edges { node { a b } } } }`, { n: b }, A.keys.admin));
    expect(active.privacyBindings.edges).toHaveLength(1);
  });

  it('P9: bindings by number, by X and by id; a malformed number is 1010002', async () => {
    const [a, b] = [party(), party()];
    const bound = ok(await t.gql(Q.bind, { app: app.axb, input: { a, b, userData: 'p9' } }, A.keys.admin)).bind;
    const q = `query($n: String, $x: String) { privacyBindings(number: $n, x: $x, first: 100) { edges { node { id a b x userData } } } }`;
    expect(ok(await t.gql(q, { n: `+86${a}` }, A.keys.supervisor)).privacyBindings.edges.map((e: any) => e.node.id)).toEqual([bound.id]);
    expect(ok(await t.gql(q, { x: bound.x }, partnerKey)).privacyBindings.edges.map((e: any) => e.node.id)).toContain(bound.id);
    expect(ok(await t.gql(q, { n: a }, B.keys.admin)).privacyBindings.edges).toEqual([]);
    expect(codes(await t.gql(q, { n: 'nope' }, A.keys.admin))).toEqual(['INVALID_INPUT', '1010002', 'number']);
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on PrivacyBinding { userData app { name } } } }`, { id: bound.id }, partnerKey)).node).toEqual({ userData: 'p9', app: { name: 'rides' } });
  });
});

describe('P5: expiry and the subscriptions', () => {
  it('P5: a binding stops at the exact second it expires, before the job runs; the job then writes EXPIRED (bindingChanged, poolUsageChanged)', async () => {
    const [fresh] = await apiNumbers(t, A, ['021-5570 0301']);
    const x = ok(await t.gql(Q.move, { app: app.axb, ids: [fresh] }, A.keys.admin)).moveNumbersToPool[0].e164;
    const bound = ok(await t.gql(Q.usage, { id: app.axb }, A.keys.admin)).privacyApp.poolUsage[0].bound;
    const after = ok(await t.gql(`{ eventCursor }`)).eventCursor;
    const feed = collect<any>(t.wsClient(partnerKey), `subscription($after: String) { bindingChanged(after: $after) { change binding { id } userData } }`, { after });
    const usage = collect<any>(t.wsClient(A.keys.supervisor), `subscription($after: String) { poolUsageChanged(after: $after) { app { id } city total bound free } }`, { after });
    const b = ok(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party(), x, durationSeconds: 60, userData: 'ride 7' } }, partnerKey)).bind;
    expect(b.active).toBe(true);
    clock().advance(59);
    expect(ok(await t.gql(Q.binding, { id: b.id }, partnerKey)).privacyBinding).toEqual({ id: b.id, active: true, endReason: null });
    clock().advance(1); // the second it expires: inactive, though no job has run
    expect(ok(await t.gql(Q.binding, { id: b.id }, partnerKey)).privacyBinding).toEqual({ id: b.id, active: false, endReason: null });
    await t.afterJobs(async () => ok(await t.gql(Q.binding, { id: b.id }, partnerKey)).privacyBinding.endReason, (r) => r === 'EXPIRED', 'expiry');
    await feed.waitFor(() => feed.items.some((i) => i.bindingChanged.change === 'EXPIRED'));
    expect(feed.items.filter((i) => i.bindingChanged.binding.id === b.id).map((i) => [i.bindingChanged.change, i.bindingChanged.userData])).toEqual([
      ['BOUND', 'ride 7'],
      ['EXPIRED', 'ride 7'],
    ]);
    // the stream may start earlier than asked (eventCursor waits for older open transactions: RT1): the last two changes are this test's
    const last2 = () => usage.items.slice(-2).map((u) => [u.poolUsageChanged.app.id, u.poolUsageChanged.total, u.poolUsageChanged.bound]);
    const total = ok(await t.gql(Q.usage, { id: app.axb }, A.keys.admin)).privacyApp.poolUsage[0].total;
    await usage.waitFor(() => JSON.stringify(last2()) === JSON.stringify([[app.axb, total, bound + 1], [app.axb, total, bound]]));
    expect(feed.errors).toEqual([]);
  });

  it('P5: updateBinding with a new duration restarts the clock', async () => {
    const b = ok(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party(), durationSeconds: 120 } }, A.keys.admin)).bind;
    clock().advance(100);
    const u = ok(await t.gql(Q.update, { id: b.id, input: { durationSeconds: 120 } }, A.keys.admin)).updateBinding;
    expect(new Date(u.expiresAt).getTime()).toBe(t.clock.now().getTime() + 120_000);
    clock().advance(100);
    expect(ok(await t.gql(Q.binding, { id: b.id }, A.keys.admin)).privacyBinding.active).toBe(true);
  });
});

describe('N7: unsubscribing a pool number', () => {
  it('N7: a pool number with active bindings fails the check (ACTIVE_BINDINGS); without, it is released and leaves the pool', async () => {
    const [bound, idle] = await apiNumbers(t, A, ['021-5570 0201', '021-5570 0202']);
    const pool = ok(await t.gql(Q.move, { app: app.axb, ids: [bound, idle] }, A.keys.admin)).moveNumbersToPool;
    const x = pool.find((p: any) => p.e164 === '+862155700201').e164;
    ok(await t.gql(Q.bind, { app: app.axb, input: { a: party(), b: party(), x } }, A.keys.admin));
    const batch = ok(await t.gql(`mutation($ids: [ID!]!) { unsubscribeNumbers(numberIds: $ids) { id } }`, { ids: [bound, idle] }, A.keys.admin)).unsubscribeNumbers.id;
    const items = await t.afterJobs(
      async () => ok(await t.gql(`query($id: ID!) { unsubscribeBatch(id: $id) { status items { e164 result reasonCode } } }`, { id: batch })).unsubscribeBatch,
      (b: any) => b.status !== 'CHECKING',
      'unsubscribe',
    );
    expect(items.status).toBe('PARTIAL_SUCCESS');
    expect(items.items.map((i: any) => [i.e164, i.result, i.reasonCode])).toEqual([
      ['+862155700201', 'FAILED', 'ACTIVE_BINDINGS'],
      ['+862155700202', 'RELEASED', null],
    ]);
    const left = ok(await t.gql(`query($app: ID!) { poolNumbers(appId: $app, first: 50) { edges { node { e164 } } } }`, { app: app.axb }, A.keys.admin));
    const e164s = left.poolNumbers.edges.map((e: any) => e.node.e164);
    expect(e164s).toContain('+862155700201');
    expect(e164s).not.toContain('+862155700202');
    expect(fromGlobal(idle)).toBeTruthy();
    expect(gid('Number', fromGlobal(idle))).toBe(idle);
  });
});
