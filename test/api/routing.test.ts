import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '@callplane/schema';
import { startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';

/**
 * P8 through the API: routeCall over HTTP with the app's PARTNER key (the switch), per mode, the
 * binding's direction (8016), expiry at the exact second, isolation between apps and tenants, and
 * a flood of malformed route requests that gets codes, never a 500.
 */

let t: TestApp;
let A: TenantFixture;
let B: TenantFixture;
const app = { axb: '', ax: '', beta: '' };
const xs = { axb: '', ax: '', beta: '' };
const keys = { axb: '', ax: '' };

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { e164 } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id expiresAt } }`,
  user: `mutation($n: String!, $e: String!) { createUser(name: $n, email: $e, role: PARTNER) { id } }`,
  key: `mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`,
  route: `query($caller: String!, $called: String!, $ext: String) {
    routeCall(caller: $caller, called: $called, extension: $ext) { action matched callee displayNumber maxDurationSeconds record bindingId userData stateCode reason }
  }`,
};

let next = 0;
const party = () => `1380014${String(next++).padStart(4, '0')}`;
const e164 = (national: string) => `+86${national}`;

/** routeCall as the switch sends it: a real HTTP request to the listening server. */
async function overHttp(key: string, caller: string, called: string, ext?: string): Promise<{ status: number; body: GqlResult }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: Q.route, variables: { caller, called, ext } }),
  });
  return { status: res.status, body: (await res.json()) as GqlResult };
}
const route = async (key: string, caller: string, called: string, ext?: string) => {
  const r = await overHttp(key, caller, called, ext);
  expect(r.status).toBe(200);
  return ok(r.body).routeCall;
};

async function appWithPool(tenant: TenantFixture, input: Record<string, unknown>, national: string) {
  const [number] = await apiNumbers(t, tenant, [national]);
  const id = ok(await t.gql(Q.createApp, { input }, tenant.keys.admin)).createPrivacyApp.app.id as string;
  const [pool] = ok(await t.gql(Q.move, { app: id, ids: [number] }, tenant.keys.admin)).moveNumbersToPool;
  return { id, x: pool.e164 as string };
}

async function partnerKey(tenant: TenantFixture, appId: string) {
  const user = ok(await t.gql(Q.user, { n: `switch ${next}`, e: `switch${next++}@example.com` }, tenant.keys.admin)).createUser.id;
  return ok(await t.gql(Q.key, { u: user, app: appId }, tenant.keys.admin)).createApiKey.secret as string;
}

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  ({ id: app.axb, x: xs.axb } = await appWithPool(A, { name: 'rides', mode: 'AXB' }, '021-5580 0001'));
  ({ id: app.ax, x: xs.ax } = await appWithPool(A, { name: 'shop', mode: 'AX' }, '021-5580 0002'));
  ({ id: app.beta, x: xs.beta } = await appWithPool(B, { name: 'beta rides', mode: 'AXB' }, '021-5580 0003'));
  keys.axb = await partnerKey(A, app.axb);
  keys.ax = await partnerKey(A, app.ax);
});
afterAll(() => t?.stop());

describe('P8: routeCall over HTTP', () => {
  it('P8: the PARTNER key of an AXB app: A reaches B, B reaches A, showing X, with the binding’s options and id; others 8014', async () => {
    const [a, b] = [party(), party()];
    const bound = ok(await t.gql(Q.bind, { app: app.axb, input: { a, b, x: xs.axb, record: true, maxCallMinutes: 5, userData: 'order 12' } }, keys.axb)).bind;
    expect(await route(keys.axb, a, xs.axb)).toEqual({
      action: 'CONNECT',
      matched: 'AXB',
      callee: e164(b),
      displayNumber: xs.axb,
      maxDurationSeconds: 300,
      record: true,
      bindingId: bound.id,
      userData: 'order 12',
      stateCode: null,
      reason: null,
    });
    expect(await route(keys.axb, b, xs.axb)).toMatchObject({ action: 'CONNECT', callee: e164(a) });
    expect(await route(keys.axb, party(), xs.axb)).toMatchObject({ action: 'REJECT', stateCode: '8014', callee: null, displayNumber: null });
    // the binding id is the binding's node
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on PrivacyBinding { userData } } }`, { id: bound.id }, keys.axb)).node.userData).toBe('order 12');
  });

  it('P8: direction A_TO_B: B calling X is 8016; AX: anyone reaches A', async () => {
    const [a, b] = [party(), party()];
    ok(await t.gql(Q.bind, { app: app.axb, input: { a, b, x: xs.axb, direction: 'A_TO_B' } }, keys.axb));
    expect(await route(keys.axb, b, xs.axb)).toMatchObject({ action: 'REJECT', matched: 'AXB', stateCode: '8016' });
    expect(await route(keys.axb, a, xs.axb)).toMatchObject({ action: 'CONNECT', callee: e164(b) });
    const owner = party();
    ok(await t.gql(Q.bind, { app: app.ax, input: { a: owner, x: xs.ax } }, keys.ax));
    expect(await route(keys.ax, party(), xs.ax)).toMatchObject({ action: 'CONNECT', matched: 'AX', callee: e164(owner), maxDurationSeconds: null });
  });

  it('P5, P8: a binding stops routing at the exact second it expires', async () => {
    const [a, b] = [party(), party()];
    const bound = ok(await t.gql(Q.bind, { app: app.axb, input: { a, b, x: xs.axb, durationSeconds: 60 } }, keys.axb)).bind;
    const clock = t.clock as ManualClock;
    clock.set(new Date(new Date(bound.expiresAt).getTime() - 1));
    expect(await route(keys.axb, a, xs.axb)).toMatchObject({ action: 'CONNECT', callee: e164(b) });
    clock.set(new Date(bound.expiresAt));
    expect(await route(keys.axb, a, xs.axb)).toMatchObject({ action: 'REJECT', stateCode: '8014' });
  });

  it('P8: isolation: one app’s PARTNER key cannot route on another app’s X (8011), of its tenant or another; never the other binding', async () => {
    const [a, b] = [party(), party()];
    ok(await t.gql(Q.bind, { app: app.beta, input: { a, b, x: xs.beta } }, B.keys.admin));
    ok(await t.gql(Q.bind, { app: app.axb, input: { a, b, x: xs.axb } }, keys.axb));
    for (const [key, x] of [
      [keys.ax, xs.axb],
      [keys.axb, xs.beta],
      [A.keys.admin, xs.beta],
      [B.keys.admin, xs.axb],
    ] as const) {
      const d = await route(key, a, x);
      expect(d).toMatchObject({ action: 'REJECT', stateCode: '8011', callee: null, bindingId: null, userData: null });
    }
    expect(await route(B.keys.admin, a, xs.beta)).toMatchObject({ action: 'CONNECT', callee: e164(b) });
    const r = await overHttp(A.keys.supervisor, a, xs.axb);
    expect([r.status, r.body.errors?.[0]?.extensions?.code, r.body.data]).toEqual([200, 'FORBIDDEN', null]);
  });

  it('P8: a flood of malformed route requests gets codes naming the parameter, never a 500', async () => {
    const bad: [string, string, string | undefined, string, string][] = [
      ['', xs.axb, undefined, 'INVALID_INPUT', 'caller'],
      ['anonymous', xs.axb, undefined, 'INVALID_INPUT', 'caller'],
      ['1'.repeat(300), xs.axb, undefined, 'INVALID_INPUT', 'caller'],
      [party(), '', undefined, 'PRIVACY_NUMBER_NOT_IN_APP', 'called'],
      [party(), '+8', undefined, 'PRIVACY_NUMBER_NOT_IN_APP', 'called'],
      [party(), 'x'.repeat(5000), undefined, 'PRIVACY_NUMBER_NOT_IN_APP', 'called'],
      [party(), xs.axb, '12345', 'INVALID_INPUT', 'extension'],
      [party(), xs.axb, '1a', 'INVALID_INPUT', 'extension'],
      [party(), xs.axb, '😀', 'INVALID_INPUT', 'extension'],
    ];
    for (const [caller, called, ext, code, field] of bad) {
      const r = await overHttp(keys.axb, caller, called, ext);
      expect(r.status, JSON.stringify([caller.slice(0, 20), called.slice(0, 20), ext])).toBeLessThan(500);
      expect([r.body.errors?.[0]?.extensions?.code, r.body.errors?.[0]?.extensions?.field]).toEqual([code, field]);
    }
    const wrongType = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.axb}` },
      body: JSON.stringify({ query: Q.route, variables: { caller: 5, called: null } }),
    });
    expect(wrongType.status).toBeLessThan(500);
  });
});
