import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, seedTenant, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith } from '../../../../../test/support/errors.js';
import { insertQualification } from '../../../../../test/support/qualifications.js';
import type { Actor } from '../../access/actor.js';
import { balanceOf, topUpBalance } from '../billing/billing.service.js';
import { importNumbers } from '../numbers/numbers.inventory.js';
import { sweepNumberTerms } from '../numbers/numbers.terms.js';
import { runUnsubscribeChecks, unsubscribeNumbers } from '../numbers/unsubscribe.service.js';
import { createApiKey, createUser } from '../tenants/tenants.service.js';
import { createVoiceApp, voiceAppsQuery } from './voice.apps.js';
import { openVoiceNumbers, voiceNumbersQuery } from './voice.numbers.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;
let acmeApp: string;
let betaApp: string;

const ops = () => w.ctx();
const as = (a: Actor) => w.ctx(a);
const count = async (table: string) => Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(w.db)).rows[0]!.n);
const counts = async () => ({
  orders: await count('orders'),
  voiceNumbers: await count('voice_numbers'),
  charges: await count('voice_fee_charges'),
  active: Number((await sql<{ n: string }>`select count(*)::text as n from numbers where status = 'ACTIVE'`.execute(w.db)).rows[0]!.n),
});

let serial = 0;
/** Local numbers into stock, in a city. */
async function stockNumbers(n: number, city: string, prefix = '010') {
  const rows = Array.from({ length: n }, () => ({ number: `${prefix} 6700 ${String(1000 + serial++)}`, type: 'LOCAL', province: city, city, carrier: 'CHINA_TELECOM' }));
  await importNumbers(ops(), rows);
}

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  await insertQualification(w.db, w.clock, acme.tenantId, 'STANDARD');
  await insertQualification(w.db, w.clock, beta.tenantId, 'STANDARD');
  await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '1000' });
  await topUpBalance(ops(), { tenantId: beta.tenantId, amount: '60' });
  await stockNumbers(6, '北京');
  await importNumbers(ops(), [{ number: '400-810-6666', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'GOLD' }]);
});
afterAll(() => w?.drop());

describe('V1: voice apps', () => {
  it('V1: createVoiceApp needs an APPROVED STANDARD qualification of the tenant; the error names qualificationId', async () => {
    const gamma = await seedTenant(ops(), 'Gamma');
    await failsWith(createVoiceApp(as(gamma.admin), { name: 'Reminders' }), 'QUALIFICATION_NOT_APPROVED', 'qualificationId');
    const pending = await insertQualification(w.db, w.clock, gamma.tenantId, 'STANDARD', 'PENDING_REVIEW');
    await failsWith(createVoiceApp(as(gamma.admin), { name: 'Reminders', qualificationId: pending }), 'QUALIFICATION_NOT_APPROVED', 'qualificationId');
    const tollFree = await insertQualification(w.db, w.clock, gamma.tenantId, 'TOLL_FREE_400');
    await failsWith(createVoiceApp(as(gamma.admin), { name: 'Reminders', qualificationId: tollFree }), 'QUALIFICATION_WRONG_KIND', 'qualificationId');
    await failsWith(createVoiceApp(as(gamma.admin), { name: 'Reminders' }), 'QUALIFICATION_NOT_APPROVED', 'qualificationId');
    // another tenant's approved qualification is not the tenant's: NOT_FOUND, like a missing one
    const acmeQual = await insertQualification(w.db, w.clock, acme.tenantId, 'STANDARD');
    await failsWith(createVoiceApp(as(gamma.admin), { name: 'Reminders', qualificationId: acmeQual }), 'NOT_FOUND', 'qualificationId');
    await failsWith(createVoiceApp(as(gamma.supervisor), { name: 'Reminders' }), 'FORBIDDEN');
    expect(await count('voice_apps')).toBe(0);
  });

  it('V1: a TENANT_ADMIN creates an app (names unique in the tenant, statusUrl checked); each tenant lists only its own', async () => {
    const app = await createVoiceApp(as(acme.admin), { name: 'Reminders', statusUrl: 'https://acme.example/voice' });
    expect(app).toMatchObject({ tenant_id: acme.tenantId, name: 'Reminders', status_url: 'https://acme.example/voice' });
    expect(app.qualification_id).not.toBeNull();
    acmeApp = app.id;
    betaApp = (await createVoiceApp(as(beta.admin), { name: 'Reminders' })).id;
    await failsWith(createVoiceApp(as(acme.admin), { name: ' Reminders ' }), 'ALREADY_EXISTS', 'name');
    await failsWith(createVoiceApp(as(acme.admin), { name: '' }), 'INVALID_INPUT', 'name');
    await failsWith(createVoiceApp(as(acme.admin), { name: 'Other', statusUrl: 'ftp://x' }), 'INVALID_INPUT', 'statusUrl');
    expect((await voiceAppsQuery(as(acme.supervisor)).execute()).map((a) => a.id)).toEqual([acmeApp]);
    const created = await w.db.selectFrom('events').select(['type', 'app_id']).where('subject_id', '=', acmeApp).execute();
    expect(created).toEqual([{ type: 'VOICE_APP_CHANGED', app_id: acmeApp }]);
  });

  it('V1: a PARTNER key may belong to a voice app of its own tenant (not another tenant’s) and reads that app only', async () => {
    const user = await createUser(as(acme.admin), { tenantId: acme.tenantId, name: 'Voice switch', email: 'switch@acme.example', role: 'PARTNER' });
    const { key } = await createApiKey(as(acme.admin), { userId: user.id, appId: acmeApp });
    expect(key.app_id).toBe(acmeApp);
    await failsWith(createApiKey(as(acme.admin), { userId: user.id, appId: betaApp }), 'NOT_FOUND', 'appId');
    const partner: Actor = { keyId: key.id, userId: user.id, role: 'PARTNER', tenantId: acme.tenantId, appId: acmeApp };
    expect((await voiceAppsQuery(as(partner)).execute()).map((a) => a.id)).toEqual([acmeApp]);
    expect(await voiceAppsQuery(as(acme.partner)).execute()).toEqual([]);
  });
});

describe('V1: opening voice numbers', () => {
  it('V1: bad input names the field and writes nothing: count 1..100, an app of the tenant, stock enough', async () => {
    const before = await counts();
    for (const c of [0, 101, 2.5]) await failsWith(openVoiceNumbers(as(acme.admin), { appId: acmeApp, count: c }), 'INVALID_INPUT', 'count');
    await failsWith(openVoiceNumbers(as(acme.admin), { appId: betaApp, count: 1 }), 'NOT_FOUND', 'appId');
    await failsWith(openVoiceNumbers(as(acme.supervisor), { appId: acmeApp, count: 1 }), 'FORBIDDEN');
    // six local numbers in Beijing (the 400 number is never taken), none in Shanghai
    const short = await failsWith(openVoiceNumbers(as(acme.admin), { appId: acmeApp, count: 7 }), 'NOT_ENOUGH_NUMBERS', 'count');
    expect(short.message).toContain('6');
    await failsWith(openVoiceNumbers(as(acme.admin), { appId: acmeApp, count: 1, city: '上海' }), 'NOT_ENOUGH_NUMBERS', 'count');
    expect(await counts()).toEqual(before);
  });

  it('V1: without the balance for the opening month: INSUFFICIENT_BALANCE and nothing written (numbers stay in stock)', async () => {
    const before = await counts();
    await failsWith(openVoiceNumbers(as(beta.admin), { appId: betaApp, count: 2 }), 'INSUFFICIENT_BALANCE');
    expect(await counts()).toEqual(before);
    expect((await balanceOf(as(beta.admin))).amount).toBe('60.000');
  });

  it('V1: N numbers in one operation: ACTIVE numbers of the tenant with no term, an order VOICE_NUMBERS paid with a fee line per number for the opening month, events, next month’s job', async () => {
    const { order, numbers } = await openVoiceNumbers(as(acme.admin), { appId: acmeApp, count: 3, province: '北京', city: '北京' });
    expect(order).toMatchObject({ kind: 'VOICE_NUMBERS', status: 'PAID', total: '150.000', tenant_id: acme.tenantId });
    expect(numbers).toHaveLength(3);
    const lines = await w.db.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
    // the clock is 2026-11-25 10:00 in Shanghai: the opening month is November there, paid whole
    expect(lines.map((l) => [l.kind, l.tariff_code, l.quantity, l.unit_price, l.amount, l.subject_id, l.number_id])).toEqual(
      numbers.map((v) => ['VOICE_NUMBER_FEE', 'VOICE_NUMBER_MONTHLY', 1, '50.000', '50.000', v.id, v.number_id]),
    );
    expect(lines.map((l) => [l.period_start!.toISOString(), l.period_end!.toISOString()])).toEqual(Array(3).fill(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']));
    const rows = await w.db.selectFrom('numbers').selectAll().where('id', 'in', numbers.map((v) => v.number_id)).execute();
    for (const n of rows) expect(n).toMatchObject({ status: 'ACTIVE', tenant_id: acme.tenantId, type: 'LOCAL', term_end: null, auto_renew: false, call_type: 'INBOUND_OUTBOUND' });
    expect(numbers.every((v) => v.app_id === acmeApp && v.order_id === order.id && v.closed_at === null)).toBe(true);
    const charges = await w.db.selectFrom('voice_fee_charges').selectAll().where('order_id', '=', order.id).execute();
    expect(charges.map((c) => [c.voice_number_id, String(c.month)]).sort()).toEqual(numbers.map((v) => [v.id, '2026-11-01']).sort());
    expect((await balanceOf(as(acme.admin))).amount).toBe('850.000');
    const events = await w.db
      .selectFrom('events')
      .select(['type', 'app_id', 'payload'])
      .where('subject_id', 'in', [...numbers.map((v) => v.id), ...numbers.map((v) => v.number_id)])
      .execute();
    expect(events.filter((e) => e.type === 'VOICE_NUMBER_OPENED').map((e) => e.app_id)).toEqual([acmeApp, acmeApp, acmeApp]);
    expect(events.filter((e) => e.type === 'NUMBER_STATUS_CHANGED').map((e) => (e.payload as any).status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    const job = await sql<{ run_at: Date }>`select run_at from graphile_worker.jobs where key = ${`voice-monthly-fee:${acme.tenantId}:2026-12`}`.execute(w.db);
    expect(job.rows.map((r) => r.run_at.toISOString())).toEqual(['2026-11-30T16:00:00.000Z']);
    expect((await voiceNumbersQuery(as(acme.supervisor), { appId: acmeApp }).execute()).length).toBe(3);
    expect(await voiceNumbersQuery(as(beta.admin)).execute()).toEqual([]);
  });

  it('V1: two openings racing for the last numbers of a city: SKIP LOCKED gives each its own numbers; the one short of stock writes nothing', async () => {
    await stockNumbers(3, '天津', '022');
    await topUpBalance(ops(), { tenantId: beta.tenantId, amount: '1000' });
    const results = await Promise.allSettled([
      openVoiceNumbers(as(acme.admin), { appId: acmeApp, count: 2, city: '天津' }),
      openVoiceNumbers(as(beta.admin), { appId: betaApp, count: 2, city: '天津' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(lost.reason).toMatchObject({ code: 'NOT_ENOUGH_NUMBERS', field: 'count' });
    const tianjin = await w.db.selectFrom('numbers').select(['status', 'tenant_id']).where('city', '=', '天津').execute();
    expect(tianjin.filter((n) => n.status === 'ACTIVE')).toHaveLength(2);
    expect(tianjin.filter((n) => n.status === 'AVAILABLE' && n.tenant_id === null)).toHaveLength(1);
  });

  it('V1: the N4 term job never charges voice numbers rent (they have no term)', async () => {
    const ordersBefore = await count('orders');
    w.clock.advance(70 * 86_400);
    await sweepNumberTerms(ops());
    expect(await count('orders')).toBe(ordersBefore);
    const voice = await w.db.selectFrom('numbers').innerJoin('voice_numbers', 'voice_numbers.number_id', 'numbers.id').select('numbers.status').execute();
    expect(voice.every((n) => n.status === 'ACTIVE')).toBe(true);
  });

  it('V1 with N7: an unsubscribed voice number goes back to stock and closes (VOICE_NUMBER_CLOSED); the others stay open', async () => {
    const [first, ...others] = await voiceNumbersQuery(as(acme.admin), { appId: acmeApp }).orderBy('e164').execute();
    const batch = await unsubscribeNumbers(as(acme.admin), [first!.number_id]);
    expect((await runUnsubscribeChecks(ops(), batch.id))?.status).toBe('COMPLETED');
    const closed = await w.db.selectFrom('voice_numbers').selectAll().where('id', '=', first!.id).executeTakeFirstOrThrow();
    expect(closed.closed_at?.toISOString()).toBe(w.clock.now().toISOString());
    expect(await w.db.selectFrom('numbers').select(['status', 'tenant_id']).where('id', '=', first!.number_id).executeTakeFirstOrThrow()).toEqual({ status: 'AVAILABLE', tenant_id: null });
    const ev = await w.db.selectFrom('events').select(['app_id', 'payload']).where('type', '=', 'VOICE_NUMBER_CLOSED').execute();
    expect(ev).toEqual([{ app_id: acmeApp, payload: expect.objectContaining({ numberId: first!.number_id, reason: 'UNSUBSCRIBED' }) }]);
    const open = await voiceNumbersQuery(as(acme.admin), { appId: acmeApp, openOnly: true }).execute();
    expect(open.map((v) => v.id).sort()).toEqual(others.map((v) => v.id).filter((id) => open.some((o) => o.id === id)).sort());
    expect(open.some((v) => v.id === first!.id)).toBe(false);
  });
});
