import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceWorld, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { inTransaction } from '../../db/transaction.js';
import { balanceOf, createOrder, ledgerQuery, listTariffs, onOrderLinePaid, payOrder, setTariff, topUpBalance } from './billing.service.js';

let w: ServiceWorld;
let acme: TenantFixture;
const effects: string[] = [];

// A line kind of this test only, so that orders can be paid without the numbers module.
onOrderLinePaid('TEST_ITEM', async (_tx, _ctx, order, line) => {
  effects.push(`${order.order_no}:${line.position}`);
});

beforeAll(async () => {
  w = await serviceWorld();
  acme = await w.tenant('Acme');
});
afterAll(() => w?.drop());

const order = (lines: { code: string; quantity: number }[]) =>
  inTransaction(w.ctx(), (tx) =>
    createOrder(tx, {
      tenantId: acme.tenantId,
      kind: 'TEST',
      lines: lines.map((l) => ({ kind: 'TEST_ITEM', tariffCode: l.code, quantity: l.quantity, description: l.code })),
    }),
  );

describe('M1: money', () => {
  it('M1: the tariff table holds the seeds’ prices as exact decimals (400 tiers, voice packages)', async () => {
    const t = Object.fromEntries((await listTariffs(w.ctx())).map((x) => [x.code, x.amount]));
    expect(t).toMatchObject({
      TOLL_FREE_400_STANDARD: '375.000',
      TOLL_FREE_400_PREFERRED: '750.000',
      TOLL_FREE_400_SELECTED: '1500.000',
      TOLL_FREE_400_GOLD: '2500.000',
      TOLL_FREE_400_PLATINUM: '5000.000',
      TOLL_FREE_400_VIP: '12500.000',
      TOLL_FREE_400_VVIP: '20000.000',
      VOICE_NUMBER_MONTHLY: '50.000',
      VOICE_PACKAGE_10K: '1050.000',
      VOICE_PACKAGE_3M: '255000.000',
      VOICE_CUSTOM_MINUTE_UNDER_10K: '0.110',
    });
  });

  it('M1: order lines are priced from the tariff table exactly (no floating point), and keep their price when the tariff changes', async () => {
    const { order: o, lines } = await order([
      { code: 'VOICE_CUSTOM_MINUTE_10K', quantity: 3 },
      { code: 'VOICE_CUSTOM_MINUTE_UNDER_10K', quantity: 7 },
    ]);
    // 0.105 × 3 + 0.110 × 7 = 1.085 exactly (in floating point 0.315 + 0.77 = 1.0850000000000002)
    expect(o.total).toBe('1.085');
    expect(lines.map((l) => [l.unit_price, l.amount])).toEqual([
      ['0.105', '0.315'],
      ['0.110', '0.770'],
    ]);
    await setTariff(w.ctx(), { code: 'VOICE_CUSTOM_MINUTE_10K', amount: '0.2' });
    const again = await w.db.selectFrom('orders').select('total').where('id', '=', o.id).executeTakeFirstOrThrow();
    expect(again.total).toBe('1.085');
    await expect(setTariff(w.ctx(acme.admin), { code: 'VOICE_CUSTOM_MINUTE_10K', amount: '1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(setTariff(w.ctx(), { code: 'NOPE', amount: '1' })).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'code' });
  });

  it('M1: topUpBalance (OPERATOR) credits the balance and writes a ledger entry; bad amounts name the field', async () => {
    const b = await topUpBalance(w.ctx(), { tenantId: acme.tenantId, amount: '0.1', note: 'wire 42' });
    expect(b.amount).toBe('0.100');
    await topUpBalance(w.ctx(), { tenantId: acme.tenantId, amount: '0.2' });
    expect((await balanceOf(w.ctx(acme.supervisor))).amount).toBe('0.300');
    const ledger = await ledgerQuery(w.ctx(acme.admin), acme.tenantId).orderBy('balance_after').execute();
    expect(ledger.map((l) => [l.kind, l.amount, l.balance_after, l.reference])).toEqual([
      ['TOP_UP', '0.100', '0.100', 'wire 42'],
      ['TOP_UP', '0.200', '0.300', 'top-up'],
    ]);
    for (const amount of ['-5', '0', '1.2345', 'ten'])
      await expect(topUpBalance(w.ctx(), { tenantId: acme.tenantId, amount })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'amount' });
    await expect(topUpBalance(w.ctx(acme.admin), { tenantId: acme.tenantId, amount: '5' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(topUpBalance(w.ctx(), { tenantId: '00000000-0000-0000-0000-000000000000', amount: '5' })).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'tenantId' });
  });

  it('M1: two orders paid at once against a balance for one: the balance row lock lets exactly one through', async () => {
    await topUpBalance(w.ctx(), { tenantId: acme.tenantId, amount: '49.700' }); // 50.000 in all
    const a = await order([{ code: 'VOICE_NUMBER_MONTHLY', quantity: 1 }]);
    const b = await order([{ code: 'VOICE_NUMBER_MONTHLY', quantity: 1 }]);
    const results = await Promise.allSettled([payOrder(w.ctx(acme.admin), a.order.id), payOrder(w.ctx(acme.admin), b.order.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(failed.reason).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect((await balanceOf(w.ctx(acme.admin))).amount).toBe('0.000');
    const statuses = await w.db.selectFrom('orders').select('status').where('id', 'in', [a.order.id, b.order.id]).execute();
    expect(statuses.map((s) => s.status).sort()).toEqual(['PAID', 'UNPAID']);
    const payments = await ledgerQuery(w.ctx(acme.admin), acme.tenantId).where('kind', '=', 'ORDER_PAYMENT').execute();
    expect(payments.map((p) => [p.amount, p.balance_after])).toEqual([['-50.000', '0.000']]);
    // the line's effect ran in both transactions; the refused one was rolled back with it
    expect(effects.length).toBeGreaterThanOrEqual(1);
  });
});
