import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@callplane/schema';
import { activeNumber, minimalQualificationInput } from '@callplane/schema/testing';
import { appWithAcmeAndBeta, collect, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { createTestDatabase } from '../support/db.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
beforeAll(async () => void ({ t, acme, beta } = await appWithAcmeAndBeta()));
afterAll(() => t?.stop());

const FIELDS = `id name accessSlug description status failureReason analysisEnabled number { id e164 instance { id } } numbers { id }`;
const Q = {
  create: `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { ${FIELDS} } }`,
  update: `mutation($id: ID!, $input: UpdateInstanceInput!) { updateInstance(id: $id, input: $input) { ${FIELDS} } }`,
  remove: `mutation($id: ID!, $c: String!) { deleteInstance(id: $id, confirmName: $c) }`,
  analysis: `mutation($id: ID!, $on: Boolean!) { setInstanceAnalysis(id: $id, enabled: $on) { analysisEnabled } }`,
  one: `query($id: ID!) { instance(id: $id) { ${FIELDS}
    agents(first: 10) { edges { node { agentNumber role user { id } } } }
    skillGroups(first: 10) { edges { node { name isDefault mediaType } } }
    flows(first: 10) { edges { node { name isDefault publishedVersion numbers { id } } } } } }`,
  list: `query($s: InstanceStatus) { instances(first: 100, status: $s) { edges { node { id status } } } }`,
  number: `query($id: ID!) { node(id: $id) { ... on Number { status instance { id } flow { id } tenant { id } } } }`,
  advance: (s: number) => `mutation { advanceClock(seconds: ${s}) }`,
};

const err = (r: GqlResult) => r.errors?.[0]?.extensions;
let n = 0;

/** An ACTIVE number of the tenant (as a paid purchase leaves it): its global id. */
async function numberOf(tenant: TenantFixture, app: TestApp = t): Promise<string> {
  return gid('Number', (await activeNumber({ db: app.app.db, clock: app.clock }, tenant.tenantId)).id);
}

async function createInput(tenant: TenantFixture, over: Record<string, unknown> = {}, app: TestApp = t) {
  const tag = `${process.pid % 1000}-${++n}`;
  return { name: `Support ${tag}`, accessSlug: `api-${tag}`, description: 'Hotline', numberId: await numberOf(tenant, app), ...over };
}

async function create(tenant: TenantFixture, over: Record<string, unknown> = {}) {
  return ok(await t.gql(Q.create, { input: await createInput(tenant, over) }, tenant.keys.admin)).createInstance;
}

/** A RUNNING instance: created, then the clock moved past its provisioning time. */
async function running(tenant: TenantFixture) {
  const i = await create(tenant);
  ok(await t.gql(Q.advance(30)));
  const r = ok(await t.gql(Q.one, { id: i.id }, tenant.keys.admin)).instance;
  expect(r.status).toBe('RUNNING');
  return r;
}

describe('I1 over GraphQL', () => {
  it('I1: CREATING, then RUNNING once advanceClock passes the provisioning delay; I2 defaults are readable', async () => {
    const i = await create(acme);
    expect(i).toMatchObject({ status: 'CREATING', failureReason: null, analysisEnabled: false, numbers: [], number: { instance: null } });
    ok(await t.gql(Q.advance(29)));
    expect(ok(await t.gql(Q.one, { id: i.id }, acme.keys.admin)).instance.status).toBe('CREATING');
    ok(await t.gql(Q.advance(1)));
    const r = ok(await t.gql(Q.one, { id: i.id }, acme.keys.admin)).instance;
    expect(r.status).toBe('RUNNING');
    expect(r.numbers).toEqual([{ id: i.number.id }]);
    expect(r.number.instance).toEqual({ id: i.id });
    expect(r.agents.edges.map((e: any) => e.node)).toEqual([{ agentNumber: '1000', role: 'ADMIN', user: { id: gid('User', acme.admin.userId!) } }]);
    expect(r.skillGroups.edges.map((e: any) => e.node)).toEqual([{ name: 'Default', isDefault: true, mediaType: 'VOICE' }]);
    expect(r.flows.edges.map((e: any) => e.node)).toEqual([{ name: 'Welcome', isDefault: true, publishedVersion: 1, numbers: [{ id: i.number.id }] }]);
  });

  it('I1: a slug with spaces or capitals, or a 10 KB name, is a typed error naming the field', async () => {
    for (const [over, field, message] of [
      [{ accessSlug: 'my support' }, 'input.accessSlug', /spaces/],
      [{ accessSlug: 'MySupport' }, 'input.accessSlug', /capitals/],
      [{ name: 'x'.repeat(10_240) }, 'input.name', /at most 100/],
    ] as const) {
      const r = await t.gql(Q.create, { input: await createInput(acme, over) }, acme.keys.admin);
      expect(err(r), JSON.stringify(over).slice(0, 40)).toMatchObject({ code: 'INVALID_INPUT', field });
      expect(r.errors![0]!.message).toMatch(message);
    }
  });

  it('I1: two creates racing for one number: one succeeds, the other is NUMBER_IN_USE naming input.numberId', async () => {
    const numberId = await numberOf(acme);
    const inputs = await Promise.all([createInput(acme, { numberId }), createInput(acme, { numberId })]);
    const results = await Promise.all(inputs.map((input) => t.gql(Q.create, { input }, acme.keys.admin)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(err(results.find((r) => r.errors)!)).toMatchObject({ code: 'NUMBER_IN_USE', field: 'input.numberId' });
  });

  it('I1: name, slug and number are immutable (IMMUTABLE_FIELD naming each); the description changes', async () => {
    const i = await create(acme);
    for (const [key, value] of [['name', 'Other'], ['accessSlug', 'other-slug'], ['numberId', i.number.id]] as const) {
      const r = await t.gql(Q.update, { id: i.id, input: { description: 'x', [key]: value } }, acme.keys.admin);
      expect(err(r)).toMatchObject({ code: 'IMMUTABLE_FIELD', field: `input.${key}` });
    }
    const updated = ok(await t.gql(Q.update, { id: i.id, input: { description: 'Weekends' } }, acme.keys.admin)).updateInstance;
    expect(updated).toMatchObject({ name: i.name, accessSlug: i.accessSlug, description: 'Weekends', number: { id: i.number.id } });
    expect(err(await t.gql(Q.update, { id: i.id, input: { description: 'y' } }, acme.keys.supervisor))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('I1: a restart during CREATING still finishes it: a new server on the same database, the clock moved → RUNNING', async () => {
    const db = await createTestDatabase();
    const first = await startTestApp({ databaseUrl: db.url });
    let second: TestApp | null = null;
    try {
      const tenant = await first.tenant('Restart');
      const input = await createInput(tenant, {}, first);
      const i = ok(await first.gql(Q.create, { input }, tenant.keys.admin)).createInstance;
      await first.stop();
      second = await startTestApp({ databaseUrl: db.url, clock: new ManualClock(first.clock.now()) });
      expect(ok(await second.gql(Q.one, { id: i.id }, tenant.keys.admin)).instance.status).toBe('CREATING');
      ok(await second.gql(Q.advance(30)));
      expect(ok(await second.gql(Q.one, { id: i.id }, tenant.keys.admin)).instance.status).toBe('RUNNING');
    } finally {
      await second?.stop();
      await db.drop();
    }
  });
});

describe('I4, I5 over GraphQL', () => {
  it('I4: delete refused without the exact name; then the numbers are the tenant’s, unbound, ACTIVE; agents, groups and flows are gone', async () => {
    const i = await running(acme);
    const wrong = await t.gql(Q.remove, { id: i.id, c: i.name.toUpperCase() }, acme.keys.admin);
    expect(err(wrong)).toMatchObject({ code: 'CONFIRMATION_MISMATCH', field: 'confirmName' });
    expect(ok(await t.gql(Q.one, { id: i.id }, acme.keys.admin)).instance.status).toBe('RUNNING');
    expect(ok(await t.gql(Q.remove, { id: i.id, c: i.name }, acme.keys.admin)).deleteInstance).toBe(i.id);
    expect(ok(await t.gql(Q.one, { id: i.id }, acme.keys.admin)).instance).toBeNull();
    const number = ok(await t.gql(Q.number, { id: i.number.id }, acme.keys.admin)).node;
    expect(number).toEqual({ status: 'ACTIVE', instance: null, flow: null, tenant: { id: gid('Tenant', acme.tenantId) } });
    const left = await Promise.all(
      (['agents', 'skill_groups', 'ivr_flows'] as const).map((table) => t.app.db.selectFrom(table).select('id').where('instance_id', '=', fromGlobal(i.id)).execute()),
    );
    expect(left).toEqual([[], [], []]);
  });

  it('I5: the analysis add-on switches on and off', async () => {
    const i = await create(acme);
    expect(ok(await t.gql(Q.analysis, { id: i.id, on: true }, acme.keys.admin)).setInstanceAnalysis.analysisEnabled).toBe(true);
    expect(ok(await t.gql(Q.analysis, { id: i.id, on: false }, acme.keys.admin)).setInstanceAnalysis.analysisEnabled).toBe(false);
  });
});

describe('hooks: purchases, applications and unsubscribing name instances', () => {
  const PURCHASE = `mutation($n: ID!, $q: ID!, $i: ID) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY, instanceId: $i) { number { instance { id } } } }`;

  it("I1/N2: a purchase for another tenant's instance is NOT_FOUND, for a CREATING one INVALID_STATUS, another type's id INVALID_ID, all naming instanceId", async () => {
    ok(await t.gql(`mutation { importNumbers(rows: [{ number: "0571-5551 0001", type: "LOCAL", province: "浙江", city: "杭州", carrier: "CHINA_TELECOM" }]) { created errors { message } } }`));
    const stock = await t.app.db.selectFrom('numbers').select('id').where('e164', '=', '+8657155510001').executeTakeFirstOrThrow();
    const submit = `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`;
    const q = ok(await t.gql(submit, { input: { ...minimalQualificationInput, kind: 'STANDARD' } }, acme.keys.admin)).submitQualification.id;
    ok(await t.gql(`mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`, { id: q }));
    const betas = await running(beta);
    const creating = await create(acme);
    const vars = { n: gid('Number', stock.id), q };
    expect(err(await t.gql(PURCHASE, { ...vars, i: betas.id }, acme.keys.admin))).toMatchObject({ code: 'NOT_FOUND', field: 'instanceId' });
    expect(err(await t.gql(PURCHASE, { ...vars, i: creating.id }, acme.keys.admin))).toMatchObject({ code: 'INVALID_STATUS', field: 'instanceId' });
    expect(err(await t.gql(PURCHASE, { ...vars, i: gid('Tenant', acme.tenantId) }, acme.keys.admin))).toMatchObject({ code: 'INVALID_ID', field: 'instanceId' });
    ok(await t.gql(Q.advance(30)));
    expect(ok(await t.gql(PURCHASE, { ...vars, i: creating.id }, acme.keys.admin)).purchaseNumber.number.instance).toEqual({ id: creating.id });
  });

  it("I1/N7: unsubscribing an instance's number fails its check with the reason naming the instance", async () => {
    const i = await running(acme);
    const batch = ok(await t.gql(`mutation($ids: [ID!]!) { unsubscribeNumbers(numberIds: $ids) { id } }`, { ids: [i.number.id] }, acme.keys.admin)).unsubscribeNumbers.id;
    const done = await t.afterJobs(
      async () => ok(await t.gql(`query($id: ID!) { unsubscribeBatch(id: $id) { status items { result reasonCode reason } } }`, { id: batch }, acme.keys.admin)).unsubscribeBatch,
      (b) => b.status !== 'CHECKING',
      'unsubscribe',
    );
    expect(done.status).toBe('CHECK_FAILED');
    expect(done.items).toEqual([{ result: 'FAILED', reasonCode: 'INSTANCE_PRIMARY_NUMBER', reason: expect.stringContaining(`instance '${i.name}'`) }]);
  });
});

describe('tenant isolation of instances', () => {
  it("I1: another tenant's instance id is NOT_FOUND for changes and null for reads; lists hold only the tenant's", async () => {
    const i = await create(acme);
    expect(ok(await t.gql(Q.one, { id: i.id }, beta.keys.admin)).instance).toBeNull();
    expect(err(await t.gql(Q.update, { id: i.id, input: { description: 'x' } }, beta.keys.admin))).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(err(await t.gql(Q.remove, { id: i.id, c: i.name }, beta.keys.admin))).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(err(await t.gql(Q.analysis, { id: i.id, on: true }, beta.keys.admin))).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const ids = ok(await t.gql(Q.list, {}, beta.keys.admin)).instances.edges.map((e: any) => e.node.id);
    expect(ids).not.toContain(i.id);
    expect(ok(await t.gql(Q.list, {}, acme.keys.supervisor)).instances.edges.map((e: any) => e.node.id)).toContain(i.id);
  });

  it("I1: instanceStatusChanged carries the tenant's own changes, never another tenant's", async () => {
    const SUB = `subscription($after: String) { instanceStatusChanged(after: $after) { cursor status previousStatus instance { id name } } }`;
    const after = await t.cursor();
    const sub = collect<{ instanceStatusChanged: { status: string; instance: { id: string } | null } }>(t.wsClient(beta.keys.supervisor), SUB, { after });
    const acmes = await create(acme);
    ok(await t.gql(Q.advance(30)));
    // beta's instance comes after acme's changes: had acme's been delivered, they would be seen first
    const betas = await create(beta);
    ok(await t.gql(Q.advance(30)));
    await sub.waitFor(() => sub.items.some((x) => x.instanceStatusChanged.instance?.id === betas.id && x.instanceStatusChanged.status === 'RUNNING'));
    const seen = sub.items.map((x) => [x.instanceStatusChanged.instance?.id, x.instanceStatusChanged.status]);
    expect(seen.filter(([id]) => id === betas.id)).toEqual([
      [betas.id, 'CREATING'],
      [betas.id, 'RUNNING'],
    ]);
    expect(seen.flat()).not.toContain(acmes.id);
    // `after` is a safe cursor (it may lie before changes that committed just ahead of it): whatever came is beta's own
    const owners = await t.app.db.selectFrom('instances').select('tenant_id').where('id', 'in', [...new Set(seen.flatMap(([id]) => (id ? [fromGlobal(id)] : [])))]).execute();
    expect(new Set(owners.map((o) => o.tenant_id))).toEqual(new Set([beta.tenantId]));
    expect(sub.errors).toEqual([]);
  });
});
