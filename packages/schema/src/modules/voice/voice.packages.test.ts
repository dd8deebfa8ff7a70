import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith } from '../../../../../test/support/errors.js';
import { insertQualification } from '../../../../../test/support/qualifications.js';
import { formatMoney } from '../billing/money.js';
import { balanceOf, setTariff, topUpBalance } from '../billing/billing.service.js';
import { createVoiceApp } from './voice.apps.js';
import { buyVoicePackage, voicePackageQuote, voicePackagesQuery, type FixedPackage } from './voice.packages.js';
import { packageRunOut, packageUsagePerDay } from './voice.packages.usage.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;

const ops = () => w.ctx();
const count = async (table: string) => Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(w.db)).rows[0]!.n);
const quote = async (minutes?: number, fixedPackage?: FixedPackage) => {
  const q = await voicePackageQuote(w.ctx(acme.admin), { minutes, fixedPackage });
  return { tariffCode: q.tariffCode, unitPrice: formatMoney(q.unitPrice), minutes: q.minutes, price: formatMoney(q.price) };
};

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '20000' });
  await topUpBalance(ops(), { tenantId: beta.tenantId, amount: '100' });
});
afterAll(() => w?.drop());

describe('V2: pricing minute packages', () => {
  it('V2: custom packages: the unit price is the bracket of the quantity, exactly at the boundaries; price = unit × minutes exactly', async () => {
    const cases: [number, string, string][] = [
      [1_000, '0.110', 'VOICE_CUSTOM_MINUTE_UNDER_10K'],
      [9_000, '0.110', 'VOICE_CUSTOM_MINUTE_UNDER_10K'],
      [10_000, '0.105', 'VOICE_CUSTOM_MINUTE_10K'],
      [99_000, '0.105', 'VOICE_CUSTOM_MINUTE_10K'],
      [100_000, '0.100', 'VOICE_CUSTOM_MINUTE_100K'],
      [499_000, '0.100', 'VOICE_CUSTOM_MINUTE_100K'],
      [500_000, '0.095', 'VOICE_CUSTOM_MINUTE_500K'],
      [999_000, '0.095', 'VOICE_CUSTOM_MINUTE_500K'],
      [1_000_000, '0.090', 'VOICE_CUSTOM_MINUTE_1M'],
      [2_999_000, '0.090', 'VOICE_CUSTOM_MINUTE_1M'],
      [3_000_000, '0.085', 'VOICE_CUSTOM_MINUTE_3M'],
      [5_000_000, '0.085', 'VOICE_CUSTOM_MINUTE_3M'],
    ];
    const prices: Record<number, string> = {
      1_000: '110.000', 9_000: '990.000', 10_000: '1050.000', 99_000: '10395.000', 100_000: '10000.000', 499_000: '49900.000',
      500_000: '47500.000', 999_000: '94905.000', 1_000_000: '90000.000', 2_999_000: '269910.000', 3_000_000: '255000.000', 5_000_000: '425000.000',
    };
    for (const [minutes, unit, tariffCode] of cases) expect(await quote(minutes), `${minutes} minutes`).toEqual({ tariffCode, unitPrice: unit, minutes, price: prices[minutes] });
  });

  it('V2: fixed packages are exactly the seed’s table', async () => {
    expect(await quote(undefined, 'FIXED_10K')).toEqual({ tariffCode: 'VOICE_PACKAGE_10K', unitPrice: '0.105', minutes: 10_000, price: '1050.000' });
    expect(await quote(undefined, 'FIXED_100K')).toEqual({ tariffCode: 'VOICE_PACKAGE_100K', unitPrice: '0.100', minutes: 100_000, price: '10000.000' });
    expect(await quote(undefined, 'FIXED_500K')).toEqual({ tariffCode: 'VOICE_PACKAGE_500K', unitPrice: '0.095', minutes: 500_000, price: '47500.000' });
    expect(await quote(undefined, 'FIXED_1M')).toEqual({ tariffCode: 'VOICE_PACKAGE_1M', unitPrice: '0.090', minutes: 1_000_000, price: '90000.000' });
    expect(await quote(undefined, 'FIXED_3M')).toEqual({ tariffCode: 'VOICE_PACKAGE_3M', unitPrice: '0.085', minutes: 3_000_000, price: '255000.000' });
  });

  it('V2: custom quantities below 1 000, off the 1 000 steps (9 999 among them) or beyond the maximum are refused naming minutes; both or neither choice named', async () => {
    for (const minutes of [0, 999, 1_500, 9_999, 10_001, -1_000, 100_001_000, 2.5])
      await failsWith(voicePackageQuote(w.ctx(acme.admin), { minutes }), 'INVALID_INPUT', 'minutes');
    await failsWith(voicePackageQuote(w.ctx(acme.admin), {}), 'INVALID_INPUT', 'minutes');
    await failsWith(voicePackageQuote(w.ctx(acme.admin), { minutes: 1_000, fixedPackage: 'FIXED_10K' }), 'INVALID_INPUT', 'fixedPackage');
    await failsWith(voicePackageQuote(w.ctx(acme.admin), { fixedPackage: 'FIXED_2K' as FixedPackage }), 'INVALID_INPUT', 'fixedPackage');
  });

  it('V2: unit prices come from the tariff table: an OPERATOR’s change moves the quote', async () => {
    await setTariff(ops(), { code: 'VOICE_CUSTOM_MINUTE_10K', amount: '0.104' });
    expect(await quote(12_000)).toMatchObject({ unitPrice: '0.104', price: '1248.000' });
    await setTariff(ops(), { code: 'VOICE_CUSTOM_MINUTE_10K', amount: '0.105' });
    expect(await quote(12_000)).toMatchObject({ unitPrice: '0.105', price: '1260.000' });
  });
});

describe('V2: buying minute packages', () => {
  it('V2: a voucher is refused (VOUCHERS_NOT_ACCEPTED naming voucherCode); a SUPERVISOR cannot buy; too little balance writes nothing', async () => {
    const before = [await count('orders'), await count('voice_packages')];
    await failsWith(buyVoicePackage(w.ctx(acme.admin), { fixedPackage: 'FIXED_10K', voucherCode: 'SPRING-50' }), 'VOUCHERS_NOT_ACCEPTED', 'voucherCode');
    await failsWith(buyVoicePackage(w.ctx(acme.supervisor), { fixedPackage: 'FIXED_10K' }), 'FORBIDDEN');
    await failsWith(buyVoicePackage(w.ctx(beta.admin), { minutes: 1_000 }), 'INSUFFICIENT_BALANCE');
    await failsWith(buyVoicePackage(w.ctx(acme.admin), { minutes: 9_999 }), 'INVALID_INPUT', 'minutes');
    expect([await count('orders'), await count('voice_packages')]).toEqual(before);
    expect((await balanceOf(w.ctx(beta.admin))).amount).toBe('100.000');
  });

  it('V2: buying a custom package: an order VOICE_PACKAGE paid from the balance with one line priced as the quote, a full package expiring 12 months later, PACKAGE_USAGE_CHANGED', async () => {
    const pkg = await buyVoicePackage(w.ctx(acme.admin), { minutes: 12_000 });
    expect(pkg).toMatchObject({ kind: 'CUSTOM', tariff_code: 'VOICE_CUSTOM_MINUTE_10K', total_minutes: 12_000, remaining_minutes: 12_000, reserved_minutes: 0, unit_price: '0.105', price: '1260.000' });
    expect(pkg.purchased_at.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect(pkg.expires_at.toISOString()).toBe('2027-11-25T02:00:00.000Z');
    const order = await w.db.selectFrom('orders').selectAll().where('id', '=', pkg.order_id).executeTakeFirstOrThrow();
    expect(order).toMatchObject({ kind: 'VOICE_PACKAGE', status: 'PAID', total: '1260.000' });
    const lines = await w.db.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).execute();
    expect(lines.map((l) => [l.kind, l.tariff_code, l.quantity, l.unit_price, l.amount, l.subject_id])).toEqual([['VOICE_PACKAGE', 'VOICE_CUSTOM_MINUTE_10K', 12_000, '0.105', '1260.000', pkg.id]]);
    expect((await balanceOf(w.ctx(acme.admin))).amount).toBe('18740.000');
    const ev = await w.db.selectFrom('events').select(['type', 'payload']).where('subject_id', '=', pkg.id).execute();
    expect(ev).toEqual([{ type: 'PACKAGE_USAGE_CHANGED', payload: expect.objectContaining({ packageId: pkg.id, total: 12_000, remaining: 12_000 }) }]);
  });

  it('V2: a fixed package is one line of quantity 1 at the package’s price; the validity follows the tariff VOICE_PACKAGE_VALIDITY_MONTHS', async () => {
    await setTariff(ops(), { code: 'VOICE_PACKAGE_VALIDITY_MONTHS', amount: '6' });
    const pkg = await buyVoicePackage(w.ctx(acme.admin), { fixedPackage: 'FIXED_10K' });
    expect(pkg).toMatchObject({ kind: 'FIXED', tariff_code: 'VOICE_PACKAGE_10K', total_minutes: 10_000, unit_price: '0.105', price: '1050.000' });
    expect(pkg.expires_at.toISOString()).toBe('2027-05-25T02:00:00.000Z');
    const [line] = await w.db.selectFrom('order_lines').selectAll().where('order_id', '=', pkg.order_id).execute();
    expect([line!.quantity, line!.amount]).toEqual([1, '1050.000']);
    await setTariff(ops(), { code: 'VOICE_PACKAGE_VALIDITY_MONTHS', amount: '12' });
  });
});

describe('V2: reading packages and their use', () => {
  it('V2: packages list with active-only filter; a SUPERVISOR reads them, a PARTNER and another tenant do not', async () => {
    const all = await voicePackagesQuery(w.ctx(acme.supervisor)).execute();
    expect(all).toHaveLength(2);
    expect(await voicePackagesQuery(w.ctx(acme.partner)).execute()).toEqual([]);
    expect(await voicePackagesQuery(w.ctx(beta.admin)).execute()).toEqual([]);
    w.clock.set(new Date('2027-06-01T00:00:00Z'));
    expect((await voicePackagesQuery(w.ctx(acme.admin), { activeOnly: true }).execute()).map((p) => p.kind)).toEqual(['CUSTOM']);
    w.clock.set(new Date('2026-11-25T02:00:00Z'));
  });

  it('V2: minutes used per day in the tenant’s zone (days 1..90), and the run-out date at the last 7 days’ rate', async () => {
    await failsWith(packageUsagePerDay(w.ctx(acme.admin), 0), 'INVALID_INPUT', 'days');
    await failsWith(packageUsagePerDay(w.ctx(acme.admin), 91), 'INVALID_INPUT', 'days');
    expect(await packageRunOut(w.ctx(acme.admin))).toEqual({ date: null, remainingMinutes: 22_000, minutesPerDay: 0 });
    await insertQualification(w.db, w.clock, acme.tenantId, 'STANDARD');
    const app = await createVoiceApp(w.ctx(acme.admin), { name: 'Usage' });
    const custom = (await voicePackagesQuery(w.ctx(acme.admin)).where('kind', '=', 'CUSTOM').executeTakeFirstOrThrow()).id;
    // 700 minutes on 24 November 23:30 Shanghai (15:30Z), 1 400 on 25 November 00:30 Shanghai (24 Nov 16:30Z)
    for (const [at, minutes] of [['2026-11-24T15:30:00Z', 700], ['2026-11-24T16:30:00Z', 1_400]] as const) {
      const m = await w.db
        .insertInto('voice_messages')
        .values({ tenant_id: acme.tenantId, app_id: app.id, to_e164: '+8613800138000', text: 'hi', status: 'ANSWERED', queued_at: new Date(at), created_at: new Date(at), updated_at: new Date(at) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await w.db.insertInto('voice_package_usages').values({ tenant_id: acme.tenantId, package_id: custom, message_id: m.id, minutes, created_at: new Date(at) }).execute();
      await sql`update voice_packages set remaining_minutes = remaining_minutes - ${minutes} where id = ${custom}`.execute(w.db);
    }
    expect(await packageUsagePerDay(w.ctx(acme.supervisor), 3)).toEqual([
      { day: '2026-11-23', minutes: 0 },
      { day: '2026-11-24', minutes: 700 },
      { day: '2026-11-25', minutes: 1_400 },
    ]);
    expect(await packageUsagePerDay(w.ctx(beta.admin), 3)).toEqual([
      { day: '2026-11-23', minutes: 0 },
      { day: '2026-11-24', minutes: 0 },
      { day: '2026-11-25', minutes: 0 },
    ]);
    // 2 100 minutes in 7 days: 300 a day; 19 900 left: the fixed package (expires first, 10 000) in 33⅓ days, then the custom one (9 900) in 33 more
    const runOut = await packageRunOut(w.ctx(acme.admin));
    expect(runOut).toMatchObject({ remainingMinutes: 19_900, minutesPerDay: 300 });
    expect(runOut.date).toBe('2027-01-30');
  });
});
