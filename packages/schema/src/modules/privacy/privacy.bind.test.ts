import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { createApiKey, createUser } from '../tenants/tenants.service.js';
import { authenticate } from '../tenants/tenants.service.js';
import {
  bind,
  bindingsQuery,
  createPrivacyApp,
  moveNumbersToPool,
  MAX_AXB_PAIRS_PER_X,
  unbind,
  updateBinding,
  type BindInput,
} from './privacy.service.js';
import type { PrivacyApp, PrivacyMode } from './privacy.table.js';

let s: PrivacyServiceWorld;
const as = (a: Actor) => s.w.ctx(a);
const apps = {} as Record<'axb' | 'ax' | 'axe' | 'axe2' | 'x', PrivacyApp>;
/** X numbers of each app's pool, E.164. */
const xs = {} as Record<keyof typeof apps, string[]>;
let partner: Actor;

async function appWithPool(name: string, mode: PrivacyMode, count: number, extensionLength?: number) {
  const { app } = await createPrivacyApp(as(s.acme.admin), {
    name,
    mode,
    extensionLength,
    callControlUrl: mode === 'X' ? 'https://control.example/x' : undefined,
  });
  const numbers = await s.ownNumbers(s.acme, count);
  await moveNumbersToPool(as(s.acme.admin), app.id, numbers.map((n) => n.id));
  return { app, xs: numbers.map((n) => n.e164) };
}

const mobile = (i: number) => `+86138${String(10_000_000 + i).slice(-8)}`;
let nextParty = 0;
const party = () => mobile(nextParty++);

beforeAll(async () => {
  s = await privacyServiceWorld();
  for (const [k, mode, n, len] of [
    ['axb', 'AXB', 3, undefined],
    ['ax', 'AX', 7, undefined],
    ['axe', 'AXE', 1, 1],
    ['axe2', 'AXE', 1, 2],
    ['x', 'X', 1, undefined],
  ] as const) {
    const made = await appWithPool(`app ${k}`, mode, n, len);
    apps[k] = made.app;
    xs[k] = made.xs;
  }
  const user = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'switch', email: 'switch@acme.example', role: 'PARTNER' });
  const key = await createApiKey(s.w.ctx(), { userId: user.id, appId: apps.axb.id });
  partner = (await authenticate(s.w.ctx(), key.secret))!;
});
afterAll(() => s?.w.drop());

const axb = (over: Partial<BindInput> = {}) => bind(as(s.acme.admin), apps.axb.id, { a: party(), b: party(), x: xs.axb[0], ...over });
const code = async (p: Promise<unknown>) => {
  const e = await failure(p);
  return [e.code, (e.extensions as { resultCode?: string }).resultCode, e.field];
};

describe('P2, P3: bindings per mode', () => {
  it('P3: AXB A–X–B and C–X–D share an X; A–X–B and B–X–C do not (1012010)', async () => {
    const [a, b, c, d] = [party(), party(), party(), party()];
    const first = await axb({ a, b });
    expect([first.mode, first.a_e164, first.b_e164, first.x_e164]).toEqual(['AXB', a, b, xs.axb[0]]);
    await axb({ a: c, b: d });
    expect(await code(axb({ a: b, b: c }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'a']);
    expect(await code(axb({ a: c, b: party() }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'a']);
    expect(await code(axb({ a: party(), b: a }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'b']);
    // another X takes the same pair
    expect((await axb({ a: b, b: c, x: xs.axb[1] })).x_e164).toBe(xs.axb[1]);
  });

  it('P3: two concurrent conflicting binds leave exactly one binding; the other gets 1012010', async () => {
    const [a, b, c] = [party(), party(), party()];
    const results = await Promise.allSettled([axb({ a, b, x: xs.axb[2] }), axb({ a: b, b: c, x: xs.axb[2] }), axb({ a: c, b: a, x: xs.axb[2] })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason.extensions.resultCode).toBe('1012010');
    const stored = await s.w.db.selectFrom('privacy_bindings').select('id').where('x_e164', '=', xs.axb[2]!).where((eb) => eb.or([eb('a_e164', 'in', [a, b, c])])).execute();
    expect(stored).toHaveLength(1);
  });

  it(`P3: an X holds at most ${MAX_AXB_PAIRS_PER_X} AXB pairs; then 1012010, and a picked X is another`, async () => {
    const x = xs.axb[1]!;
    const pool = await s.w.db.selectFrom('privacy_pool_numbers').select('number_id').where('e164', '=', x).executeTakeFirstOrThrow();
    const have = (await s.w.db.selectFrom('privacy_bindings').select(sql<number>`count(*)::int`.as('n')).where('x_e164', '=', x).where('ended_at', 'is', null).executeTakeFirstOrThrow()).n;
    await sql`insert into privacy_bindings (tenant_id, app_id, mode, x_number_id, x_e164, a_e164, b_e164, direction, record, max_call_minutes, relay_sms, duration_seconds, created_at, updated_at)
      select ${s.acme.tenantId}, ${apps.axb.id}, 'AXB', ${pool.number_id}, ${x}, '+8613900' || lpad(i::text, 6, '0'), '+8613700' || lpad(i::text, 6, '0'), 'BOTH', false, 0, false, 0, now(), now()
      from generate_series(1, ${MAX_AXB_PAIRS_PER_X - have}) i`.execute(s.w.db);
    expect(await code(axb({ x }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'x']);
    const picked = await axb({ x: null });
    expect(picked.x_e164).not.toBe(x);
  });

  it('P2, P3: AX bindings are permanent; an X has at most one AX binding, and an A at most 5 AX numbers', async () => {
    const a = party();
    const bound = [];
    for (const x of xs.ax.slice(0, 5)) bound.push(await bind(as(s.acme.admin), apps.ax.id, { a, x }));
    expect(bound.map((b) => [b.mode, b.expires_at, b.duration_seconds])).toEqual(bound.map(() => ['AX', null, 0]));
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a, x: xs.ax[5] }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'a']);
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'a']);
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a: party(), x: xs.ax[0] }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'x']);
    // picked from the pool: the one X left without an AX binding, then none (1011002)
    expect((await bind(as(s.acme.admin), apps.ax.id, { a: party() })).x_e164).toBe(xs.ax[5]);
    expect((await bind(as(s.acme.admin), apps.ax.id, { a: party() })).x_e164).toBe(xs.ax[6]);
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a: party() }))).toEqual(['PRIVACY_POOL_EXHAUSTED', '1011002', 'x']);
  });

  it('P6: AXE extensions have the app’s length, are auto-assigned from 1 (or 01) and unique per X', async () => {
    const one = await bind(as(s.acme.admin), apps.axe.id, { a: party() });
    expect(one.extension).toBe('1');
    expect((await bind(as(s.acme.admin), apps.axe.id, { a: party(), extension: '5' })).extension).toBe('5');
    expect((await bind(as(s.acme.admin), apps.axe.id, { a: party() })).extension).toBe('2');
    expect(await code(bind(as(s.acme.admin), apps.axe.id, { a: party(), extension: '5' }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'extension']);
    expect((await bind(as(s.acme.admin), apps.axe2.id, { a: party() })).extension).toBe('01');
    for (const bad of ['0', '00', '1a', '123', ''])
      expect(await code(bind(as(s.acme.admin), apps.axe2.id, { a: party(), extension: bad })), bad).toEqual(['INVALID_INPUT', '1010002', 'extension']);
    expect((await bind(as(s.acme.admin), apps.axe2.id, { a: party(), extension: '99' })).extension).toBe('99');
  });

  it('P6: an AXE X with every extension bound takes no more (1012010); the pool has no free number (1011002)', async () => {
    for (let i = 0; i < 6; i++) await bind(as(s.acme.admin), apps.axe.id, { a: party() });
    expect(await code(bind(as(s.acme.admin), apps.axe.id, { a: party(), x: xs.axe[0] }))).toEqual(['PRIVACY_ALREADY_BOUND', '1012010', 'x']);
    expect(await code(bind(as(s.acme.admin), apps.axe.id, { a: party() }))).toEqual(['PRIVACY_POOL_EXHAUSTED', '1011002', 'x']);
  });
});

describe('P5: binding options', () => {
  it('P5: direction, record, max call minutes, relay SMS and user data are kept; default duration 2 hours', async () => {
    const b = await axb({ x: null, direction: 'A_TO_B', record: true, maxCallMinutes: 1440, relaySms: true, userData: '订单 42 ✓' });
    expect([b.direction, b.record, b.max_call_minutes, b.relay_sms, b.user_data, b.duration_seconds]).toEqual(['A_TO_B', true, 1440, true, '订单 42 ✓', 7200]);
    expect(b.expires_at!.getTime() - b.created_at.getTime()).toBe(7200_000);
    const events = await readableEvents(s.w.db, { types: ['BINDING_CHANGED'], subjectId: b.id });
    expect(events.map((e) => [e.type, e.appId, e.payload.change, e.payload.userData])).toEqual([['BINDING_CHANGED', apps.axb.id, 'BOUND', '订单 42 ✓']]);
  });

  it('P5: durations 0, 60 s and 90 days are taken; 59 s and 90 days + 1 s are 1010002', async () => {
    for (const d of [0, 60, 90 * 86_400]) expect((await axb({ x: null, durationSeconds: d })).duration_seconds).toBe(d);
    for (const d of [59, 90 * 86_400 + 1, -1, 1.5]) expect(await code(axb({ x: null, durationSeconds: d })), String(d)).toEqual(['INVALID_INPUT', '1010002', 'durationSeconds']);
  });

  it('P5: user data of 256 characters is taken, 257 is 1010002; max call minutes 0–1440', async () => {
    expect((await axb({ x: null, userData: '字'.repeat(256) })).user_data).toHaveLength(256);
    expect(await code(axb({ x: null, userData: 'x'.repeat(257) }))).toEqual(['INVALID_INPUT', '1010002', 'userData']);
    expect(await code(axb({ x: null, maxCallMinutes: 1441 }))).toEqual(['INVALID_INPUT', '1010002', 'maxCallMinutes']);
  });

  it('P5: updateBinding changes options; a new duration restarts the clock from now', async () => {
    const b = await axb({ x: null, durationSeconds: 600 });
    s.w.clock.advance(300);
    const u = await updateBinding(as(s.acme.admin), b.id, { durationSeconds: 600, record: true, userData: null });
    expect(u.expires_at!.getTime()).toBe(s.w.clock.now().getTime() + 600_000);
    expect([u.record, u.user_data]).toEqual([true, null]);
    const permanent = await updateBinding(as(s.acme.admin), b.id, { durationSeconds: 0 });
    expect(permanent.expires_at).toBeNull();
    expect(await code(updateBinding(as(s.acme.admin), b.id, { durationSeconds: 59 }))).toEqual(['INVALID_INPUT', '1010002', 'durationSeconds']);
  });
});

describe('P7: result codes', () => {
  it('P7 1010002: a malformed A or B names the parameter; A = B is refused', async () => {
    for (const [field, over] of [['a', { a: '12' }], ['b', { b: 'not a number' }], ['b', { b: null }], ['a', { a: '' }]] as const)
      expect(await code(axb(over as Partial<BindInput>)), field).toEqual(['INVALID_INPUT', '1010002', field]);
    const a = party();
    expect(await code(axb({ a, b: a }))).toEqual(['INVALID_INPUT', '1010002', 'b']);
  });

  it('P7 1011001: an X that is not the app’s, or is malformed', async () => {
    expect(await code(axb({ x: xs.ax[0] }))).toEqual(['PRIVACY_NUMBER_NOT_IN_APP', '1011001', 'x']);
    expect(await code(axb({ x: '+8621' }))).toEqual(['PRIVACY_NUMBER_NOT_IN_APP', '1011001', 'x']);
  });

  it('P7 1011002: no free number in the pool (strict area); not strict takes another city', async () => {
    expect(await code(axb({ x: null, city: '北京' }))).toEqual(['PRIVACY_POOL_EXHAUSTED', '1011002', 'city']);
    expect(await code(axb({ x: null, areaCode: '010' }))).toEqual(['PRIVACY_POOL_EXHAUSTED', '1011002', 'areaCode']);
    expect((await axb({ x: null, areaCode: '010', strictArea: false })).x_e164).toMatch(/^\+8621/);
    expect((await axb({ x: null, areaCode: '021' })).x_e164).toMatch(/^\+8621/);
  });

  it('P7 1010040: X mode has no stored bindings; a parameter of another mode; a mode that is not the app’s', async () => {
    expect(await code(bind(as(s.acme.admin), apps.x.id, { a: party() }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'appId']);
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a: party(), b: party() }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'b']);
    expect(await code(bind(as(s.acme.admin), apps.axb.id, { a: party(), b: party(), extension: '1' }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'extension']);
    expect(await code(bind(as(s.acme.admin), apps.axb.id, { mode: 'AX', a: party(), b: party() }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'mode']);
    expect(await code(bind(as(s.acme.admin), apps.ax.id, { a: party(), durationSeconds: 600 }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'durationSeconds']);
    expect(await code(bind(as(s.acme.admin), apps.axe.id, { a: party(), direction: 'A_TO_B' }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'direction']);
    expect(await code(unbind(as(s.acme.admin), apps.x.id, { x: '021 6000 0000' }))).toEqual(['PRIVACY_WRONG_MODE', '1010040', 'appId']);
  });

  it('P7 1012001 / 1011004: unbinding what was not bound; unbinding by id and by numbers', async () => {
    const [a, b] = [party(), party()];
    expect(await code(unbind(as(s.acme.admin), apps.axb.id, { a, b }))).toEqual(['PRIVACY_AXB_NOT_BOUND', '1012001', 'a']);
    expect(await code(unbind(as(s.acme.admin), apps.ax.id, { a }))).toEqual(['PRIVACY_AX_NOT_BOUND', '1011004', 'a']);
    expect(await code(unbind(as(s.acme.admin), apps.axe2.id, { x: xs.axe2[0], extension: '50' }))).toEqual(['PRIVACY_AX_NOT_BOUND', '1011004', 'x']);
    const bound = await axb({ a, b, x: null });
    // by the numbers, in either order
    expect((await unbind(as(s.acme.admin), apps.axb.id, { a: b, b: a })).map((u) => [u.id, u.end_reason])).toEqual([[bound.id, 'UNBOUND']]);
    expect(await code(unbind(as(s.acme.admin), apps.axb.id, { bindingId: bound.id }))).toEqual(['PRIVACY_AXB_NOT_BOUND', '1012001', 'bindingId']);
    // the pair may be bound again at once
    const again = await axb({ a, b, x: bound.x_e164 });
    expect((await unbind(as(s.acme.admin), apps.axb.id, { bindingId: again.id }))[0]!.ended_at).toEqual(s.w.clock.now());
  });

  it('P7: a flood of malformed binds gets codes, never anything else', async () => {
    const inputs: Partial<BindInput>[] = [
      { a: '+86' }, { a: 'x'.repeat(10_000) }, { b: '０００' }, { x: '12345' }, { x: '' }, { extension: '1' }, { durationSeconds: 59 },
      { durationSeconds: 90 * 86_400 + 1 }, { durationSeconds: Number.NaN }, { maxCallMinutes: -1 }, { userData: 'é'.repeat(257) },
      { city: 'c'.repeat(51), x: null }, { areaCode: 'abc', x: null }, { direction: 'SIDEWAYS' as never }, { mode: 'AXZ' as never },
    ];
    for (const over of inputs) {
      const e = await failure(axb(over));
      expect(['1010002', '1011001', '1010040']).toContain((e.extensions as { resultCode?: string }).resultCode);
      expect(e.field).toBeTruthy();
    }
  });
});

describe('P9, isolation: reads and other apps', () => {
  it('P9: bindings by numbers, by X, active only', async () => {
    const [a, b] = [party(), party()];
    const bound = await axb({ a, b, x: null });
    const ids = async (f: Parameters<typeof bindingsQuery>[1]) => (await bindingsQuery(as(s.acme.supervisor), f).execute()).map((r) => r.id);
    expect(await ids({ number: a })).toEqual([bound.id]);
    expect(await ids({ number: b, activeOnly: true })).toEqual([bound.id]);
    expect(await ids({ x: bound.x_e164 })).toContain(bound.id);
    await unbind(as(s.acme.admin), apps.axb.id, { bindingId: bound.id });
    expect(await ids({ number: a, activeOnly: true })).toEqual([]);
    expect(await ids({ number: a })).toEqual([bound.id]);
    s.w.clock.advance(31 * 86_400 + 1);
    expect(await ids({ number: a })).toEqual([]);
  });

  it('P9: bindings ended since a time: unbound or expired by then, whenever they were made', async () => {
    const [a, b, c, d] = [party(), party(), party(), party()];
    const early = await axb({ a, b, x: null, durationSeconds: 3 * 3600 });
    s.w.clock.advance(2.5 * 3600);
    const late = await axb({ a: c, b: d, x: null, durationSeconds: 2 * 3600 });
    s.w.clock.advance(3600);
    const since = new Date(s.w.clock.now().getTime() - 3600_000);
    const ids = async (f: Parameters<typeof bindingsQuery>[1]) => (await bindingsQuery(as(s.acme.supervisor), f).execute()).map((r) => r.id);
    // made 3.5 h ago, expired 30 min ago: in the last hour's ended ones; the later one still runs
    expect(await ids({ number: a, endedSince: since })).toEqual([early.id]);
    expect(await ids({ number: c, endedSince: since })).toEqual([]);
    await unbind(as(s.acme.admin), apps.axb.id, { bindingId: late.id });
    expect(await ids({ number: c, endedSince: since })).toEqual([late.id]);
    expect(await ids({ number: a, endedSince: s.w.clock.now() })).toEqual([]);
  });

  it('§1: a PARTNER key of the app binds on it; on another app of its tenant, or another tenant’s, NOT_FOUND', async () => {
    const b = await bind(as(partner), apps.axb.id, { a: party(), b: party() });
    expect(b.app_id).toBe(apps.axb.id);
    expect((await failure(bind(as(partner), apps.ax.id, { a: party() }))).code).toBe('NOT_FOUND');
    expect((await failure(bind(as(s.beta.admin), apps.axb.id, { a: party(), b: party() }))).code).toBe('NOT_FOUND');
    expect((await failure(updateBinding(as(s.beta.admin), b.id, { record: true }))).code).toBe('NOT_FOUND');
    expect((await failure(bind(as(s.acme.supervisor), apps.axb.id, { a: party(), b: party() }))).code).toBe('FORBIDDEN');
    expect((await bindingsQuery(as(partner)).execute()).every((r) => r.app_id === apps.axb.id)).toBe(true);
    expect(await bindingsQuery(as(s.beta.admin)).execute()).toEqual([]);
  });
});
