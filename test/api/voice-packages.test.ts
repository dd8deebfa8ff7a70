import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { partnerKey } from '../support/partner-keys.js';
import { insertQualification } from '../support/qualifications.js';

/** V1, V2 over real HTTP: quote, buy (vouchers refused), errors naming the field, who may read and buy; a voice app and its numbers. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let voicePartner: string;

/** A GraphQL request over the server's own HTTP port, as a client sends it. */
async function http<T = any>(query: string, variables: Record<string, unknown>, key: string): Promise<GqlResult<T> & { status: number }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GqlResult<T>) };
}

const QUOTE = `query($m: Int, $f: VoiceFixedPackage) { voicePackageQuote(minutes: $m, fixedPackage: $f) { tariffCode unitPrice minutes price } }`;
const BUY = `mutation($input: BuyVoicePackageInput!) { buyVoicePackage(input: $input) { id kind totalMinutes remainingMinutes usedMinutes reservedMinutes unitPrice price expiresAt purchasedAt order { id kind status total } } }`;
const PACKAGES = `query($active: Boolean) { voicePackages(activeOnly: $active, first: 10) { edges { node { id kind totalMinutes remainingMinutes } } } }`;
const firstError = (r: GqlResult) => r.errors?.[0] as { message: string; extensions?: { code?: string; field?: string } } | undefined;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  await insertQualification(t.app.db, t.clock, A.tenantId, 'STANDARD');
  ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "3000") { amount } }`, { t: gid('Tenant', A.tenantId) }));
});
afterAll(() => t?.stop());

describe('V2: minute packages over HTTP', () => {
  it('V2: a quote names tariff, unit price and price, exactly, at the bracket boundaries and for fixed packages', async () => {
    const quote = async (vars: Record<string, unknown>) => ok(await http(QUOTE, vars, A.keys.supervisor)).voicePackageQuote;
    expect(await quote({ m: 9_000 })).toEqual({ tariffCode: 'VOICE_CUSTOM_MINUTE_UNDER_10K', unitPrice: '0.110', minutes: 9_000, price: '990.000' });
    expect(await quote({ m: 10_000 })).toEqual({ tariffCode: 'VOICE_CUSTOM_MINUTE_10K', unitPrice: '0.105', minutes: 10_000, price: '1050.000' });
    expect(await quote({ m: 3_000_000 })).toEqual({ tariffCode: 'VOICE_CUSTOM_MINUTE_3M', unitPrice: '0.085', minutes: 3_000_000, price: '255000.000' });
    expect(await quote({ f: 'FIXED_100K' })).toEqual({ tariffCode: 'VOICE_PACKAGE_100K', unitPrice: '0.100', minutes: 100_000, price: '10000.000' });
  });

  it('V2: bad quantities are typed errors naming the field, never "Unexpected error"', async () => {
    for (const [vars, field] of [
      [{ m: 9_999 }, 'minutes'],
      [{ m: 500 }, 'minutes'],
      [{}, 'minutes'],
      [{ m: 1_000, f: 'FIXED_10K' }, 'fixedPackage'],
    ] as const) {
      const r = await http(QUOTE, vars, A.keys.admin);
      expect(firstError(r)?.extensions, JSON.stringify(vars)).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    const buy = await http(BUY, { input: { minutes: 1_500 } }, A.keys.admin);
    expect(firstError(buy)?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'minutes' });
  });

  it('V2: a voucher is refused with VOUCHERS_NOT_ACCEPTED naming voucherCode, and nothing is bought', async () => {
    const r = await http(BUY, { input: { fixedPackage: 'FIXED_10K', voucherCode: 'WELCOME100' } }, A.keys.admin);
    expect(firstError(r)?.extensions).toMatchObject({ code: 'VOUCHERS_NOT_ACCEPTED', field: 'voucherCode' });
    expect(ok(await http(PACKAGES, {}, A.keys.admin)).voicePackages.edges).toEqual([]);
  });

  it('V2: the admin buys a custom and a fixed package from the balance; the order is PAID; packageUsageChanged delivers each purchase', async () => {
    const cursor = await t.cursor();
    const sub = collect<any>(t.wsClient(A.keys.supervisor), `subscription($after: String) { packageUsageChanged(after: $after) { total remaining expiresAt package { id kind } } }`, { after: cursor });
    const custom = ok(await http(BUY, { input: { minutes: 13_000 } }, A.keys.admin)).buyVoicePackage;
    expect(custom).toMatchObject({ kind: 'CUSTOM', totalMinutes: 13_000, remainingMinutes: 13_000, usedMinutes: 0, reservedMinutes: 0, unitPrice: '0.105', price: '1365.000' });
    expect(custom.order).toMatchObject({ kind: 'VOICE_PACKAGE', status: 'PAID', total: '1365.000' });
    expect(new Date(custom.expiresAt).getUTCFullYear() - new Date(custom.purchasedAt).getUTCFullYear()).toBe(1);
    const fixed = ok(await http(BUY, { input: { fixedPackage: 'FIXED_10K' } }, A.keys.admin)).buyVoicePackage;
    expect(fixed).toMatchObject({ kind: 'FIXED', totalMinutes: 10_000, unitPrice: '0.105', price: '1050.000' });
    const balance = ok(await http(`{ balance { amount } }`, {}, A.keys.admin)).balance;
    expect(balance.amount).toBe('585.000');
    await sub.waitFor(() => sub.items.length >= 2);
    expect(sub.items.map((i) => [i.packageUsageChanged.package.id, i.packageUsageChanged.total, i.packageUsageChanged.remaining])).toEqual([
      [custom.id, 13_000, 13_000],
      [fixed.id, 10_000, 10_000],
    ]);
    sub.unsubscribe();
    // not enough left for another 10 000-minute package: nothing written
    const broke = await http(BUY, { input: { fixedPackage: 'FIXED_10K' } }, A.keys.admin);
    expect(firstError(broke)?.extensions).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect(ok(await http(PACKAGES, { active: true }, A.keys.admin)).voicePackages.edges).toHaveLength(2);
  });

  it('V2: a SUPERVISOR reads packages, usage and run-out but cannot buy; another tenant sees none', async () => {
    const read = ok(await http(`{ voicePackages(first: 10) { edges { node { kind } } } packageUsagePerDay(days: 7) { day minutes } packageRunOut }`, {}, A.keys.supervisor));
    expect(read.voicePackages.edges).toHaveLength(2);
    expect(read.packageUsagePerDay).toHaveLength(7);
    expect(read.packageUsagePerDay.every((d: any) => d.minutes === 0)).toBe(true);
    expect(read.packageRunOut).toBeNull();
    const buy = await http(BUY, { input: { fixedPackage: 'FIXED_10K' } }, A.keys.supervisor);
    expect(firstError(buy)?.extensions?.code).toBe('FORBIDDEN');
    expect(ok(await http(PACKAGES, {}, B.keys.admin)).voicePackages.edges).toEqual([]);
    const days = await http(`{ packageUsagePerDay(days: 91) { day } }`, {}, A.keys.supervisor);
    expect(firstError(days)?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'days' });
  });
});

describe('V1: voice apps and numbers over HTTP', () => {
  it('V1: the admin creates an app and opens numbers; the app’s PARTNER key reads the app and its numbers but not packages, quotes or orders', async () => {
    ok(await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`, {
      rows: [1, 2, 3].map((i) => ({ number: `021 6900 100${i}`, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_UNICOM' })),
    }));
    const app = ok(await http(`mutation { createVoiceApp(input: { name: "Alerts" }) { id name qualification { id } } }`, {}, A.keys.admin)).createVoiceApp;
    expect(app.name).toBe('Alerts');
    const noQual = await http(`mutation { createVoiceApp(input: { name: "Alerts" }) { id } }`, {}, B.keys.admin);
    expect(firstError(noQual)?.extensions).toMatchObject({ code: 'QUALIFICATION_NOT_APPROVED', field: 'qualificationId' });
    const opened = ok(
      await http(`mutation($app: ID!) { openVoiceNumbers(input: { appId: $app, count: 2, city: "上海" }) { order { kind status total } numbers { id e164 open app { id } } } }`, { app: app.id }, A.keys.admin),
    ).openVoiceNumbers;
    expect(opened.order).toEqual({ kind: 'VOICE_NUMBERS', status: 'PAID', total: '100.000' });
    expect(opened.numbers.map((n: any) => [n.e164, n.open, n.app.id])).toEqual([
      ['+862169001001', true, app.id],
      ['+862169001002', true, app.id],
    ]);
    const short = await http(`mutation($app: ID!) { openVoiceNumbers(input: { appId: $app, count: 5 }) { order { id } } }`, { app: app.id }, A.keys.admin);
    expect(firstError(short)?.extensions).toMatchObject({ code: 'NOT_ENOUGH_NUMBERS', field: 'count' });

    voicePartner = await partnerKey(t, A, fromGlobal(app.id), 'voice');
    const seen = ok(await http(`{ voiceApps(first: 5) { edges { node { id numbers(first: 5) { edges { node { e164 number { id } order { id } } } } } } } }`, {}, voicePartner));
    expect(seen.voiceApps.edges.map((e: any) => e.node.id)).toEqual([app.id]);
    // opened in one transaction: same time, so in id order; the inventory number and the order are not a PARTNER's
    expect(seen.voiceApps.edges[0].node.numbers.edges.map((e: any) => [e.node.e164, e.node.number, e.node.order]).sort()).toEqual([
      ['+862169001001', null, null],
      ['+862169001002', null, null],
    ]);
    expect(ok(await http(PACKAGES, {}, voicePartner)).voicePackages.edges).toEqual([]);
    expect(ok(await http(PACKAGES, {}, A.keys.partner)).voicePackages.edges).toEqual([]);
    const quote = await http(QUOTE, { m: 1_000 }, voicePartner);
    expect(firstError(quote)?.extensions?.code).toBe('NOT_FOUND');
    const buy = await http(BUY, { input: { minutes: 1_000 } }, voicePartner);
    expect(firstError(buy)?.extensions?.code).toBe('FORBIDDEN');
  });

  it('V1: the durable monthly job charges the open numbers at 00:00 on the 1st in Shanghai when the clock gets there (advanceClock), once', async () => {
    const FEES = `{ orders(first: 50) { edges { node { kind status total lines { kind amount periodStart } } } } }`;
    const feeOrders = async () => (ok(await http(FEES, {}, A.keys.admin)).orders.edges as any[]).map((e) => e.node).filter((o) => o.kind === 'VOICE_MONTHLY_FEE');
    expect(await feeOrders()).toEqual([]);
    const shanghaiMonth = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(t.clock.now());
    const [y, m] = shanghaiMonth.split('-').map(Number) as [number, number];
    const nextMonthStart = Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 1) - 8 * 3_600_000;
    const seconds = Math.ceil((nextMonthStart - t.clock.now().getTime()) / 1000);
    const advance = async (s: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s }));
    await advance(seconds - 60);
    expect(await feeOrders()).toEqual([]); // a minute early: the job waits for its time
    await advance(61);
    const charged = await t.afterJobs(feeOrders, (o) => o.length > 0, 'monthly fee');
    const periodStart = new Date(nextMonthStart).toISOString();
    expect(charged).toEqual([
      { kind: 'VOICE_MONTHLY_FEE', status: 'PAID', total: '100.000', lines: [{ kind: 'VOICE_NUMBER_FEE', amount: '50.000', periodStart }, { kind: 'VOICE_NUMBER_FEE', amount: '50.000', periodStart }] },
    ]);
    await advance(3600);
    expect(await feeOrders()).toHaveLength(1);
  });
});

