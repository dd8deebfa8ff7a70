import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { TenantFixture } from '../support/context.js';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { gid, ok } from '../support/graphql.js';
import { insertQualification } from '../support/qualifications.js';

// csv-parse is the server's dependency: resolve it from there rather than adding it to the tests.
const { parse } = createRequire(import.meta.resolve('@callplane/server'))('csv-parse/sync') as { parse: (text: string, opts: { bom: boolean }) => string[][] };

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
const q: Record<string, string> = {};

const qualification = async (tenantId: string, kind: 'STANDARD' | 'TOLL_FREE_400', status: 'APPROVED' | 'PENDING_REVIEW' = 'APPROVED') =>
  gid('Qualification', await insertQualification(t.app.db, t.clock, tenantId, kind, status));

const IMPORT = `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created skipped errors { row field message } } }`;
const AVAILABLE = `query($type: NumberType!, $province: String, $city: String, $pattern: String) {
  availableNumbers(type: $type, province: $province, city: $city, pattern: $pattern, first: 50) {
    edges { node { id e164 nationalFormat type tier status region { province city } tariff { code amount } firstTermMonths } } } }`;
const PURCHASE = `mutation($n: ID!, $q: ID!, $c: CallType!, $a: Boolean) {
  purchaseNumber(numberId: $n, qualificationId: $q, callType: $c, autoRenew: $a) {
    number { id e164 status reservedUntil autoRenew }
    order { id orderNo status total currency expiresAt lines { kind quantity unitPrice amount tariffCode number { e164 } } } } }`;
const PAY = `mutation($o: ID!) { payOrder(orderId: $o) { id status paidAt total } }`;
const TOP_UP = `mutation($t: ID!, $a: Decimal!) { topUpBalance(tenantId: $t, amount: $a) { amount } }`;

async function numberId(e164: string, key = acme.keys.admin, type = 'LOCAL') {
  const r = await t.gql(AVAILABLE, { type }, key);
  const node = r.data.availableNumbers.edges.map((e: any) => e.node).find((n: any) => n.e164 === e164);
  if (!node) throw new Error(`${e164} not in stock`);
  return node.id as string;
}

async function csv(path: string, key: string | null) {
  const res = await fetch(`${t.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, rows: res.status === 200 ? (parse(text, { bom: true }) as string[][]) : [] };
}

beforeAll(async () => {
  t = await startTestApp();
  acme = await t.tenant('Acme');
  beta = await t.tenant('Beta');
  q.acme = await qualification(acme.tenantId, 'STANDARD');
  q.acme400 = await qualification(acme.tenantId, 'TOLL_FREE_400');
  q.beta = await qualification(beta.tenantId, 'STANDARD');
  q.acmePending = await qualification(acme.tenantId, 'STANDARD', 'PENDING_REVIEW');
});
afterAll(() => t?.stop());

describe('numbers over GraphQL', () => {
  it('N1: importNumbers adds good rows, reports bad rows by row and field, and is idempotent', async () => {
    const rows = [
      { number: '010-12345678', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
      { number: '010-12345679', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
      { number: '0571-88888888', type: 'LOCAL', province: '浙江', city: '杭州', carrier: 'CHINA_UNICOM' },
      { number: '400-810-8888', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'VIP' },
      { number: 'not a number', type: 'LOCAL', province: '北京', city: '北京', carrier: 'X' },
      { number: '010-12345670', type: 'FAX', province: '北京', city: '北京', carrier: 'X' },
      { number: '010-12345671', type: 'LOCAL', carrier: 'X' },
    ];
    const r = await t.gql(IMPORT, { rows });
    expect(r.errors).toBeUndefined();
    expect(r.data.importNumbers.created).toBe(4);
    expect(r.data.importNumbers.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual(['5:number', '6:type', '7:province', '7:city']);
    const again = await t.gql(IMPORT, { rows: rows.slice(0, 4) });
    expect(again.data.importNumbers).toEqual({ created: 0, skipped: 4, errors: [] });
    const denied = await t.gql(IMPORT, { rows: rows.slice(0, 1) }, acme.keys.admin);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('N1: tenants see stock by type and region, and only regions that have stock', async () => {
    const regions = await t.gql(`{ numberRegionsWithStock(type: LOCAL) { province city count } }`, {}, acme.keys.supervisor);
    expect(regions.data.numberRegionsWithStock).toEqual([
      { province: '北京', city: '北京', count: 2 },
      { province: '浙江', city: '杭州', count: 1 },
    ]);
    const mobile = await t.gql(`{ numberRegionsWithStock(type: MOBILE) { province } }`, {}, acme.keys.admin);
    expect(mobile.data.numberRegionsWithStock).toEqual([]);
    const hz = await t.gql(AVAILABLE, { type: 'LOCAL', city: '杭州' }, acme.keys.admin);
    expect(hz.data.availableNumbers.edges.map((e: any) => e.node.e164)).toEqual(['+8657188888888']);
    const tf = await t.gql(AVAILABLE, { type: 'TOLL_FREE_400' }, acme.keys.admin);
    expect(tf.data.availableNumbers.edges[0].node).toMatchObject({
      e164: '+864008108888', nationalFormat: '400 810 8888', tier: 'VIP', tariff: { code: 'TOLL_FREE_400_VIP', amount: '12500.000' }, firstTermMonths: 3,
    });
    const bad = await t.gql(AVAILABLE, { type: 'LOCAL', pattern: 'abc' }, acme.keys.admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'pattern' });
  });

  it('N2: purchase errors are typed and name the field; nothing is half-written', async () => {
    const n = await numberId('+861012345678');
    const cases: [Record<string, unknown>, string, string][] = [
      // a missing number and one another tenant holds get the same answer, naming neither
      [{ n: gid('Number', '00000000-0000-0000-0000-000000000000'), q: q.acme, c: 'INBOUND_ONLY' }, 'NUMBER_NOT_AVAILABLE', 'numberId'],
      [{ n, q: q.acme400, c: 'INBOUND_ONLY' }, 'QUALIFICATION_WRONG_KIND', 'qualificationId'],
      [{ n, q: q.acmePending, c: 'INBOUND_ONLY' }, 'QUALIFICATION_NOT_APPROVED', 'qualificationId'],
      [{ n, q: q.beta, c: 'INBOUND_ONLY' }, 'NOT_FOUND', 'qualificationId'],
      [{ n, q: q.acme, c: 'INBOUND_OUTBOUND' }, 'APPLICATION_REQUIRED', 'callType'],
    ];
    const garbage = await t.gql(PURCHASE, { n: 'garbage', q: q.acme, c: 'INBOUND_ONLY' }, acme.keys.admin);
    expect(garbage.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
    for (const [vars, code, field] of cases) {
      const r = await t.gql(PURCHASE, vars, acme.keys.admin);
      expect(r.errors?.[0]?.extensions, JSON.stringify(vars)).toMatchObject({ code, field });
    }
    const supervisor = await t.gql(PURCHASE, { n, q: q.acme, c: 'INBOUND_ONLY' }, acme.keys.supervisor);
    expect(supervisor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const orders = await t.gql(`{ orders { edges { node { id } } } }`, {}, acme.keys.admin);
    expect(orders.data.orders.edges).toEqual([]);
  });

  it('N2: two tenants buying one number at once: exactly one gets it, the other NUMBER_NOT_AVAILABLE', async () => {
    const n = await numberId('+861012345679');
    const [a, b] = await Promise.all([
      t.gql(PURCHASE, { n, q: q.acme, c: 'INBOUND_ONLY' }, acme.keys.admin),
      t.gql(PURCHASE, { n, q: q.beta, c: 'INBOUND_ONLY' }, beta.keys.admin),
    ]);
    const results = [a, b];
    expect(results.filter((r) => r.data?.purchaseNumber)).toHaveLength(1);
    const loser = results.find((r) => r.errors)!;
    expect(loser.errors![0]!.extensions).toMatchObject({ code: 'NUMBER_NOT_AVAILABLE', field: 'numberId' });
  });

  it('N2/M1: buy, fail to pay without balance (nothing changes), top up, pay: ACTIVE, ledger, balance exact', async () => {
    const n = await numberId('+8657188888888');
    const bought = await t.gql(PURCHASE, { n, q: q.acme, c: 'INBOUND_ONLY', a: true }, acme.keys.admin);
    expect(bought.errors).toBeUndefined();
    const { number, order } = bought.data.purchaseNumber;
    expect(number).toMatchObject({ status: 'RESERVED', autoRenew: true });
    expect(order).toMatchObject({ status: 'UNPAID', total: '50.000', currency: 'CNY' });
    expect(order.lines).toEqual([{ kind: 'NUMBER_PURCHASE', quantity: 1, unitPrice: '50.000', amount: '50.000', tariffCode: 'NUMBER_MONTHLY_LOCAL', number: { e164: '+8657188888888' } }]);

    const broke = await t.gql(PAY, { o: order.id }, acme.keys.admin);
    expect(broke.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_BALANCE');
    const still = await t.gql(`query($id: ID!) { order(id: $id) { status } node(id: "${number.id}") { ... on Number { status } } }`, { id: order.id }, acme.keys.admin);
    expect(still.data).toEqual({ order: { status: 'UNPAID' }, node: { status: 'RESERVED' } });

    const bad = await t.gql(TOP_UP, { t: gid('Tenant', acme.tenantId), a: '1.2345' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect((await t.gql(TOP_UP, { t: gid('Tenant', acme.tenantId), a: '60.10' })).data.topUpBalance.amount).toBe('60.100');
    const paid = await t.gql(PAY, { o: order.id }, acme.keys.admin);
    expect(paid.data.payOrder.status).toBe('PAID');
    const balance = await t.gql(`{ balance { amount ledger { edges { node { kind amount balanceAfter reference order { orderNo } } } } } }`, {}, acme.keys.supervisor);
    expect(balance.data.balance.amount).toBe('10.100');
    // same instant on the manual clock: compare without relying on the order of the two
    expect(balance.data.balance.ledger.edges.map((e: any) => e.node).sort((a: any, b: any) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'ORDER_PAYMENT', amount: '-50.000', balanceAfter: '10.100', reference: order.orderNo, order: { orderNo: order.orderNo } },
      { kind: 'TOP_UP', amount: '60.100', balanceAfter: '60.100', reference: 'top-up', order: null },
    ]);
    const mine = await t.gql(`{ myNumbers(status: ACTIVE) { edges { node { e164 status termEnd autoRenew region { city } } } } }`, {}, acme.keys.admin);
    expect(mine.data.myNumbers.edges).toHaveLength(1);
    expect(mine.data.myNumbers.edges[0].node).toMatchObject({ e164: '+8657188888888', status: 'ACTIVE', autoRenew: true, region: { city: '杭州' } });
    const off = await t.gql(`mutation($n: ID!) { setAutoRenew(numberId: $n, autoRenew: false) { autoRenew } }`, { n: number.id }, acme.keys.admin);
    expect(off.data.setAutoRenew.autoRenew).toBe(false);
  });

  it('N2: an unpaid reservation expires by the job at reserved_until (advanceClock) and the number is back in stock', async () => {
    const n = await numberId('+864008108888', acme.keys.admin, 'TOLL_FREE_400');
    const bought = await t.gql(PURCHASE, { n, q: q.acme400, c: 'INBOUND_ONLY' }, acme.keys.admin);
    expect(bought.data.purchaseNumber.order).toMatchObject({ total: '37500.000', lines: [expect.objectContaining({ quantity: 3, unitPrice: '12500.000' })] });
    const orderId = bought.data.purchaseNumber.order.id;
    await t.gql(`mutation { advanceClock(seconds: 1799) }`);
    expect((await t.gql(`query($id: ID!) { order(id: $id) { status } }`, { id: orderId }, acme.keys.admin)).data.order.status).toBe('UNPAID');
    await t.gql(`mutation { advanceClock(seconds: 1) }`);
    const after = await t.gql(`query($id: ID!) { order(id: $id) { status closedAt } }`, { id: orderId }, acme.keys.admin);
    expect(after.data.order.status).toBe('EXPIRED');
    const stock = await t.gql(AVAILABLE, { type: 'TOLL_FREE_400' }, beta.keys.admin);
    expect(stock.data.availableNumbers.edges.map((e: any) => e.node.e164)).toEqual(['+864008108888']);
    const late = await t.gql(PAY, { o: orderId }, acme.keys.admin);
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'ORDER_NOT_PAYABLE', field: 'orderId' });
  });

  it('N4: at term end without auto-renew the number expires; after the grace period it is back in stock (jobs run by advanceClock)', async () => {
    const mine = await t.gql(`{ myNumbers(status: ACTIVE) { edges { node { id termEnd } } } }`, {}, acme.keys.admin);
    const { id, termEnd } = mine.data.myNumbers.edges[0].node;
    const seconds = Math.ceil((new Date(termEnd).getTime() - t.clock.now().getTime()) / 1000);
    await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds });
    const expired = await t.gql(`query($id: ID!) { node(id: $id) { ... on Number { status graceUntil } } }`, { id }, acme.keys.admin);
    expect(expired.data.node.status).toBe('EXPIRED');
    await t.gql(`mutation { advanceClock(seconds: ${7 * 86400}) }`);
    const released = await t.gql(`query($id: ID!) { node(id: $id) { ... on Number { status tenant { id } } } }`, { id }, acme.keys.admin);
    expect(released.data.node).toEqual({ status: 'AVAILABLE', tenant: null });
  });
});

describe('N4: subscriptions and isolation', () => {
  it('RT3/N2: numberStatusChanged and orderStatusChanged replay from `after` and carry only the key’s tenant', async () => {
    const acmeWs = t.wsClient(acme.keys.supervisor);
    const betaWs = t.wsClient(beta.keys.supervisor);
    const numbersA = collect<any>(acmeWs, `subscription { numberStatusChanged(after: "0-0") { cursor e164 status previousStatus reason number { id } } }`);
    const ordersA = collect<any>(acmeWs, `subscription { orderStatusChanged(after: "0-0") { cursor orderNo status previousStatus total order { tenant { id } } } }`);
    const numbersB = collect<any>(betaWs, `subscription { numberStatusChanged(after: "0-0") { e164 status reason } }`);
    await numbersA.waitFor(() => numbersA.items.some((i) => i.numberStatusChanged.reason === 'GRACE_ENDED'));
    const statuses = numbersA.items.filter((i) => i.numberStatusChanged.e164 === '+8657188888888').map((i) => i.numberStatusChanged.status);
    expect(statuses).toEqual(['RESERVED', 'ACTIVE', 'EXPIRED', 'AVAILABLE']);
    await ordersA.waitFor(() => ordersA.items.some((i) => i.orderStatusChanged.status === 'EXPIRED'));
    expect(ordersA.items.map((i) => i.orderStatusChanged.status)).toEqual(expect.arrayContaining(['UNPAID', 'PAID', 'EXPIRED']));
    expect(new Set(ordersA.items.map((i) => i.orderStatusChanged.order.tenant.id))).toEqual(new Set([gid('Tenant', acme.tenantId)]));
    // Beta's stream has replayed by now (its own race result, if any) and holds nothing of Acme's
    expect(numbersB.items.map((i) => i.numberStatusChanged.e164)).not.toContain('+8657188888888');
    expect(numbersB.items.map((i) => i.numberStatusChanged.e164)).not.toContain('+864008108888');

    // live: a new purchase by Beta reaches Beta only
    const n = await numberId('+8657188888888', beta.keys.admin);
    await t.gql(PURCHASE, { n, q: q.beta, c: 'INBOUND_ONLY' }, beta.keys.admin);
    await numbersB.waitFor(() => numbersB.items.some((i) => i.numberStatusChanged.e164 === '+8657188888888'));
    // then one of Acme's own, later: had Beta's purchase reached Acme's stream, it would come first
    const stock = ok(await t.gql(AVAILABLE, { type: 'LOCAL' }, acme.keys.admin)).availableNumbers.edges.map((e: any) => e.node);
    const later = stock.find((x: any) => x.e164 !== '+8657188888888');
    ok(await t.gql(PURCHASE, { n: later.id, q: q.acme, c: 'INBOUND_ONLY' }, acme.keys.admin));
    await numbersA.waitFor(() => numbersA.items.some((i) => i.numberStatusChanged.e164 === later.e164));
    expect(numbersA.items.filter((i) => i.numberStatusChanged.status === 'RESERVED' && i.numberStatusChanged.e164 === '+8657188888888')).toHaveLength(1);
    for (const c of [numbersA, ordersA, numbersB]) c.unsubscribe();
  });

  it('numbers and orders of another tenant are invisible by id and in lists', async () => {
    const acmeOrders = await t.gql(`{ orders { edges { node { id } } } }`, {}, acme.keys.admin);
    const orderId = acmeOrders.data.orders.edges[0].node.id;
    const byBeta = await t.gql(`query($id: ID!) { order(id: $id) { id } node(id: $id) { id } }`, { id: orderId }, beta.keys.admin);
    expect(byBeta.data).toEqual({ order: null, node: null });
    const betaOrders = await t.gql(`{ orders { edges { node { id } } } }`, {}, beta.keys.admin);
    expect(betaOrders.data.orders.edges.map((e: any) => e.node.id)).not.toContain(orderId);
    const pay = await t.gql(PAY, { o: orderId }, beta.keys.admin);
    expect(pay.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'orderId' });
    const betaNumbers = await t.gql(`{ myNumbers { edges { node { id e164 } } } }`, {}, beta.keys.admin);
    const reserved = betaNumbers.data.myNumbers.edges[0].node;
    const byAcme = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: reserved.id }, acme.keys.admin);
    expect(byAcme.data.node).toBeNull();
    const renew = await t.gql(`mutation($n: ID!) { setAutoRenew(numberId: $n, autoRenew: true) { id } }`, { n: reserved.id }, acme.keys.admin);
    expect(renew.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'numberId' });
    const balance = await t.gql(`query($t: ID) { balance(tenantId: $t) { amount } }`, { t: gid('Tenant', acme.tenantId) }, beta.keys.admin);
    expect(balance.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('N8: CSV exports', () => {
  it('N8: /exports/numbers.csv and /exports/orders.csv stream a header row and stable columns, scoped to the key’s tenant', async () => {
    const numbers = await csv('/exports/numbers.csv', beta.keys.supervisor);
    expect(numbers.status).toBe(200);
    expect(numbers.type).toMatch(/^text\/csv/);
    expect(numbers.rows[0]).toEqual([
      'id', 'e164', 'type', 'tier', 'status', 'province', 'city', 'carrier', 'call_type', 'auto_renew',
      'term_start', 'term_end', 'reserved_until', 'grace_until', 'instance_id', 'tenant_id', 'created_at',
    ]);
    expect(numbers.rows.slice(1).map((r) => [r[1], r[4], r[15]])).toEqual([['+8657188888888', 'RESERVED', beta.tenantId]]);
    const orders = await csv('/exports/orders.csv', acme.keys.admin);
    expect(orders.rows[0]).toEqual(['id', 'order_no', 'kind', 'status', 'total', 'currency', 'items', 'tenant_id', 'created_at', 'paid_at', 'expires_at', 'closed_at']);
    expect(orders.rows.slice(1).every((r) => r[7] === acme.tenantId)).toBe(true);
    // EXPIRED and PAID from the purchase tests, UNPAID from the live-stream test's later purchase
    expect(new Set(orders.rows.slice(1).map((r) => r[3]))).toEqual(new Set(['EXPIRED', 'PAID', 'UNPAID']));
    expect(orders.rows.find((r) => r[3] === 'PAID')![6]).toMatch(/\+8657188888888.*× 1 = 50\.000/);
    const all = await csv('/exports/numbers.csv?status=AVAILABLE', t.operatorKey);
    expect(all.rows.length).toBeGreaterThan(2);
    expect((await csv('/exports/numbers.csv?status=NOPE', acme.keys.admin)).status).toBe(400);
    expect((await csv('/exports/orders.csv', null)).status).toBe(401);
    // a PARTNER reads no order or number (READ_POLICY): the header row alone
    const partnerOrders = await csv('/exports/orders.csv', acme.keys.partner);
    expect(partnerOrders.status).toBe(200);
    expect(partnerOrders.rows).toEqual([orders.rows[0]]);
  });
});
