import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../support/context.js';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { gid, ok } from '../support/graphql.js';
import { insertQualification } from '../support/qualifications.js';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
const q: Record<string, string> = {};

const BATCH_FIELDS = `id status createdAt completedAt tenant { id }
  items { position e164 type result reasonCode reason feesEndMonth number { id status } }`;
const UNSUBSCRIBE = `mutation($ids: [ID!]!) { unsubscribeNumbers(numberIds: $ids) { ${BATCH_FIELDS} } }`;
const GET = `query($id: ID!) { unsubscribeBatch(id: $id) { ${BATCH_FIELDS} } }`;

const qualification = async (tenant: TenantFixture) => gid('Qualification', await insertQualification(t.app.db, t.clock, tenant.tenantId, 'STANDARD'));

let serial = 0;
/** Imports a number and buys it for the tenant (N2); paid unless told otherwise. Returns its global id. */
async function ownNumber(tenant: TenantFixture, paid = true): Promise<{ id: string; e164: string }> {
  const national = `021-6100 ${String(2000 + serial++)}`;
  ok(await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`, {
    rows: [{ number: national, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_TELECOM' }],
  }));
  const stock = ok(await t.gql(`{ availableNumbers(type: LOCAL, first: 100) { edges { node { id e164 } } } }`, {}, tenant.keys.admin));
  const e164 = `+86216100${String(2000 + serial - 1)}`;
  const node = stock.availableNumbers.edges.map((e: any) => e.node).find((n: any) => n.e164 === e164);
  const bought = ok(
    await t.gql(`mutation($n: ID!, $q: ID!) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY) { order { id } } }`, { n: node.id, q: q[tenant.tenantId] }, tenant.keys.admin),
  );
  if (paid) ok(await t.gql(`mutation($o: ID!) { payOrder(orderId: $o) { status } }`, { o: bought.purchaseNumber.order.id }, tenant.keys.admin));
  return { id: node.id, e164 };
}

/** Runs the unsubscribe job and waits for the batch to leave CHECKING. */
const finished = (id: string, key: string) =>
  t.afterJobs(async () => ok(await t.gql(GET, { id }, key)).unsubscribeBatch, (batch) => batch.status !== 'CHECKING', 'unsubscribe');

beforeAll(async () => {
  t = await startTestApp();
  acme = await t.tenant('Acme');
  beta = await t.tenant('Beta');
  q[acme.tenantId] = await qualification(acme);
  q[beta.tenantId] = await qualification(beta);
  for (const tenant of [acme, beta]) ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "1000") { amount } }`, { t: gid('Tenant', tenant.tenantId) }));
});
afterAll(() => t?.stop());

describe('N7: unsubscribing numbers over GraphQL', () => {
  it('N7: a batch goes CHECKING → PARTIAL_SUCCESS with a result and reason per number, on unsubscribeBatchStatusChanged', async () => {
    const feedA = collect<any>(t.wsClient(acme.keys.supervisor), `subscription { unsubscribeBatchStatusChanged(after: "0-0") { status previousStatus released failed total batch { id } } }`);
    const feedB = collect<any>(t.wsClient(beta.keys.supervisor), `subscription { unsubscribeBatchStatusChanged(after: "0-0") { status batch { id } } }`);
    const active = await ownNumber(acme);
    const unpaid = await ownNumber(acme, false);

    const started = ok(await t.gql(UNSUBSCRIBE, { ids: [active.id, unpaid.id] }, acme.keys.admin)).unsubscribeNumbers;
    expect(started.status).toBe('CHECKING');
    // items are read when the answer is built: the inline worker may already have checked them
    expect(started.items).toHaveLength(2);
    const batch = await finished(started.id, acme.keys.supervisor);
    expect(batch.status).toBe('PARTIAL_SUCCESS');
    expect(batch.completedAt).not.toBeNull();
    expect(batch.items.map((i: any) => [i.position, i.e164, i.result, i.reasonCode])).toEqual([
      [1, active.e164, 'RELEASED', null],
      [2, unpaid.e164, 'FAILED', 'UNPAID_ORDER'],
    ]);
    expect(batch.items[1].reason).toMatch(/unpaid/);
    // Fees stop from the first day of the next month (Asia/Shanghai).
    const now = new Date(ok(await t.gql(`{ now }`)).now);
    const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number) as [number, number];
    expect(batch.items[0].feesEndMonth).toBe(m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`);
    expect(batch.items[0].number.status).toBe('AVAILABLE'); // back in stock
    const mine = ok(await t.gql(`{ myNumbers(first: 50) { edges { node { e164 } } } }`, {}, acme.keys.admin)).myNumbers.edges.map((e: any) => e.node.e164);
    expect(mine).not.toContain(active.e164);
    expect(mine).toContain(unpaid.e164);

    await feedA.waitFor(() => feedA.items.length >= 2);
    expect(feedA.items.map((i) => i.unsubscribeBatchStatusChanged)).toEqual([
      { status: 'CHECKING', previousStatus: null, released: 0, failed: 0, total: 2, batch: { id: started.id } },
      { status: 'PARTIAL_SUCCESS', previousStatus: 'CHECKING', released: 1, failed: 1, total: 2, batch: { id: started.id } },
    ]);
    // Beta's own batch comes later than Acme's: had Acme's reached Beta's feed, it would be first
    const betaNumber = await ownNumber(beta);
    const betaBatch = ok(await t.gql(UNSUBSCRIBE, { ids: [betaNumber.id] }, beta.keys.admin)).unsubscribeNumbers;
    await feedB.waitFor(() => feedB.items.length > 0);
    expect(feedB.items.map((i) => i.unsubscribeBatchStatusChanged.batch.id)).toEqual(feedB.items.map(() => betaBatch.id));
    feedA.unsubscribe();
    feedB.unsubscribe();
  });

  it('N7: all released → COMPLETED; none → CHECK_FAILED; listed by status', async () => {
    const a = await ownNumber(acme);
    const completed = ok(await t.gql(UNSUBSCRIBE, { ids: [a.id] }, acme.keys.admin)).unsubscribeNumbers;
    expect((await finished(completed.id, acme.keys.admin)).status).toBe('COMPLETED');
    const b = await ownNumber(acme, false);
    const failed = ok(await t.gql(UNSUBSCRIBE, { ids: [b.id] }, acme.keys.admin)).unsubscribeNumbers;
    expect((await finished(failed.id, acme.keys.admin)).status).toBe('CHECK_FAILED');
    const list = ok(await t.gql(`{ unsubscribeBatches(status: CHECK_FAILED, first: 10) { edges { node { id status } } } }`, {}, acme.keys.supervisor));
    expect(list.unsubscribeBatches.edges.map((e: any) => e.node)).toEqual([{ id: failed.id, status: 'CHECK_FAILED' }]);
  });

  it("N7: another tenant's number or a wrong id is refused naming the entry; nothing is written", async () => {
    const own = await ownNumber(acme);
    const theirs = await ownNumber(beta);
    const count = async () => ok(await t.gql(`{ unsubscribeBatches(first: 100) { edges { cursor } } }`, {}, acme.keys.admin)).unsubscribeBatches.edges.length;
    const before = await count();
    const foreign = await t.gql(UNSUBSCRIBE, { ids: [own.id, theirs.id] }, acme.keys.admin);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'numberIds.1' });
    const wrongType = await t.gql(UNSUBSCRIBE, { ids: [gid('Order', '00000000-0000-0000-0000-000000000000')] }, acme.keys.admin);
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
    const bySupervisor = await t.gql(UNSUBSCRIBE, { ids: [own.id] }, acme.keys.supervisor);
    expect(bySupervisor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await count()).toBe(before);
  });

  it("N7: a tenant's batches are invisible to another tenant by id, in lists and on the subscription", async () => {
    const theirs = await ownNumber(beta);
    const batch = ok(await t.gql(UNSUBSCRIBE, { ids: [theirs.id] }, beta.keys.admin)).unsubscribeNumbers;
    const byAcme = ok(await t.gql(`query($id: ID!) { unsubscribeBatch(id: $id) { id } node(id: $id) { id } }`, { id: batch.id }, acme.keys.admin));
    expect(byAcme).toEqual({ unsubscribeBatch: null, node: null });
    const acmeList = ok(await t.gql(`{ unsubscribeBatches(first: 100) { edges { node { id tenant { id } } } } }`, {}, acme.keys.supervisor));
    expect(acmeList.unsubscribeBatches.edges.every((e: any) => e.node.tenant.id === gid('Tenant', acme.tenantId))).toBe(true);
    const opsList = ok(await t.gql(`{ unsubscribeBatches(first: 100) { edges { node { id } } } }`));
    expect(opsList.unsubscribeBatches.edges.map((e: any) => e.node.id)).toContain(batch.id);
    const opsFeed = collect<any>(t.wsClient(t.operatorKey), `subscription { unsubscribeBatchStatusChanged(after: "0-0") { batch { id tenant { id } } } }`);
    await opsFeed.waitFor(() => opsFeed.items.some((i) => i.unsubscribeBatchStatusChanged.batch.id === batch.id));
    opsFeed.unsubscribe();
  });
});
