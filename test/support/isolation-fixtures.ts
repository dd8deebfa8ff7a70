import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { getNamedType, isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { createApiKey, createUser, encodeCursor, hasInvisibleEvents, inTransaction, START, type Database, type Role } from '@callplane/schema';
import { READ_POLICY, VALUE_TYPES, type PolicyTable, type TablePolicy } from '@callplane/schema/testing';
import { minimalQualificationInput, sampleQualificationInput } from '@callplane/schema/testing';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { gid, ok } from './graphql.js';
import { privacyApps } from './privacy-fixtures.js';
import { isolationDeliveries, isolationVoiceDeliveries } from './webhooks-fixtures.js';
import { isolationCalls } from './calls-fixtures.js';
import { isolationSms } from './sms-fixtures.js';
import { isolationVoiceMessages } from './voice-fixtures.js';
import { isolationVoiceCore } from './voice-core-fixtures.js';
import { isolationStatements } from './statements-fixtures.js';

/** One key of the isolation matrix: who it is, and its secret (null: a request without a key). */
export interface MatrixRole {
  label: string;
  role: Role;
  tenantId: string | null;
  appId: string | null;
  key: string;
}

export type Row = Record<string, unknown>;

/**
 * Whether READ_POLICY lets `who` read `row` of `table`, computed from the rule's name alone
 * (never from the implementation). An app belongs to one tenant: APP rows are the key's tenant's
 * rows of the key's app.
 */
export function mayRead(who: Pick<MatrixRole, 'role' | 'tenantId' | 'appId'>, table: PolicyTable, row: Row): boolean {
  const policy: TablePolicy = READ_POLICY[table];
  const own = who.tenantId !== null && row[policy.tenantColumn ?? 'tenant_id'] === who.tenantId;
  switch (policy.read[who.role]) {
    case 'ALL':
      return true;
    case 'TENANT':
      return own;
    case 'TENANT_OR_STOCK':
      return own || row.status === 'AVAILABLE';
    case 'APP':
      return own && who.appId !== null && row[policy.appColumn ?? 'app_id'] === who.appId;
    case 'NONE':
      return false;
  }
}

const isRelayPlumbing = (t: GraphQLObjectType): boolean => {
  const f = t.getFields();
  return t.name === 'PageInfo' || (t.name.endsWith('Connection') && !!f.edges && !!f.pageInfo) || (t.name.endsWith('Edge') && !!f.node && !!f.cursor);
};

/**
 * The object types of a schema that no access rule covers: not a root type, not Relay plumbing
 * (connection, edge, PageInfo), in no READ_POLICY entry's `types` and not a VALUE_TYPE. A new
 * type must be given a policy before it can ship.
 */
export function uncoveredObjectTypes(schema: GraphQLSchema): string[] {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((t) => t?.name));
  const covered = new Set<string>([...Object.values(READ_POLICY).flatMap((p) => p.types), ...Object.keys(VALUE_TYPES)]);
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((t) => !t.name.startsWith('__') && !roots.has(t.name) && !isRelayPlumbing(t) && !covered.has(t.name))
    .map((t) => t.name);
}

/** The node type of a Relay connection type, or undefined for any other type. */
export function connectionNode(t: GraphQLObjectType): GraphQLObjectType | undefined {
  if (!isRelayPlumbing(t) || !t.getFields().edges) return undefined;
  const edge = getNamedType(t.getFields().edges!.type) as GraphQLObjectType;
  return getNamedType(edge.getFields().node!.type) as GraphQLObjectType;
}

/** Every row of every policy table, as stored: the ground truth the matrix checks the API against. */
export async function rowsByTable(db: Kysely<Database>): Promise<Map<PolicyTable, Row[]>> {
  const tables = Object.keys(READ_POLICY) as PolicyTable[];
  const rows = await Promise.all(tables.map((t) => (db.selectFrom(t) as any).selectAll().execute() as Promise<Row[]>));
  return new Map(tables.map((t, i) => [t, rows[i]!]));
}

/** The stored events in stream order, each with its cursor, once every transaction that writes one has ended (RT1). */
export async function eventsInOrder(db: Kysely<Database>): Promise<(Row & { cursor: string })[]> {
  for (let i = 0; i < 100 && (await hasInvisibleEvents(db, START)); i++) await new Promise((r) => setTimeout(r, 50));
  // a row holding a run (events.table.ts `batch`) is its events, at seq − n + 1 … seq
  const { rows } = await sql<{ txid_text: string; seq: string; type: string; tenant_id: string | null; app_id: string | null; subject_id: string }>`
    select e.txid::text as txid_text, (e.seq - coalesce(jsonb_array_length(e.batch), 1) + x.i)::text as seq, e.type, e.tenant_id, e.app_id, coalesce(x.item->>0, e.subject_id) as subject_id
    from events e cross join lateral jsonb_array_elements(coalesce(e.batch, '[null]'::jsonb)) with ordinality as x(item, i)
    order by e.txid, e.seq, x.i`.execute(db);
  return rows.map((r) => ({ ...r, cursor: encodeCursor({ txid: r.txid_text, seq: String(r.seq) }) }));
}

/**
 * A digest of every table's content, and the number of jobs ever queued (graphile-worker's job
 * ids): equal digests, nothing written and nothing scheduled.
 */
export async function contentDigest(db: Kysely<Database>): Promise<Record<string, string>> {
  const tables = Object.keys(READ_POLICY) as PolicyTable[];
  const sums = await Promise.all(
    tables.map(async (t) => {
      const r = await sql<{ sum: string }>`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as sum from ${sql.table(t)} x`.execute(db);
      return r.rows[0]!.sum;
    }),
  );
  const jobs = await sql<{ last: string | null }>`select pg_sequence_last_value(pg_get_serial_sequence('graphile_worker._private_jobs', 'id')::regclass)::text as last`.execute(db);
  return { ...Object.fromEntries(tables.map((t, i) => [t, sums[i]!])), jobsQueued: jobs.rows[0]!.last ?? '0' };
}

const Q = {
  import: `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created errors { row field message } } }`,
  topUp: `mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "1000") { amount } }`,
  handler: `mutation($n: String!, $e: String!) { saveHandler(name: $n, idNumber: "11010519491231002X", mobile: "13900139000", email: $e) { id } }`,
  submit: `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`,
  approve: `mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`,
  purchase: `mutation($n: ID!, $q: ID!) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY) { order { id } } }`,
  pay: `mutation($o: ID!) { payOrder(orderId: $o) { status } }`,
  unsubscribe: `mutation($ids: [ID!]!) { unsubscribeNumbers(numberIds: $ids) { id } }`,
  batch: `query($id: ID!) { unsubscribeBatch(id: $id) { status } }`,
  apply: `mutation($input: NumberApplicationInput!) { applyForNumbers(input: $input) { id } }`,
  reviewApplication: `mutation($id: ID!) { reviewNumberApplication(id: $id, decision: APPROVE) { status } }`,
  application: `query($id: ID!) { numberApplication(id: $id) { numberStatus } }`,
  materials: `mutation($a: ID!, $h: String!, $docs: [HandlerMaterialUpload!]!) { submitHandlerMaterials(applicationId: $a, handlerName: $h, documents: $docs) { materialsStatus } }`,
  createInstance: `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { id } }`,
  instance: `query($id: ID!) { instance(id: $id) { status agents(first: 1) { edges { node { id } } } } }`,
  agentStatus: `mutation($a: ID!) { setAgentStatus(agentId: $a, status: READY) { status } }`,
};

const DOC_TYPES = ['AUTHORIZATION_LETTER', 'BUSINESS_ACCEPTANCE_FORM', 'SECURITY_SERVICE_AGREEMENT', 'INFORMATION_SECURITY_COMMITMENT'];
const pdf = () => ({ blob: new Blob([Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')], { type: 'application/pdf' }), name: 'letter.pdf' });

/** The numbers a tenant's rows are made of, in national form (imported by the OPERATOR). */
interface TenantNumbers {
  kept: string;
  unsubscribed: string;
  /** A city with one number of stock, which the tenant's application is allocated. */
  applied: { number: string; province: string; city: string };
}

const local = (number: string, province = '上海', city = '上海') => ({ number, type: 'LOCAL', province, city, carrier: 'CHINA_TELECOM' });

export interface IsolationWorld {
  /** The stream's position before anything of the world was written. */
  eventCursor: string;
  A: TenantFixture;
  B: TenantFixture;
  apps: { app1: string; app2: string; app3: string };
  roles: MatrixRole[];
  /** Numbers still in stock, for later purchases (tailRound). */
  spareStock: string[];
}

/**
 * Two tenants with at least one row of every node type each, written through the API as their
 * users would: keys of every role (PARTNERs of app 1 and app 2 in A, of app 3 in B, and one of no
 * app), a handler, qualifications with documents, a number bought and paid, a number unsubscribed
 * (A: refused, unpaid; B: released back to stock), a number application allocated a number, its
 * order and payment email, a 400 application with handler materials, a top-up and a payment in
 * the ledger, a RUNNING call-center instance on the bought number (its admin agent, Default skill
 * group and Welcome flow), the agent's status changed. Stock: one number nobody ever held, and
 * spares for later purchases.
 */
export async function isolationWorld(t: TestApp): Promise<IsolationWorld> {
  const eventCursor = await t.cursor();
  const A = await t.tenant('Acme');
  const B = await t.tenant('Beta');
  const apps = await privacyApps(t, A, B);
  await isolationDeliveries(t, [{ tenantKey: A.keys.admin, appId: apps.app1 }, { tenantKey: B.keys.admin, appId: apps.app3 }]);
  await isolationCalls(t, [{ tag: 'A', adminKey: A.keys.admin, x: '+862155600001' }, { tag: 'B', adminKey: B.keys.admin, x: '+862155600011' }]);
  await isolationSms(t, [{ tag: 'A', adminKey: A.keys.admin, x: '+862155600001', party: '13800000003' }, { tag: 'B', adminKey: B.keys.admin, x: '+862155600011', party: '13900000001' }]);
  const voiceApps = await isolationVoiceMessages(t, [{ tenantId: A.tenantId, adminKey: A.keys.admin }, { tenantId: B.tenantId, adminKey: B.keys.admin }]);
  const [voiceA] = voiceApps;
  await isolationVoiceDeliveries(t, voiceApps.map((v) => v.appId));
  await isolationStatements(t, [A, B]);
  const system = t.app.systemContext();
  const partnerOf = async (tenant: TenantFixture, appId: string, name: string) => {
    const user = await createUser(system, { tenantId: tenant.tenantId, name, email: `${name.replace(/\W/g, '.')}@${tenant.tenantId.slice(0, 8)}.example`, role: 'PARTNER' });
    return (await createApiKey(system, { userId: user.id, appId })).secret;
  };
  const tenantRoles = (tag: string, f: TenantFixture): MatrixRole[] => [
    { label: `${tag} TENANT_ADMIN`, role: 'TENANT_ADMIN', tenantId: f.tenantId, appId: null, key: f.keys.admin },
    { label: `${tag} SUPERVISOR`, role: 'SUPERVISOR', tenantId: f.tenantId, appId: null, key: f.keys.supervisor },
  ];
  const roles: MatrixRole[] = [
    { label: 'OPERATOR', role: 'OPERATOR', tenantId: null, appId: null, key: t.operatorKey },
    ...tenantRoles('A', A),
    { label: 'A PARTNER of app 1', role: 'PARTNER', tenantId: A.tenantId, appId: apps.app1, key: await partnerOf(A, apps.app1, 'Acme app one') },
    { label: 'A PARTNER of app 2', role: 'PARTNER', tenantId: A.tenantId, appId: apps.app2, key: await partnerOf(A, apps.app2, 'Acme app two') },
    { label: 'A PARTNER of no app', role: 'PARTNER', tenantId: A.tenantId, appId: null, key: A.keys.partner },
    { label: 'A PARTNER of a voice app', role: 'PARTNER', tenantId: A.tenantId, appId: voiceA!.appId, key: voiceA!.partnerKey },
    ...tenantRoles('B', B),
    { label: 'B PARTNER of app 3', role: 'PARTNER', tenantId: B.tenantId, appId: apps.app3, key: await partnerOf(B, apps.app3, 'Beta app three') },
  ];

  const spareStock = ['0571-5550 0001', '0571-5550 0002', '0571-5550 0003', '0571-5550 0004'];
  const numbers: Record<'A' | 'B', TenantNumbers> = {
    A: { kept: '021-5550 0001', unsubscribed: '021-5550 0002', applied: { number: '0755-5550 0001', province: '广东', city: '深圳' } },
    B: { kept: '021-5550 0011', unsubscribed: '021-5550 0012', applied: { number: '020-5550 0001', province: '广东', city: '广州' } },
  };
  const imported = ok(
    await t.gql(Q.import, {
      rows: [
        local('010-5550 0001', '北京', '北京'),
        ...spareStock.map((n) => local(n, '浙江', '杭州')),
        ...[numbers.A, numbers.B].flatMap((n) => [local(n.kept), local(n.unsubscribed), local(n.applied.number, n.applied.province, n.applied.city)]),
      ],
    }),
  );
  if (imported.importNumbers.errors.length) throw new Error(`import: ${JSON.stringify(imported.importNumbers.errors)}`);

  const instances = [
    { tenant: A, id: await tenantRows(t, A, numbers.A, { releaseUnsubscribed: false }) },
    { tenant: B, id: await tenantRows(t, B, numbers.B, { releaseUnsubscribed: true }) },
  ];
  await isolationVoiceCore(t, [A, B]);
  await runningInstances(t, instances);
  return { eventCursor, A, B, apps, roles, spareStock };
}

/** The global id of an imported number, by its national form. */
async function numberGid(t: TestApp, national: string): Promise<string> {
  const e164 = `+86${national.replace(/\D/g, '').replace(/^0/, '')}`;
  const row = await t.app.db.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirstOrThrow();
  return gid('Number', row.id);
}

/** Buys a number in stock for the tenant (N2), paid unless told otherwise: its order's global id. */
async function buy(t: TestApp, tenant: TenantFixture, national: string, qualificationId: string, pay: boolean): Promise<string> {
  const n = await numberGid(t, national);
  const order = ok(await t.gql(Q.purchase, { n, q: qualificationId }, tenant.keys.admin)).purchaseNumber.order.id as string;
  if (pay) ok(await t.gql(Q.pay, { o: order }, tenant.keys.admin));
  return order;
}

/** Starts an unsubscribe batch (N7) for one number; `settle` waits for its check to end. */
async function unsubscribe(t: TestApp, tenant: TenantFixture, national: string, settle: boolean): Promise<void> {
  const batch = ok(await t.gql(Q.unsubscribe, { ids: [await numberGid(t, national)] }, tenant.keys.admin)).unsubscribeNumbers.id as string;
  if (settle) await t.afterJobs(async () => ok(await t.gql(Q.batch, { id: batch })).unsubscribeBatch.status, (s) => s !== 'CHECKING', 'unsubscribe');
}

const applicationInput = (qualificationId: string, over: Record<string, unknown>) => ({
  purpose: 'NON_MARKETING',
  scenarios: [{ scenario: 'Customer service', script: 'Hello, how can we help?' }],
  contactName: 'Li Si',
  contactMobile: '13800138000',
  contactEmail: 'li.si@example.com',
  qualificationId,
  ...over,
});

/**
 * The tenants' call-center instances (I1) become RUNNING with their admin agent, Default skill group
 * and membership, and Welcome flow bound to the number (I2); each admin agent then changes status.
 */
async function runningInstances(t: TestApp, instances: { tenant: TenantFixture; id: string }[]): Promise<void> {
  ok(await t.gql(`mutation { advanceClock(seconds: 30) }`));
  for (const { tenant, id } of instances) {
    const i = await t.afterJobs(async () => ok(await t.gql(Q.instance, { id })).instance, (i) => i.status === 'RUNNING', 'instance provisioning');
    ok(await t.gql(Q.agentStatus, { a: i.agents.edges[0].node.id }, tenant.keys.admin));
  }
}

/** The tenant's rows; returns the global id of its call-center instance (CREATING, on its kept number). */
async function tenantRows(t: TestApp, tenant: TenantFixture, n: TenantNumbers, opts: { releaseUnsubscribed: boolean }): Promise<string> {
  const key = tenant.keys.admin;
  const tag = tenant.tenantId.slice(0, 8);
  ok(await t.gql(Q.topUp, { t: gid('Tenant', tenant.tenantId) }));
  const handlerName = `Wang Wu ${tag}`;
  ok(await t.gql(Q.handler, { n: handlerName, e: `wang.wu@${tag}.example` }, key));
  const standard = ok(
    await t.gqlMultipart(
      Q.submit,
      { input: { ...sampleQualificationInput, handlerName, documents: [{ documentType: 'AUTHORIZATION_LETTER', file: null }] } },
      { 'input.documents.0.file': pdf() },
      key,
    ),
  ).submitQualification.id as string;
  const tollFree = ok(await t.gql(Q.submit, { input: { ...minimalQualificationInput, kind: 'TOLL_FREE_400' } }, key)).submitQualification.id as string;
  for (const id of [standard, tollFree]) ok(await t.gql(Q.approve, { id }));

  await buy(t, tenant, n.kept, standard, true);
  const instance = ok(
    await t.gql(Q.createInstance, { input: { name: `Support ${tag}`, accessSlug: `support-${tag}`, description: 'Hotline', numberId: await numberGid(t, n.kept) } }, key),
  ).createInstance.id as string;
  await buy(t, tenant, n.unsubscribed, standard, opts.releaseUnsubscribed);
  await unsubscribe(t, tenant, n.unsubscribed, true);

  const applied = ok(await t.gql(Q.apply, { input: applicationInput(standard, { type: 'LOCAL', province: n.applied.province, city: n.applied.city }) }, key)).applyForNumbers.id;
  ok(await t.gql(Q.reviewApplication, { id: applied }));
  await t.afterJobs(async () => ok(await t.gql(Q.application, { id: applied })).numberApplication.numberStatus, (s) => s === 'DELIVERED', 'allocation');

  const tollFreeApp = ok(
    await t.gql(Q.apply, { input: applicationInput(tollFree, { type: 'TOLL_FREE_400', tier: 'STANDARD', province: '北京', city: '北京' }) }, key),
  ).applyForNumbers.id;
  ok(
    await t.gqlMultipart(
      Q.materials,
      { a: tollFreeApp, h: handlerName, docs: DOC_TYPES.map((documentType) => ({ documentType, file: null })) },
      Object.fromEntries(DOC_TYPES.map((_, i) => [`docs.${i}.file`, pdf()])),
      key,
    ),
  );
  return instance;
}

/**
 * One round of changes by the tenant's admin, each of which is an event of a typed subscription
 * (qualification, number, order, application and unsubscribe batch status changes): rounds of two
 * tenants in turn put each tenant's events after the other's, so a subscriber that has seen its
 * own latest change would have seen the other tenant's by then, had they leaked.
 */
export async function tailRound(t: TestApp, w: IsolationWorld, tenant: TenantFixture): Promise<void> {
  const key = tenant.keys.admin;
  const q = ok(await t.gql(Q.submit, { input: { ...minimalQualificationInput, kind: 'STANDARD' } }, key)).submitQualification.id as string;
  ok(await t.gql(Q.approve, { id: q }));
  const national = w.spareStock.shift()!;
  await buy(t, tenant, national, q, false);
  await unsubscribe(t, tenant, national, false);
  ok(await t.gql(Q.apply, { input: applicationInput(q, { type: 'LOCAL', province: '浙江', city: '宁波' }) }, key));
}

/** An event written as a module would, for the stream tests: TENANT_CREATED of a tenant (or none) and app. */
export async function writeEvent(t: TestApp, e: { tenantId: string | null; appId: string | null; subjectId: string }): Promise<void> {
  await inTransaction(t.app.systemContext(), (tx) => tx.emit({ type: 'TENANT_CREATED', ...e, payload: {} }));
}
