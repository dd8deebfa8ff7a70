import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { insertQualification } from '../../../../../test/support/qualifications.js';
import type { ServiceContext } from '../../context.js';
import { DomainError } from '../../errors.js';
import { expireOrder, ordersQuery, payOrder, topUpBalance, balanceOf } from '../billing/billing.service.js';
import type { QualificationKind, QualificationStatus } from '../qualifications/qualifications.table.js';
import {
  assertCanDisplayAsCaller,
  assertUsableForOutbound,
  availableNumbersQuery,
  checkNumberTerm,
  importNumbers,
  numbersById,
  numbersQuery,
  purchaseNumber,
  regionsWithStock,
  renewNumber,
  setAutoRenew,
} from './numbers.service.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;
const quals: Record<string, string> = {};

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  quals.acmeStd = await qualification(acme.tenantId, 'STANDARD', 'APPROVED');
  quals.acme400 = await qualification(acme.tenantId, 'TOLL_FREE_400', 'APPROVED');
  quals.acmePending = await qualification(acme.tenantId, 'STANDARD', 'PENDING_REVIEW');
  quals.betaStd = await qualification(beta.tenantId, 'STANDARD', 'APPROVED');
});
afterAll(() => w?.drop());

const qualification = (tenantId: string, kind: QualificationKind, status: QualificationStatus) => insertQualification(w.db, w.clock, tenantId, kind, status);

const op = () => w.ctx(w.operator);
const as = (t: TenantFixture): ServiceContext => w.ctx(t.admin);

async function stock(e164: string) {
  const n = await w.db.selectFrom('numbers').selectAll().where('e164', '=', e164).executeTakeFirstOrThrow();
  return n;
}

async function rejects(p: Promise<unknown>, code: string, field?: string | null) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(DomainError);
  expect(err.code).toBe(code);
  if (field !== undefined) expect(err.field).toBe(field);
  return err as DomainError;
}

describe('N1: inventory import and stock search', () => {
  it('N1: imports numbers normalised to E.164 with libphonenumber-js (400 numbers as +86400…), idempotently', async () => {
    const rows = [
      { number: '010-12345678', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
      { number: '021 6123 4567', type: 'local', province: '上海', city: '上海', carrier: 'CHINA_UNICOM' },
      { number: '13800138000', type: 'MOBILE', province: '广东', city: '深圳', carrier: 'CHINA_MOBILE' },
      { number: '400-810-8888', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'GOLD' },
      { number: '4001234567', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'standard' },
      { number: '+86 10 1234 5678', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
    ];
    const first = await importNumbers(op(), rows);
    expect(first).toEqual({ created: 5, skipped: 1, errors: [] });
    const n400 = await stock('+864008108888');
    expect(n400).toMatchObject({ type: 'TOLL_FREE_400', tier: 'GOLD', status: 'AVAILABLE', tenant_id: null });
    expect((await stock('+864001234567')).tier).toBe('STANDARD');
    expect(await importNumbers(op(), rows)).toEqual({ created: 0, skipped: 6, errors: [] });
    const count = await w.db.selectFrom('numbers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(5);
  });

  it('N1: reports each bad row with its field (invalid number, unknown type, missing region, wrong type, tier) and adds the good ones', async () => {
    const r = await importNumbers(op(), [
      { number: '12345', type: 'LOCAL', province: '北京', city: '北京', carrier: 'X' },
      { number: '010-87654321', type: 'PREMIUM', province: '北京', city: '北京', carrier: 'X' },
      { number: '010-87654322', type: 'LOCAL', province: '', city: null, carrier: 'X' },
      { number: '13900139000', type: 'LOCAL', province: '广东', city: '广州', carrier: 'X' },
      { number: '400-820-0000', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'X' },
      { number: '010-87654323', type: 'LOCAL', province: '北京', city: '北京', carrier: 'X', tier: 'GOLD' },
      { number: '010-87654324', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
    ]);
    expect(r.created).toBe(1);
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([
      [1, 'number'],
      [2, 'type'],
      [3, 'province'],
      [3, 'city'],
      [4, 'number'],
      [5, 'tier'],
      [6, 'tier'],
    ]);
    expect(r.errors[0]!.message).toMatch(/not a valid phone number/);
    expect(r.errors[4]!.message).toMatch(/is not a LOCAL number \(it is MOBILE\)/);
  });

  it('N1: only an OPERATOR imports', async () => {
    await rejects(importNumbers(as(acme), [{ number: '010-11112222', type: 'LOCAL', province: 'a', city: 'b', carrier: 'c' }]), 'FORBIDDEN');
  });

  it('N1: tenants search stock by type, region and pattern; regions are those with stock, with counts', async () => {
    await importNumbers(op(), [
      { number: '0755-86013388', type: 'LOCAL', province: '广东', city: '深圳', carrier: 'CHINA_TELECOM' },
      { number: '0755-86018888', type: 'LOCAL', province: '广东', city: '深圳', carrier: 'CHINA_TELECOM' },
    ]);
    const shenzhen = await availableNumbersQuery(as(acme), { type: 'LOCAL', province: '广东', city: '深圳' }).execute();
    expect(shenzhen.map((n) => n.e164).sort()).toEqual(['+8675586013388', '+8675586018888']);
    const lucky = await availableNumbersQuery(as(acme), { type: 'LOCAL', pattern: '8**8' }).execute();
    expect(lucky.map((n) => n.e164)).toEqual(['+8675586018888']);
    const regions = await regionsWithStock(as(acme), 'LOCAL');
    expect(regions).toContainEqual({ province: '广东', city: '深圳', count: 2 });
    expect(regions.find((r) => r.city === '广州')).toBeUndefined();
    expect(await regionsWithStock(as(acme), 'MOBILE')).toEqual([{ province: '广东', city: '深圳', count: 1 }]);
    await rejects(Promise.resolve().then(() => availableNumbersQuery(as(acme), { type: 'LOCAL', pattern: '8%' })), 'INVALID_INPUT', 'pattern');
  });
});

describe('N2 and M1: buying an inbound-only number', () => {
  it('N2: reserves the number at once and creates an UNPAID order priced from the tariff table', async () => {
    const n = await stock('+861012345678');
    const { number, order } = await purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmeStd!, callType: 'INBOUND_ONLY', autoRenew: true });
    expect(number).toMatchObject({ status: 'RESERVED', tenant_id: acme.tenantId, call_type: 'INBOUND_ONLY', auto_renew: true });
    expect(number.reserved_until!.getTime()).toBe(w.clock.now().getTime() + 30 * 60_000);
    expect(order).toMatchObject({ status: 'UNPAID', total: '50.000', tenant_id: acme.tenantId });
    expect(order.expires_at!.getTime()).toBe(number.reserved_until!.getTime());
    // reserved numbers are no longer stock: Beijing had two local numbers, one is left
    expect((await regionsWithStock(as(beta), 'LOCAL')).find((r) => r.province === '北京')).toEqual({ province: '北京', city: '北京', count: 1 });
  });

  it('N2/Q2: needs an APPROVED qualification of the right kind, of the same tenant; typed errors name the field', async () => {
    const n = await stock('+862161234567');
    await rejects(purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acme400!, callType: 'INBOUND_ONLY' }), 'QUALIFICATION_WRONG_KIND', 'qualificationId');
    await rejects(purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmePending!, callType: 'INBOUND_ONLY' }), 'QUALIFICATION_NOT_APPROVED', 'qualificationId');
    await rejects(purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.betaStd!, callType: 'INBOUND_ONLY' }), 'NOT_FOUND', 'qualificationId');
    await rejects(purchaseNumber(as(acme), { numberId: '00000000-0000-0000-0000-000000000000', qualificationId: quals.acmeStd!, callType: 'INBOUND_ONLY' }), 'NUMBER_NOT_AVAILABLE', 'numberId');
    await rejects(purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmeStd!, callType: 'INBOUND_OUTBOUND' }), 'APPLICATION_REQUIRED', 'callType');
    expect((await stock('+862161234567')).status).toBe('AVAILABLE');
    const events = await w.db.selectFrom('events').select('type').where('subject_id', '=', n.id).execute();
    expect(events).toEqual([]);
  });

  it('N2: two tenants racing for one number: exactly one gets it, the other NUMBER_NOT_AVAILABLE', async () => {
    const n = await stock('+862161234567');
    const results = await Promise.allSettled([
      purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmeStd!, callType: 'INBOUND_ONLY' }),
      purchaseNumber(as(beta), { numberId: n.id, qualificationId: quals.betaStd!, callType: 'INBOUND_ONLY' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: 'NUMBER_NOT_AVAILABLE', field: 'numberId' });
    const orders = await w.db.selectFrom('order_lines').select('order_id').where('number_id', '=', n.id).execute();
    expect(orders).toHaveLength(1);
  });

  it('M1: paying without enough balance is INSUFFICIENT_BALANCE and changes nothing', async () => {
    const [order] = await ordersQuery(as(acme), { status: 'UNPAID' }).execute();
    const ledgerBefore = await w.db.selectFrom('ledger_entries').selectAll().execute();
    await rejects(payOrder(as(acme), order!.id), 'INSUFFICIENT_BALANCE');
    expect((await balanceOf(as(acme))).amount).toBe('0.000');
    expect(await w.db.selectFrom('ledger_entries').selectAll().execute()).toEqual(ledgerBefore);
    const after = await w.db.selectFrom('orders').selectAll().where('id', '=', order!.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('UNPAID');
  });

  it('N2/M1: paying the order debits the balance exactly and makes the number ACTIVE for one month', async () => {
    await topUpBalance(op(), { tenantId: acme.tenantId, amount: '100.10' });
    await topUpBalance(op(), { tenantId: acme.tenantId, amount: '0.20' });
    const n = await stock('+861012345678');
    const line = await w.db.selectFrom('order_lines').selectAll().where('number_id', '=', n.id).executeTakeFirstOrThrow();
    const paid = await payOrder(as(acme), line.order_id);
    expect(paid.status).toBe('PAID');
    expect(paid.paid_at).toEqual(w.clock.now());
    expect((await balanceOf(as(acme))).amount).toBe('50.300');
    const active = await stock('+861012345678');
    expect(active).toMatchObject({ status: 'ACTIVE', reserved_until: null, tenant_id: acme.tenantId });
    expect(active.term_start).toEqual(w.clock.now());
    expect(active.term_end!.toISOString()).toBe('2026-12-25T02:00:00.000Z');
    const ledger = await w.db.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', acme.tenantId).orderBy('created_at').orderBy('amount').execute();
    expect(ledger.map((l) => [l.kind, l.amount, l.balance_after])).toContainEqual(['ORDER_PAYMENT', '-50.000', '50.300']);
    await rejects(payOrder(as(acme), line.order_id), 'ORDER_NOT_PAYABLE', 'orderId');
  });

  it('N2: an unpaid reservation expires after the reservation time and the number goes back to stock', async () => {
    const n = await stock('+862161234567');
    const line = await w.db.selectFrom('order_lines').selectAll().where('number_id', '=', n.id).executeTakeFirstOrThrow();
    const held = await stock('+862161234567');
    const holder = held.tenant_id === acme.tenantId ? acme : beta;
    expect(await expireOrder(op(), line.order_id)).toBeNull(); // not yet due
    w.clock.advance(30 * 60);
    const job = await sql<{ task_identifier: string; run_at: Date }>`select task_identifier, run_at from graphile_worker.jobs where key = ${`order-expiry:${line.order_id}`}`.execute(w.db);
    expect(job.rows).toEqual([{ task_identifier: 'billing.expireOrder', run_at: w.clock.now() }]);
    const expired = await expireOrder(op(), line.order_id);
    expect(expired?.status).toBe('EXPIRED');
    expect(await stock('+862161234567')).toMatchObject({ status: 'AVAILABLE', tenant_id: null, reserved_until: null });
    await rejects(payOrder(as(holder), line.order_id), 'ORDER_NOT_PAYABLE');
  });

  it('N2: an order past its reservation cannot be paid even before the release job ran (ORDER_EXPIRED, nothing changes)', async () => {
    const n = await stock('+8613800138000');
    const { order } = await purchaseNumber(as(beta), { numberId: n.id, qualificationId: quals.betaStd!, callType: 'INBOUND_ONLY' });
    await topUpBalance(op(), { tenantId: beta.tenantId, amount: '100' });
    w.clock.advance(31 * 60);
    await rejects(payOrder(as(beta), order.id), 'ORDER_EXPIRED', 'orderId');
    expect((await balanceOf(as(beta))).amount).toBe('100.000');
    expect((await stock('+8613800138000')).status).toBe('RESERVED');
    expect((await expireOrder(op(), order.id))?.status).toBe('EXPIRED');
    expect((await stock('+8613800138000')).status).toBe('AVAILABLE');
  });

  it('N2: another tenant cannot see, pay or renew a tenant’s numbers and orders', async () => {
    const acmeOrder = (await ordersQuery(as(acme)).execute())[0]!;
    expect((await ordersQuery(as(beta)).execute()).map((o) => o.id)).not.toContain(acmeOrder.id);
    await rejects(payOrder(as(beta), acmeOrder.id), 'NOT_FOUND', 'orderId');
    const owned = await stock('+861012345678');
    expect(await numbersById(w.ctx(beta.admin), [owned.id])).toEqual([]);
    expect((await numbersQuery(as(beta)).execute()).map((n) => n.id)).not.toContain(owned.id);
    await rejects(setAutoRenew(as(beta), owned.id, false), 'NOT_FOUND', 'numberId');
    await rejects(renewNumber(as(beta), owned.id), 'NOT_FOUND', 'numberId');
  });

  it('N5: a 400 number’s first term is exactly 3 months at its tier’s minimum spend, no rent', async () => {
    const n = await stock('+864008108888');
    await rejects(purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmeStd!, callType: 'INBOUND_ONLY' }), 'QUALIFICATION_WRONG_KIND', 'qualificationId');
    const { order } = await purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acme400!, callType: 'INBOUND_ONLY' });
    expect(order.total).toBe('7500.000');
    const [line] = await w.db.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).execute();
    expect(line).toMatchObject({ tariff_code: 'TOLL_FREE_400_GOLD', quantity: 3, unit_price: '2500.000', amount: '7500.000' });
    await topUpBalance(op(), { tenantId: acme.tenantId, amount: '7500' });
    await payOrder(as(acme), order.id);
    const active = await stock('+864008108888');
    expect(active.status).toBe('ACTIVE');
    const now = w.clock.now();
    expect(active.term_end!.toISOString()).toBe(new Date(Date.UTC(2027, 1, 25, now.getUTCHours(), now.getUTCMinutes())).toISOString());
  });
});

describe('N4: terms, auto-renew, renewal and expiry', () => {
  it('N4: at term end an auto-renewing number is renewed from the balance: a PAID renewal order, a ledger entry, a new term', async () => {
    const n = await stock('+861012345678');
    expect(n.auto_renew).toBe(true);
    w.clock.set(n.term_end!);
    expect(await checkNumberTerm(op(), n.id)).toBe('RENEWED');
    const renewed = await stock('+861012345678');
    expect(renewed.status).toBe('ACTIVE');
    expect(renewed.term_end!.toISOString()).toBe('2027-01-25T02:00:00.000Z');
    const renewal = await w.db.selectFrom('orders').selectAll().where('kind', '=', 'RENEWAL').executeTakeFirstOrThrow();
    expect(renewal).toMatchObject({ status: 'PAID', total: '50.000', tenant_id: acme.tenantId });
    const entry = await w.db.selectFrom('ledger_entries').selectAll().where('order_id', '=', renewal.id).executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ kind: 'ORDER_PAYMENT', amount: '-50.000', balance_after: '0.300' });
    const types = await w.db.selectFrom('events').select('type').where('subject_id', 'in', [n.id, renewal.id, acme.tenantId]).orderBy('txid').orderBy('seq').execute();
    expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['NUMBER_RENEWED', 'ORDER_STATUS_CHANGED', 'BALANCE_CHANGED']));
  });

  it('N4: without enough balance the number EXPIRES; after the grace days it goes back to stock', async () => {
    const n = await stock('+861012345678');
    w.clock.set(n.term_end!);
    expect(await checkNumberTerm(op(), n.id)).toBe('EXPIRED');
    const expired = await stock('+861012345678');
    expect(expired).toMatchObject({ status: 'EXPIRED', tenant_id: acme.tenantId });
    expect(expired.grace_until!.getTime()).toBe(n.term_end!.getTime() + 7 * 86_400_000);
    const ev = await w.db.selectFrom('events').select('payload').where('type', '=', 'NUMBER_STATUS_CHANGED').where('subject_id', '=', n.id).orderBy('txid', 'desc').executeTakeFirstOrThrow();
    expect(ev.payload).toMatchObject({ status: 'EXPIRED', previousStatus: 'ACTIVE', reason: 'INSUFFICIENT_BALANCE' });
    w.clock.advance(6 * 86_400);
    expect(await checkNumberTerm(op(), n.id)).toBe('NOTHING');
    w.clock.set(expired.grace_until!);
    expect(await checkNumberTerm(op(), n.id)).toBe('RELEASED');
    expect(await stock('+861012345678')).toMatchObject({ status: 'AVAILABLE', tenant_id: null, term_end: null, auto_renew: false });
  });

  it('N4: without auto-renew the number expires even with money; renewing by hand in grace makes it ACTIVE again from the old term end', async () => {
    const n = await stock('+8675586013388');
    const { order } = await purchaseNumber(as(acme), { numberId: n.id, qualificationId: quals.acmeStd!, callType: 'INBOUND_ONLY', autoRenew: false });
    await topUpBalance(op(), { tenantId: acme.tenantId, amount: '500' });
    await payOrder(as(acme), order.id);
    const active = await stock('+8675586013388');
    w.clock.set(active.term_end!);
    expect(await checkNumberTerm(op(), n.id)).toBe('EXPIRED');
    w.clock.advance(86_400);
    const renewal = await renewNumber(as(acme), n.id, 2);
    expect(renewal).toMatchObject({ status: 'UNPAID', total: '100.000', kind: 'RENEWAL' });
    await payOrder(as(acme), renewal.id);
    const back = await stock('+8675586013388');
    expect(back.status).toBe('ACTIVE');
    expect(back.grace_until).toBeNull();
    expect(back.term_end!.getTime()).toBeGreaterThan(active.term_end!.getTime());
    const months = (back.term_end!.getUTCFullYear() - active.term_end!.getUTCFullYear()) * 12 + back.term_end!.getUTCMonth() - active.term_end!.getUTCMonth();
    expect(months).toBe(2);
  });

  it('N4: setAutoRenew changes the flag with an event; a SUPERVISOR cannot', async () => {
    const n = await stock('+8675586013388');
    const updated = await setAutoRenew(as(acme), n.id, true);
    expect(updated.auto_renew).toBe(true);
    await rejects(setAutoRenew(w.ctx(acme.supervisor), n.id, false), 'FORBIDDEN');
  });
});

describe('N5: 400 numbers are inbound only', () => {
  it('N5: a 400 number can never place outbound calls nor be shown as the caller number', async () => {
    const n400 = await stock('+864008108888');
    expect(() => assertUsableForOutbound(n400)).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY' }));
    expect(() => assertCanDisplayAsCaller(n400)).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY' }));
    // also when only the number is known, in any format
    expect(() => assertCanDisplayAsCaller({ e164: '400-810-8888' })).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY' }));
    const local = await stock('+8675586013388');
    expect(() => assertCanDisplayAsCaller(local)).not.toThrow();
    expect(() => assertUsableForOutbound(local)).toThrow(expect.objectContaining({ code: 'NUMBER_INBOUND_ONLY' }));
    expect(() => assertUsableForOutbound({ ...local, call_type: 'INBOUND_OUTBOUND' })).not.toThrow();
  });
});
