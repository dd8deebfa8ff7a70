import { importNumbers, payOrder, purchaseNumber, topUpBalance, type NumberRow } from '@callplane/schema';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from './context.js';
import { filedQualification } from './qualifications.js';
import type { TestApp } from './app.js';
import { gid, ok } from './graphql.js';

/** Cities of the fixtures' numbers: national prefix and the subscriber part's first digit. */
export const CITIES = {
  上海: { province: '上海', prefix: '021', lead: '6' },
  北京: { province: '北京', prefix: '010', lead: '6' },
  深圳: { province: '广东', prefix: '0755', lead: '2' },
} as const;
export type City = keyof typeof CITIES;

let serial = Math.floor(Math.random() * 5_000_000);
/** A fresh national number of the city (or a mobile one), unique in this process. */
export function freshNumber(city: City | 'mobile'): string {
  const n = String(serial++ % 10_000_000).padStart(7, '0');
  if (city === 'mobile') return `139${n.padStart(8, '0')}`;
  return `${CITIES[city].prefix} ${CITIES[city].lead}${n}`;
}

/** The service world of the privacy tests: Acme and Beta with an approved qualification and money. */
export async function privacyServiceWorld() {
  const { w, acme, beta } = await acmeAndBeta();
  const quals = new Map<string, string>();
  for (const t of [acme, beta]) {
    quals.set(t.tenantId, await filedQualification(w, t));
    await topUpBalance(w.ctx(), { tenantId: t.tenantId, amount: '100000' });
  }
  /** ACTIVE numbers of the tenant, bought (N2) and paid, in the city (LOCAL) or mobile. */
  async function ownNumbers(t: TenantFixture, count: number, city: City | 'mobile' = '上海'): Promise<NumberRow[]> {
    const nationals = Array.from({ length: count }, () => freshNumber(city));
    const where = city === 'mobile' ? CITIES.上海 : CITIES[city];
    const imported = await importNumbers(
      w.ctx(),
      nationals.map((number) => ({ number, type: city === 'mobile' ? 'MOBILE' : 'LOCAL', province: where.province, city: city === 'mobile' ? '上海' : city, carrier: 'CHINA_TELECOM' })),
    );
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors));
    const e164s = nationals.map((n) => `+86${n.replace(/\D/g, '').replace(/^0/, '')}`);
    const stock = await w.db.selectFrom('numbers').selectAll().where('e164', 'in', e164s).execute();
    const owned: NumberRow[] = [];
    for (const n of stock) {
      const { order } = await purchaseNumber(w.ctx(t.admin), { numberId: n.id, qualificationId: quals.get(t.tenantId)!, callType: 'INBOUND_ONLY' });
      await payOrder(w.ctx(t.admin), order.id);
      owned.push(await w.db.selectFrom('numbers').selectAll().where('id', '=', n.id).executeTakeFirstOrThrow());
    }
    return owned.sort((a, b) => a.e164.localeCompare(b.e164));
  }
  return { w, acme, beta, quals, ownNumbers };
}

export type PrivacyServiceWorld = Awaited<ReturnType<typeof privacyServiceWorld>> & { w: ServiceWorld };

const PQ = {
  submit: `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`,
  approve: `mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`,
  topUp: `mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "1000") { amount } }`,
  import: `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { errors { row field message } } }`,
  purchase: `mutation($n: ID!, $q: ID!) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY) { order { id } } }`,
  pay: `mutation($o: ID!) { payOrder(orderId: $o) { status } }`,
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } secret } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id } }`,
  unbind: `mutation($app: ID!, $id: ID!) { unbind(appId: $app, bindingId: $id) { id } }`,
};

/** ACTIVE numbers of the tenant bought through the API (a qualification filed and approved, money topped up): their global ids. */
export async function apiNumbers(t: TestApp, tenant: TenantFixture, nationals: string[], city: City = '上海'): Promise<string[]> {
  const { minimalQualificationInput } = await import('@callplane/schema/testing');
  const q = ok(await t.gql(PQ.submit, { input: { ...minimalQualificationInput, kind: 'STANDARD' } }, tenant.keys.admin)).submitQualification.id;
  ok(await t.gql(PQ.approve, { id: q }));
  ok(await t.gql(PQ.topUp, { t: gid('Tenant', tenant.tenantId) }));
  const rows = nationals.map((number) => ({ number, type: 'LOCAL', province: CITIES[city].province, city, carrier: 'CHINA_TELECOM' }));
  const imported = ok(await t.gql(PQ.import, { rows }));
  if (imported.importNumbers.errors.length) throw new Error(`import: ${JSON.stringify(imported.importNumbers.errors)}`);
  const ids: string[] = [];
  for (const national of nationals) {
    const e164 = `+86${national.replace(/\D/g, '').replace(/^0/, '')}`;
    const row = await t.app.db.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirstOrThrow();
    const order = ok(await t.gql(PQ.purchase, { n: gid('Number', row.id), q }, tenant.keys.admin)).purchaseNumber.order.id;
    ok(await t.gql(PQ.pay, { o: order }, tenant.keys.admin));
    ids.push(gid('Number', row.id));
  }
  return ids;
}

/**
 * The privacy rows of the isolation world, written through the API by each tenant's admin: in A an
 * AXB app (app 1) and an AXE app (app 2), in B an AX app (app 3), each with a pool and bindings
 * (one of A's unbound again): rows of every privacy node type, and BINDING_CHANGED and
 * POOL_USAGE_CHANGED events, for both tenants. The apps' row ids, for PARTNER keys of each.
 */
export async function privacyApps(t: TestApp, A: TenantFixture, B: TenantFixture): Promise<{ app1: string; app2: string; app3: string }> {
  const [a1, a2, b1] = [['021-5560 0001', '021-5560 0002'], ['021-5560 0003'], ['021-5560 0011', '021-5560 0012']];
  const [numbersA, numbersB] = [await apiNumbers(t, A, [...a1, ...a2]), await apiNumbers(t, B, b1)];
  const app = async (tenant: TenantFixture, input: Record<string, unknown>, numberIds: string[]) => {
    const id = ok(await t.gql(PQ.createApp, { input: { cdrUrl: 'https://hooks.example/cdr', ...input } }, tenant.keys.admin)).createPrivacyApp.app.id as string;
    ok(await t.gql(PQ.move, { app: id, ids: numberIds }, tenant.keys.admin));
    return id;
  };
  const app1 = await app(A, { name: 'Acme rides', mode: 'AXB' }, numbersA.slice(0, 2));
  const app2 = await app(A, { name: 'Acme shop', mode: 'AXE', extensionLength: 2 }, numbersA.slice(2));
  const app3 = await app(B, { name: 'Beta delivery', mode: 'AX' }, numbersB);
  const bind = async (tenant: TenantFixture, appId: string, input: Record<string, unknown>) => ok(await t.gql(PQ.bind, { app: appId, input }, tenant.keys.admin)).bind.id as string;
  const gone = await bind(A, app1, { a: '13800000001', b: '13800000002', userData: 'order 1' });
  ok(await t.gql(PQ.unbind, { app: app1, id: gone }, A.keys.admin));
  await bind(A, app1, { a: '13800000003', b: '13800000004' });
  await bind(A, app2, { a: '13800000005' });
  await bind(B, app3, { a: '13900000001' });
  const raw = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;
  return { app1: raw(app1), app2: raw(app2), app3: raw(app3) };
}
