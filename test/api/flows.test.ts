import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeNumber } from '@callplane/schema/testing';
import type { TenantFixture } from '../support/context.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gid, ok } from '../support/graphql.js';
import { appWorld, runningInstanceOn } from '../support/instances.js';
import { countQueries } from '../support/sql-count.js';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;

const FLOW = `id name description isDefault latestVersion publishedVersion publishedAt
  draft { version definition createdAt } published { version definition }
  numbers { id e164 } instance { id name }`;
const CREATE = `mutation($i: ID!, $input: CreateIvrFlowInput!) { createFlow(instanceId: $i, input: $input) { ${FLOW} } }`;
const SAVE = `mutation($f: ID!, $d: JSON!) { saveFlowDefinition(flowId: $f, definition: $d) { ${FLOW} } }`;
const PUBLISH = `mutation($f: ID!, $v: Int) { publishFlow(flowId: $f, version: $v) { ${FLOW} } }`;
const DELETE = `mutation($id: ID!) { deleteFlow(id: $id) }`;
const BIND = `mutation($n: ID!, $f: ID!) { bindNumberToFlow(numberId: $n, flowId: $f) { id e164 type flow { id name } instance { id } } }`;
const UNBIND = `mutation($n: ID!) { unbindNumberFromFlow(numberId: $n) { id flow { id } instance { id } } }`;
const INSTANCE = `query($id: ID!) { node(id: $id) { ... on Instance {
  flows(first: 10) { edges { node { id name isDefault publishedVersion numbers { e164 } } } }
  skillGroups(first: 10) { edges { node { id isDefault } } } } } }`;

const hangUp = (text = 'Goodbye') => ({
  nodes: [
    { id: 'start', type: 'START', next: 'bye' },
    { id: 'bye', type: 'PLAY_PROMPT', text, next: 'end' },
    { id: 'end', type: 'HANG_UP' },
  ],
});

/** A RUNNING instance of the tenant, by global ids: the instance, its own number and its default skill group. */
async function instanceOf(tenant: TenantFixture, opts: { numberType?: 'LOCAL' | 'TOLL_FREE_400' } = {}) {
  const { instance, number } = await runningInstanceOn(t, tenant, opts);
  const id = gid('Instance', instance.id);
  const r = ok(await t.gql(INSTANCE, { id }, tenant.keys.admin));
  const group = r.node.skillGroups.edges.map((e: any) => e.node).find((g: any) => g.isDefault);
  return { id, name: instance.name, numberId: gid('Number', number.id), e164: number.e164, defaultGroupId: group.id as string, flows: r.node.flows.edges.map((e: any) => e.node) };
}

const newNumber = async (tenant: TenantFixture, type: 'LOCAL' | 'TOLL_FREE_400' = 'LOCAL') => {
  const n = await activeNumber(appWorld(t), tenant.tenantId, type);
  return { id: gid('Number', n.id), e164: n.e164 };
};

const errorOf = (r: { errors?: { extensions?: Record<string, unknown>; message: string }[] }) => {
  expect(r.errors, 'expected an error').toBeDefined();
  return r.errors![0]!;
};

beforeAll(async () => {
  t = await startTestApp();
  acme = await t.tenant('Acme');
  beta = await t.tenant('Beta');
});
afterAll(() => t?.stop());

describe('IVR flows over GraphQL', () => {
  it('I3: createFlow saves version 1 as the draft; a TRANSFER names its skill group by the SkillGroup id', async () => {
    const i = await instanceOf(acme);
    expect(i.flows).toEqual([expect.objectContaining({ name: 'Welcome', isDefault: true, publishedVersion: 1, numbers: [{ e164: i.e164 }] })]);
    const definition = {
      nodes: [
        { id: 'start', type: 'START', next: 'menu' },
        { id: 'menu', type: 'MENU', text: 'Press 1 for sales', options: [{ digit: '1', next: 'queue' }], noInputNext: 'end' },
        { id: 'queue', type: 'TRANSFER', skillGroupId: i.defaultGroupId, fallbackNext: 'end' },
        { id: 'end', type: 'HANG_UP' },
      ],
    };
    const flow = ok(await t.gql(CREATE, { i: i.id, input: { name: 'Sales', description: 'Main line', definition } }, acme.keys.admin)).createFlow;
    expect(flow).toMatchObject({ name: 'Sales', description: 'Main line', isDefault: false, latestVersion: 1, publishedVersion: null, published: null, numbers: [], instance: { id: i.id } });
    expect(flow.draft).toMatchObject({ version: 1, definition });
    const row = await t.app.db.selectFrom('ivr_flow_versions').select('definition').where('version', '=', 1).where('flow_id', '=', Buffer.from(flow.id, 'base64').toString().split(':')[1]!).executeTakeFirstOrThrow();
    expect((row.definition as any).nodes[2].skillGroupId).toBe(Buffer.from(i.defaultGroupId, 'base64').toString().split(':')[1]);
    const names = ok(await t.gql(INSTANCE, { id: i.id }, acme.keys.supervisor)).node.flows.edges.map((e: any) => e.node.name);
    expect(names.sort()).toEqual(['Sales', 'Welcome']);
  });

  it('I3: an invalid definition is FLOW_INVALID naming definition, with every problem and its node', async () => {
    const i = await instanceOf(acme);
    const definition = {
      nodes: [
        { id: 'start', type: 'START', next: 'greet' },
        { id: 'greet', type: 'PLAY_PROMPT', text: 'Hello', next: 'missing' },
        { id: 'fax', type: 'SEND_FAX' },
      ],
    };
    const e = errorOf(await t.gql(CREATE, { i: i.id, input: { name: 'Broken', definition } }, acme.keys.admin));
    expect(e.extensions).toMatchObject({ code: 'FLOW_INVALID', field: 'definition' });
    expect(e.extensions!.problems).toEqual([
      { nodeId: 'greet', message: "next names 'missing', which is no node of this flow" },
      { nodeId: 'fax', message: "unknown node type 'SEND_FAX' (known: START, PLAY_PROMPT, MENU, TRANSFER, VOICEMAIL, HANG_UP)" },
      { nodeId: 'fax', message: 'not reachable from START: no path of the flow leads here' },
    ]);
    const cyclesOnly = { nodes: [{ id: 'a', type: 'PLAY_PROMPT', text: 'A', next: 'b' }, { id: 'b', type: 'PLAY_PROMPT', text: 'B', next: 'a' }] };
    const c = errorOf(await t.gql(CREATE, { i: i.id, input: { name: 'Loop', definition: cyclesOnly } }, acme.keys.admin));
    expect(c.extensions).toMatchObject({ code: 'FLOW_INVALID', field: 'definition', problems: [{ nodeId: null, message: expect.stringMatching(/no START node/) }] });
    const other = await instanceOf(acme);
    const transfer = { nodes: [{ id: 'start', type: 'START', next: 'q' }, { id: 'q', type: 'TRANSFER', skillGroupId: other.defaultGroupId }] };
    const x = errorOf(await t.gql(CREATE, { i: i.id, input: { name: 'Elsewhere', definition: transfer } }, acme.keys.admin));
    expect(x.extensions!.problems).toEqual([{ nodeId: 'q', message: 'skillGroupId names no skill group of this instance' }]);
  });

  it('I3: saving adds versions, publishing picks one, versions page newest first', async () => {
    const i = await instanceOf(acme);
    const created = ok(await t.gql(CREATE, { i: i.id, input: { name: 'Versions', definition: hangUp('v1') } }, acme.keys.admin)).createFlow;
    ok(await t.gql(SAVE, { f: created.id, d: hangUp('v2') }, acme.keys.admin));
    const saved = ok(await t.gql(SAVE, { f: created.id, d: hangUp('v3') }, acme.keys.admin)).saveFlowDefinition;
    expect(saved).toMatchObject({ latestVersion: 3, publishedVersion: null, draft: { version: 3, definition: hangUp('v3') } });
    const published = ok(await t.gql(PUBLISH, { f: created.id }, acme.keys.admin)).publishFlow;
    expect(published).toMatchObject({ publishedVersion: 3, published: { version: 3 } });
    expect(published.publishedAt).toBeTruthy();
    const back = ok(await t.gql(PUBLISH, { f: created.id, v: 1 }, acme.keys.admin)).publishFlow;
    expect(back).toMatchObject({ latestVersion: 3, publishedVersion: 1, published: { version: 1, definition: hangUp('v1') }, draft: { version: 3 } });
    expect(errorOf(await t.gql(PUBLISH, { f: created.id, v: 9 }, acme.keys.admin)).extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'version' });

    const VERSIONS = `query($id: ID!, $after: String) { node(id: $id) { ... on IvrFlow { versions(first: 2, after: $after) {
      edges { cursor node { version } } pageInfo { hasNextPage endCursor } } } } }`;
    const page1 = ok(await t.gql(VERSIONS, { id: created.id }, acme.keys.admin)).node.versions;
    expect(page1.edges.map((e: any) => e.node.version)).toEqual([3, 2]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await t.gql(VERSIONS, { id: created.id, after: page1.pageInfo.endCursor }, acme.keys.admin)).node.versions;
    expect(page2.edges.map((e: any) => e.node.version)).toEqual([1]);
    expect(errorOf(await t.gql(VERSIONS, { id: created.id, after: 'nonsense' }, acme.keys.admin)).extensions).toMatchObject({ code: 'INVALID_CURSOR', field: 'after' });
  });

  it('I3: numbers bind to one flow each, move on rebinding, and unbind; Number.flow and IvrFlow.numbers agree', async () => {
    const i = await instanceOf(acme);
    const a = ok(await t.gql(CREATE, { i: i.id, input: { name: 'A', definition: hangUp() } }, acme.keys.admin)).createFlow;
    const b = ok(await t.gql(CREATE, { i: i.id, input: { name: 'B', definition: hangUp() } }, acme.keys.admin)).createFlow;
    const [n1, n2] = [await newNumber(acme), await newNumber(acme)];
    expect(ok(await t.gql(BIND, { n: n1.id, f: a.id }, acme.keys.admin)).bindNumberToFlow).toMatchObject({ flow: { id: a.id, name: 'A' }, instance: { id: i.id } });
    ok(await t.gql(BIND, { n: n2.id, f: a.id }, acme.keys.admin));
    const FLOW_NUMBERS = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on IvrFlow { name numbers { e164 flow { name } } } } }`;
    const both = ok(await t.gql(FLOW_NUMBERS, { ids: [a.id, b.id] }, acme.keys.supervisor)).nodes;
    expect(both).toEqual([
      { name: 'A', numbers: [{ e164: n1.e164, flow: { name: 'A' } }, { e164: n2.e164, flow: { name: 'A' } }] },
      { name: 'B', numbers: [] },
    ]);
    ok(await t.gql(BIND, { n: n2.id, f: b.id }, acme.keys.admin));
    expect(ok(await t.gql(FLOW_NUMBERS, { ids: [a.id, b.id] }, acme.keys.admin)).nodes.map((f: any) => f.numbers.map((n: any) => n.e164))).toEqual([[n1.e164], [n2.e164]]);
    expect(ok(await t.gql(UNBIND, { n: n1.id }, acme.keys.admin)).unbindNumberFromFlow).toEqual({ id: n1.id, flow: null, instance: null });

    // the instance's own number cannot go to another instance's flow
    const other = await instanceOf(acme);
    const e = errorOf(await t.gql(BIND, { n: i.numberId, f: other.flows[0].id }, acme.keys.admin));
    expect(e.extensions).toMatchObject({ code: 'NUMBER_IN_USE', field: 'numberId' });
    // deleting B unbinds n2; the Welcome flow cannot be deleted
    expect(ok(await t.gql(DELETE, { id: b.id }, acme.keys.admin)).deleteFlow).toBe(b.id);
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on Number { flow { id } } } }`, { id: n2.id }, acme.keys.admin)).node.flow).toBeNull();
    expect(errorOf(await t.gql(DELETE, { id: i.flows[0].id }, acme.keys.admin)).extensions).toMatchObject({ code: 'DEFAULT_FLOW', field: 'id' });
  });

  it('I3: flows of an instance with their versions, numbers and each number’s flow load in one query each, not one per flow', async () => {
    const i = await instanceOf(acme);
    for (let k = 0; k < 4; k++) {
      const f = ok(await t.gql(CREATE, { i: i.id, input: { name: `Line ${k}`, definition: hangUp() } }, acme.keys.admin)).createFlow;
      ok(await t.gql(PUBLISH, { f: f.id }, acme.keys.admin));
      ok(await t.gql(BIND, { n: (await newNumber(acme)).id, f: f.id }, acme.keys.admin));
    }
    const Q = `query($id: ID!) { node(id: $id) { ... on Instance { flows(first: 10) { edges { node {
      name draft { version } published { version } numbers { e164 flow { name } } } } } } } }`;
    let data: any;
    const reads = { versions: 0, bindings: 0 };
    reads.versions = await countQueries(/from "ivr_flow_versions"/, async () => {
      reads.bindings = await countQueries(/from "flow_numbers"/, async () => (data = ok(await t.gql(Q, { id: i.id }, acme.keys.admin))));
    });
    const flows = data.node.flows.edges.map((e: any) => e.node);
    expect(flows).toHaveLength(5);
    for (const f of flows) expect(f.numbers.map((n: any) => n.flow.name)).toEqual([f.name]);
    expect(flows.filter((f: any) => f.published?.version === 1)).toHaveLength(5);
    // draft and published: one read of versions; numbers of all flows, then the flow of all those numbers
    expect(reads).toEqual({ versions: 1, bindings: 2 });
  });

  it('I6: a 400 number binds to a flow like any other; an instance made with one has it on Welcome', async () => {
    const i = await instanceOf(acme, { numberType: 'TOLL_FREE_400' });
    expect(i.flows[0]).toMatchObject({ name: 'Welcome', numbers: [{ e164: i.e164 }] });
    const n = await newNumber(acme, 'TOLL_FREE_400');
    const bound = ok(await t.gql(BIND, { n: n.id, f: i.flows[0].id }, acme.keys.admin)).bindNumberToFlow;
    expect(bound).toMatchObject({ type: 'TOLL_FREE_400', flow: { name: 'Welcome' }, instance: { id: i.id } });
  });

  it("I3: another tenant's flows, instances and numbers are NOT_FOUND; a SUPERVISOR only reads", async () => {
    const i = await instanceOf(acme);
    const flow = i.flows[0];
    const betaInstance = await instanceOf(beta);
    const betaNumber = await newNumber(beta);
    const code = async (q: string, v: Record<string, unknown>, key: string) => errorOf(await t.gql(q, v, key)).extensions;
    expect(await code(CREATE, { i: i.id, input: { name: 'X', definition: hangUp() } }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'instanceId' });
    expect(await code(SAVE, { f: flow.id, d: hangUp() }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'flowId' });
    expect(await code(PUBLISH, { f: flow.id }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'flowId' });
    expect(await code(DELETE, { id: flow.id }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(await code(BIND, { n: betaNumber.id, f: flow.id }, acme.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'numberId' });
    expect(await code(BIND, { n: i.numberId, f: betaInstance.flows[0].id }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'numberId' });
    expect(await code(UNBIND, { n: i.numberId }, beta.keys.admin)).toMatchObject({ code: 'NOT_FOUND', field: 'numberId' });
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: flow.id }, beta.keys.admin)).node).toBeNull();
    expect(await code(SAVE, { f: flow.id, d: hangUp() }, acme.keys.supervisor)).toMatchObject({ code: 'FORBIDDEN' });
    expect(ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on IvrFlow { name } } }`, { id: flow.id }, acme.keys.supervisor)).node).toEqual({ name: 'Welcome' });
  });

  it('I3: bad input gets typed errors naming the field, never a 500', async () => {
    const i = await instanceOf(acme);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'x'.repeat(10_000), definition: hangUp() }, 'INVALID_INPUT', 'input.name'],
      [{ name: 'Text', definition: 'not a graph' }, 'FLOW_INVALID', 'definition'],
      [{ name: 'Null', definition: null }, 'INVALID_INPUT', 'input'],
      [{ name: 'Huge', definition: hangUp('y'.repeat(5000)) }, 'FLOW_INVALID', 'definition'],
      [{ name: 'Many', definition: { nodes: Array.from({ length: 500 }, (_, k) => ({ id: `n${k}`, type: 'HANG_UP' })) } }, 'FLOW_INVALID', 'definition'],
    ];
    for (const [input, c, field] of cases) {
      const e = errorOf(await t.gql(CREATE, { i: i.id, input }, acme.keys.admin));
      expect(e.extensions?.code, e.message).toBe(c);
      if (c !== 'INVALID_INPUT' || field !== 'input') expect(e.extensions?.field).toBe(field);
    }
    const nul = errorOf(await t.gql(CREATE, { i: i.id, input: { name: 'Nul', definition: hangUp('a\u0000b') } }, acme.keys.admin));
    expect(nul.extensions?.code).toBe('INVALID_INPUT');
    expect(errorOf(await t.gql(SAVE, { f: i.id, d: hangUp() }, acme.keys.admin)).extensions?.code).toBe('INVALID_ID');
  });
});
