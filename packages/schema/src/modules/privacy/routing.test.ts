import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../../../test/support/errors.js';
import { countQueries } from '../../../../../test/support/sql-count.js';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import type { ManualClock } from '../../clock.js';
import { authenticate, createApiKey, createUser } from '../tenants/tenants.service.js';
import { bind, createPrivacyApp, moveNumbersToPool, type BindInput } from './privacy.service.js';
import type { PrivacyApp, PrivacyMode } from './privacy.table.js';
import { routeCall, routingKeys, routingQuery } from './routing.js';
import { seedAxbBindings } from './routing.seed.js';

/** P8 in the service: lookup order per mode, direction (8016), no binding (8014), expiry at the exact second, N5, isolation, one indexed query. */

let s: PrivacyServiceWorld;
const as = (a: Actor) => s.w.ctx(a);
const apps = {} as Record<'axb' | 'ax' | 'axe' | 'beta', PrivacyApp>;
const xs = {} as Record<keyof typeof apps, string[]>;
const partner = {} as Record<'axb' | 'ax', Actor>;

const mobile = (i: number) => `+86139${String(20_000_000 + i).slice(-8)}`;
let next = 0;
const party = () => mobile(next++);

async function appWithPool(tenant: PrivacyServiceWorld['acme'], name: string, mode: PrivacyMode, count: number, extensionLength?: number) {
  const { app } = await createPrivacyApp(as(tenant.admin), { name, mode, extensionLength });
  const numbers = await s.ownNumbers(tenant, count);
  await moveNumbersToPool(as(tenant.admin), app.id, numbers.map((n) => n.id));
  return { app, xs: numbers.map((n) => n.e164) };
}

async function partnerOf(app: PrivacyApp): Promise<Actor> {
  const user = await createUser(s.w.ctx(), { tenantId: app.tenant_id, name: `switch ${app.name}`, email: `switch-${app.id.slice(0, 8)}@example.com`, role: 'PARTNER' });
  return (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
}

beforeAll(async () => {
  s = await privacyServiceWorld();
  for (const [k, tenant, mode, n, len] of [
    ['axb', s.acme, 'AXB', 3, undefined],
    ['ax', s.acme, 'AX', 2, undefined],
    ['axe', s.acme, 'AXE', 1, 2],
    ['beta', s.beta, 'AXB', 1, undefined],
  ] as const) {
    const made = await appWithPool(tenant, `routing ${k}`, mode, n, len);
    apps[k] = made.app;
    xs[k] = made.xs;
  }
  partner.axb = await partnerOf(apps.axb);
  partner.ax = await partnerOf(apps.ax);
});
afterAll(() => s?.w.drop());

const clock = () => s.w.clock as ManualClock;
const route = (actor: Actor, caller: string, called: string, extension?: string) => routeCall(as(actor), { caller, called, extension });
const bindOn = (app: keyof typeof apps, input: Omit<BindInput, 'a'> & { a?: string }) => bind(as(s.acme.admin), apps[app].id, { a: party(), ...input });

describe('P8: lookup order per mode', () => {
  it('P8: AXB: A calling X reaches B and B calling X reaches A, showing X, with the binding’s options; anyone else 8014', async () => {
    const [a, b] = [party(), party()];
    const binding = await bindOn('axb', { a, b, x: xs.axb[0], record: true, maxCallMinutes: 30, userData: 'order 7' });
    expect(await route(partner.axb, a, xs.axb[0]!)).toEqual({
      action: 'CONNECT',
      matched: 'AXB',
      callee: b,
      displayNumber: xs.axb[0],
      maxDurationSeconds: 1800,
      record: true,
      bindingId: binding.id,
      userData: 'order 7',
    });
    expect(await route(partner.axb, b, xs.axb[0]!)).toMatchObject({ action: 'CONNECT', callee: a, displayNumber: xs.axb[0] });
    // national input is the same number
    expect(await route(partner.axb, b.replace('+86', ''), xs.axb[0]!.replace('+86', '0'))).toMatchObject({ action: 'CONNECT', callee: a });
    expect(await route(partner.axb, party(), xs.axb[0]!)).toMatchObject({ action: 'REJECT', stateCode: '8014', matched: null });
    // the same pair on another X does not route through this one
    expect(await route(partner.axb, a, xs.axb[1]!)).toMatchObject({ action: 'REJECT', stateCode: '8014' });
  });

  it('P8: AXB direction: A_TO_B lets only A call B, B_TO_A only B call A; against it 8016', async () => {
    const [a, b, c, d] = [party(), party(), party(), party()];
    await bindOn('axb', { a, b, x: xs.axb[1], direction: 'A_TO_B' });
    await bindOn('axb', { a: c, b: d, x: xs.axb[1], direction: 'B_TO_A' });
    expect(await route(partner.axb, a, xs.axb[1]!)).toMatchObject({ action: 'CONNECT', callee: b });
    expect(await route(partner.axb, b, xs.axb[1]!)).toMatchObject({ action: 'REJECT', stateCode: '8016', matched: 'AXB' });
    expect(await route(partner.axb, d, xs.axb[1]!)).toMatchObject({ action: 'CONNECT', callee: c });
    expect(await route(partner.axb, c, xs.axb[1]!)).toMatchObject({ action: 'REJECT', stateCode: '8016' });
  });

  it('P8: AX: anyone calling X reaches A (unlimited duration: null); without a binding 8014', async () => {
    const a = party();
    const binding = await bind(as(s.acme.admin), apps.ax.id, { a, x: xs.ax[0] });
    for (const caller of [party(), party()])
      expect(await route(partner.ax, caller, xs.ax[0]!)).toMatchObject({ action: 'CONNECT', matched: 'AX', callee: a, displayNumber: xs.ax[0], maxDurationSeconds: null, bindingId: binding.id });
    expect(await route(partner.ax, party(), xs.ax[1]!)).toMatchObject({ action: 'REJECT', stateCode: '8014' });
  });

  it('P8: AXE: X plus the extension reaches A; another or no extension 8014', async () => {
    const [a1, a2] = [party(), party()];
    await bindOn('axe', { a: a1, x: xs.axe[0], extension: '07' });
    await bindOn('axe', { a: a2, x: xs.axe[0], extension: '42' });
    expect(await route(s.acme.admin, party(), xs.axe[0]!, '07')).toMatchObject({ action: 'CONNECT', matched: 'AXE', callee: a1 });
    expect(await route(s.acme.admin, party(), xs.axe[0]!, '42')).toMatchObject({ action: 'CONNECT', callee: a2 });
    expect(await route(s.acme.admin, party(), xs.axe[0]!, '43')).toMatchObject({ action: 'REJECT', stateCode: '8014' });
    const none = await route(s.acme.admin, party(), xs.axe[0]!);
    expect(none).toMatchObject({ action: 'REJECT', stateCode: '8014' });
    expect((none as { reason: string }).reason).toMatch(/extension/);
  });

  it('P8: on one X the order is AXE (X + extension) → AXB (X, caller) → AX (X) → 8014', async () => {
    // an X carrying keys of every stored mode (the service never makes one; the order is the router's)
    const x = xs.axb[2]!;
    const pool = await s.w.db.selectFrom('privacy_pool_numbers').select('number_id').where('e164', '=', x).executeTakeFirstOrThrow();
    const [caller, b, axA, axeA] = [party(), party(), party(), party()];
    const raw = async (mode: 'AXB' | 'AX' | 'AXE', a: string, bNum: string | null, ext: string | null, key: string | string[]) => {
      const row = await s.w.db
        .insertInto('privacy_bindings')
        .values({ tenant_id: s.acme.tenantId, app_id: apps.axb.id, mode, x_number_id: pool.number_id, x_e164: x, a_e164: a, b_e164: bNum, extension: ext, direction: 'BOTH', record: false, max_call_minutes: 0, relay_sms: false, user_data: mode, duration_seconds: 0, expires_at: null, ended_at: null, end_reason: null, created_by: null, created_at: clock().now(), updated_at: clock().now() })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const k of [key].flat()) await s.w.db.insertInto('privacy_binding_keys').values({ x_e164: x, key: k, binding_id: row.id, tenant_id: s.acme.tenantId, app_id: apps.axb.id }).execute();
      return row.id;
    };
    const axb = await raw('AXB', caller, b, null, [`P:${caller}`, `P:${b}`]);
    const ax = await raw('AX', axA, null, null, 'AX');
    const axe = await raw('AXE', axeA, null, '5', 'E:5');
    const step = async (called: string, ext?: string) => {
      const d = await route(partner.axb, caller, called, ext);
      return d.action === 'CONNECT' ? [d.matched, d.callee, d.bindingId] : [d.stateCode];
    };
    expect(await step(x, '5')).toEqual(['AXE', axeA, axe]);
    expect(await step(x, '6')).toEqual(['AXB', b, axb]);
    await s.w.db.deleteFrom('privacy_binding_keys').where('binding_id', '=', axb).execute();
    expect(await step(x, '5')).toEqual(['AXE', axeA, axe]);
    expect(await step(x)).toEqual(['AX', axA, ax]);
    await s.w.db.deleteFrom('privacy_binding_keys').where('binding_id', '=', ax).execute();
    expect(await step(x)).toEqual(['8014']);
    await s.w.db.deleteFrom('privacy_binding_keys').where('binding_id', '=', axe).execute();
  });
});

describe('P5, P8: expiry, N5, isolation', () => {
  it('P5: a binding routes until its expiry and not at the exact second it expires, before any clean-up job', async () => {
    const [a, b] = [party(), party()];
    const binding = await bindOn('axb', { a, b, x: xs.axb[0], durationSeconds: 60 });
    expect(binding.expires_at!.getTime() - clock().now().getTime()).toBe(60_000);
    clock().advance(59.999);
    expect(await route(partner.axb, a, xs.axb[0]!)).toMatchObject({ action: 'CONNECT', callee: b });
    clock().advance(0.001);
    expect(await route(partner.axb, a, xs.axb[0]!)).toMatchObject({ action: 'REJECT', stateCode: '8014' });
    // the clean-up job has not run: the binding and its keys are still stored
    expect(await s.w.db.selectFrom('privacy_binding_keys').select('key').where('binding_id', '=', binding.id).execute()).toHaveLength(2);
  });

  it('N5: a 400 number is never the number displayed (8017), even when stored routing would show it', async () => {
    // pools refuse 400 numbers; a row forced past that guard still cannot be displayed
    const x400 = '+864008108888';
    const n = await s.w.db
      .insertInto('numbers')
      .values({ e164: x400, type: 'TOLL_FREE_400', tier: 'STANDARD', province: '上海', city: '上海', carrier: 'CHINA_TELECOM', status: 'ACTIVE', tenant_id: s.acme.tenantId, qualification_id: null, instance_id: null, application_id: null, call_type: 'INBOUND_ONLY', term_start: null, term_end: null, reserved_until: null, grace_until: null, created_at: clock().now(), updated_at: clock().now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.w.db.insertInto('privacy_pool_numbers').values({ number_id: n.id, app_id: apps.ax.id, tenant_id: s.acme.tenantId, e164: x400, province: '上海', city: '上海', created_at: clock().now(), updated_at: clock().now() }).execute();
    const b = await s.w.db
      .insertInto('privacy_bindings')
      .values({ tenant_id: s.acme.tenantId, app_id: apps.ax.id, mode: 'AX', x_number_id: n.id, x_e164: x400, a_e164: party(), b_e164: null, extension: null, direction: 'BOTH', record: false, max_call_minutes: 0, relay_sms: false, user_data: null, duration_seconds: 0, expires_at: null, ended_at: null, end_reason: null, created_by: null, created_at: clock().now(), updated_at: clock().now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.w.db.insertInto('privacy_binding_keys').values({ x_e164: x400, key: 'AX', binding_id: b.id, tenant_id: s.acme.tenantId, app_id: apps.ax.id }).execute();
    const d = await route(partner.ax, party(), '400 810 8888');
    expect(d).toMatchObject({ action: 'REJECT', stateCode: '8017', matched: 'AX' });
    expect((d as { reason: string }).reason).toMatch(/400 number/);
  });

  it('P8: isolation: a PARTNER key routes only on its app’s numbers: another app’s X, of the same or another tenant, is 8011 and never that binding', async () => {
    const [a, b] = [party(), party()];
    await bindOn('axb', { a, b, x: xs.axb[0] });
    await bind(as(s.beta.admin), apps.beta.id, { a, b, x: xs.beta[0] });
    expect(await route(partner.axb, a, xs.axb[0]!)).toMatchObject({ action: 'CONNECT', callee: b });
    for (const [who, x] of [
      [partner.ax, xs.axb[0]],
      [partner.axb, xs.beta[0]],
      [s.acme.admin, xs.beta[0]],
      [s.beta.admin, xs.axb[0]],
    ] as const)
      expect(await route(who, a, x!)).toEqual({ action: 'REJECT', matched: null, stateCode: '8011', reason: `${x} is not a number of this app` });
    expect(await route(s.beta.admin, a, xs.beta[0]!)).toMatchObject({ action: 'CONNECT', callee: b });
    expect(await route(s.w.operator, a, xs.beta[0]!)).toMatchObject({ action: 'CONNECT', callee: b });
  });

  it('P8: malformed parameters are typed errors naming them; a SUPERVISOR may not route; routing writes no event', async () => {
    const code = async (p: Promise<unknown>) => {
      const e = await failure(p);
      return [e.code, (e.extensions as { resultCode?: string }).resultCode, e.field];
    };
    expect(await code(route(partner.axb, 'anonymous', xs.axb[0]!))).toEqual(['INVALID_INPUT', '1010002', 'caller']);
    expect(await code(route(partner.axb, party(), '12'))).toEqual(['PRIVACY_NUMBER_NOT_IN_APP', '1011001', 'called']);
    for (const ext of ['12345', 'ab', '-1']) expect(await code(route(partner.axb, party(), xs.axb[0]!, ext)), ext).toEqual(['INVALID_INPUT', '1010002', 'extension']);
    expect((await failure(route(s.acme.supervisor, party(), xs.axb[0]!))).code).toBe('FORBIDDEN');
    const events = async () => (await s.w.db.selectFrom('events').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    const before = await events();
    await route(partner.axb, party(), xs.axb[0]!);
    expect(await events()).toBe(before);
  });
});

describe('P8: one indexed query', () => {
  it('P8: a stored-mode decision is one SQL statement; with 20 000 bindings its plan reads the keys and bindings by index', async () => {
    const [a, b] = [party(), party()];
    await bindOn('axb', { a, b, x: xs.axb[1] });
    expect(await countQueries(/privacy/, () => route(partner.axb, a, xs.axb[1]!))).toBe(1);
    expect(await countQueries(/./, () => route(partner.axb, a, xs.axb[1]!))).toBe(1);
    const more = await appWithPool(s.beta, 'routing bulk', 'AXB', 4);
    const bulk = await s.w.db.selectFrom('privacy_pool_numbers').select(['number_id', 'e164']).where('e164', 'in', more.xs).execute();
    expect(await seedAxbBindings(s.w.db, more.app, bulk, 5000, clock().now())).toBe(20_000);
    const compiled = routingQuery(as(partner.axb), xs.axb[1]!, routingKeys({ caller: a, extension: '1' }), clock().now()).compile();
    const plan = (await sql.raw<{ 'QUERY PLAN': string }>(`explain ${inline(compiled.sql, compiled.parameters)}`).execute(s.w.db)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan, plan).toMatch(/Index Scan using privacy_binding_keys_pk/);
    expect(plan, plan).not.toMatch(/Seq Scan on privacy_(bindings|binding_keys)/);
  });
});

/** A compiled query with its parameters written in (for EXPLAIN of exactly what runs). */
function inline(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, i) => {
    const v = params[Number(i) - 1];
    if (v instanceof Date) return `'${v.toISOString()}'::timestamptz`;
    if (typeof v === 'number') return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}
