import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithAcmeAndBeta, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { runningInstanceOn } from '../support/instances.js';
import { countQueries } from '../support/sql-count.js';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
beforeAll(async () => void ({ t, acme, beta } = await appWithAcmeAndBeta()));
afterAll(() => t?.stop());

/** A RUNNING instance of the tenant (with its admin agent and Default group, I2); its global id. */
async function instanceOf(tenant: TenantFixture): Promise<string> {
  return gid('Instance', (await runningInstanceOn(t, tenant)).instance.id);
}

const CREATE_AGENT = `mutation($i: ID!, $input: CreateAgentInput!) { createAgent(instanceId: $i, input: $input) { id name agentNumber role status user { id } } }`;
const CREATE_GROUP = `mutation($i: ID!, $input: CreateSkillGroupInput!) { createSkillGroup(instanceId: $i, input: $input) { id name mediaType isDefault } }`;
const SET_SKILL = `mutation($a: ID!, $g: ID!, $l: Int!) { setAgentSkill(agentId: $a, skillGroupId: $g, level: $l) { level agent { id } skillGroup { id } } }`;
const SET_STATUS = `mutation($a: ID!, $s: AgentStatus!, $r: String) { setAgentStatus(agentId: $a, status: $s, reason: $r) { id status statusReason secondsInStatus } }`;

let serial = 0;
const agent = async (instanceId: string, over: Record<string, unknown> = {}, key = acme.keys.admin) =>
  ok(await t.gql(CREATE_AGENT, { i: instanceId, input: { name: `Agent ${++serial}`, email: `agent${serial}@acme.example`, agentNumber: `8${serial}`, ...over } }, key)).createAgent;
const group = async (instanceId: string, name: string, key = acme.keys.admin) =>
  ok(await t.gql(CREATE_GROUP, { i: instanceId, input: { name, mediaType: 'VOICE' } }, key)).createSkillGroup;
const errorOf = (r: { errors?: { extensions?: { code?: string; field?: string | null } }[] }) => [r.errors?.[0]?.extensions?.code, r.errors?.[0]?.extensions?.field];

describe('agents, skill groups and memberships over GraphQL (I3)', () => {
  it('I3: memberships from both sides: Agent.skills and SkillGroup.members list the same levels, strongest first, page by page', async () => {
    const i = await instanceOf(acme);
    const [a1, a2] = [await agent(i), await agent(i)];
    const [sales, support] = [await group(i, 'Sales'), await group(i, 'Support')];
    ok(await t.gql(SET_SKILL, { a: a1.id, g: sales.id, l: 5 }, acme.keys.admin));
    ok(await t.gql(SET_SKILL, { a: a1.id, g: support.id, l: 2 }, acme.keys.admin));
    const set = ok(await t.gql(SET_SKILL, { a: a2.id, g: sales.id, l: 1 }, acme.keys.admin)).setAgentSkill;
    expect(set).toEqual({ level: 1, agent: { id: a2.id }, skillGroup: { id: sales.id } });

    const read = ok(
      await t.gql(
        `query($a: ID!, $g: ID!) {
          a: node(id: $a) { ... on Agent { skills(first: 10) { edges { node { level skillGroup { name } } } } } }
          g: node(id: $g) { ... on SkillGroup { members(first: 10) { edges { node { level agent { id } } } } } } }`,
        { a: a1.id, g: sales.id },
        acme.keys.supervisor,
      ),
    );
    expect(read.a.skills.edges.map((e: any) => [e.node.skillGroup.name, e.node.level])).toEqual([['Support', 2], ['Sales', 5]]);
    expect(read.g.members.edges.map((e: any) => [e.node.agent.id, e.node.level])).toEqual([[a2.id, 1], [a1.id, 5]]);

    const PAGE = `query($g: ID!, $after: String) { node(id: $g) { ... on SkillGroup { members(first: 1, after: $after) {
      edges { cursor node { agent { id } } } pageInfo { hasNextPage endCursor } } } } }`;
    const p1 = ok(await t.gql(PAGE, { g: sales.id }, acme.keys.admin)).node.members;
    expect([p1.edges.map((e: any) => e.node.agent.id), p1.pageInfo.hasNextPage]).toEqual([[a2.id], true]);
    const p2 = ok(await t.gql(PAGE, { g: sales.id, after: p1.pageInfo.endCursor }, acme.keys.admin)).node.members;
    expect([p2.edges.map((e: any) => e.node.agent.id), p2.pageInfo.hasNextPage]).toEqual([[a1.id], false]);
    expect(errorOf(await t.gql(PAGE, { g: sales.id, after: 'bm90LWEtY3Vyc29y' }, acme.keys.admin))).toEqual(['INVALID_CURSOR', 'after']);

    ok(await t.gql(`mutation($a: ID!, $g: ID!) { removeAgentSkill(agentId: $a, skillGroupId: $g) }`, { a: a1.id, g: sales.id }, acme.keys.admin));
    const after = ok(await t.gql(`query($a: ID!) { node(id: $a) { ... on Agent { skills { edges { node { skillGroup { name } } } } } } }`, { a: a1.id }, acme.keys.admin));
    expect(after.node.skills.edges.map((e: any) => e.node.skillGroup.name)).toEqual(['Support']);
  });

  it('I3: a page of agents loads all their skills in one query, their groups in one more, and the metrics of an instance and all its groups in one (no N+1)', async () => {
    const i = await instanceOf(acme);
    const groups = [await group(i, 'G1'), await group(i, 'G2'), await group(i, 'G3')];
    for (let n = 0; n < 5; n++) {
      const a = await agent(i);
      for (const [k, g] of groups.entries()) ok(await t.gql(SET_SKILL, { a: a.id, g: g.id, l: k + 1 }, acme.keys.admin));
    }
    let data: any;
    const memberships = await countQueries(/"agent_skills"/, async () => {
      data = ok(
        await t.gql(
          `query($i: ID!) { node(id: $i) { ... on Instance { agents(first: 20) { edges { node { agentNumber skills(first: 5) { edges { node { level skillGroup { name } } } } } } } } } }`,
          { i },
          acme.keys.supervisor,
        ),
      );
    });
    const agents = data.node.agents.edges;
    expect(agents).toHaveLength(6); // the admin agent (in Default) and five
    expect(agents.filter((e: any) => e.node.skills.edges.length === 3)).toHaveLength(5);
    expect(memberships).toBe(1);
    const groupReads = await countQueries(/from "skill_groups"/, () =>
      t.gql(`query($i: ID!) { node(id: $i) { ... on Instance { agents(first: 20) { edges { node { skills { edges { node { skillGroup { name } } } } } } } } } }`, { i }, acme.keys.admin),
    );
    expect(groupReads).toBe(1);

    let metrics: any;
    const metricReads = await countQueries(/agents_on_contact/, async () => {
      metrics = ok(
        await t.gql(
          `query($i: ID!) { node(id: $i) { ... on Instance {
            metrics { agentsOnline skillGroups { skillGroup { name } agentsOnline } }
            skillGroups(first: 10) { edges { node { name metrics { agentsOnline agentsAvailable } } } } } } }`,
          { i },
          acme.keys.supervisor,
        ),
      );
    });
    expect(metricReads).toBe(1);
    expect(metrics.node.metrics.skillGroups.map((g: any) => g.skillGroup.name)).toEqual(['Default', 'G1', 'G2', 'G3']);
    expect(metrics.node.skillGroups.edges).toHaveLength(4);
  });

  it('I3: mistakes are typed errors naming the field: a level of 0 or 11, a 10 KB name, BREAK without a reason, a taken agent number', async () => {
    const i = await instanceOf(acme);
    const a = await agent(i, { agentNumber: '9001' });
    const g = await group(i, 'Levels');
    for (const l of [0, 11]) expect(errorOf(await t.gql(SET_SKILL, { a: a.id, g: g.id, l }, acme.keys.admin))).toEqual(['INVALID_INPUT', 'level']);
    const long = await t.gql(CREATE_AGENT, { i, input: { name: 'x'.repeat(10_240), email: 'x@acme.example', agentNumber: '9002' } }, acme.keys.admin);
    expect(errorOf(long)).toEqual(['INVALID_INPUT', 'input.name']);
    expect(errorOf(await t.gql(SET_STATUS, { a: a.id, s: 'BREAK' }, acme.keys.admin))).toEqual(['INVALID_INPUT', 'reason']);
    const taken = await t.gql(CREATE_AGENT, { i, input: { name: 'Twin', email: 'twin@acme.example', agentNumber: '9001' } }, acme.keys.admin);
    expect(errorOf(taken)).toEqual(['ALREADY_EXISTS', 'input.agentNumber']);
    const onBreak = ok(await t.gql(SET_STATUS, { a: a.id, s: 'BREAK', r: 'meeting' }, acme.keys.admin)).setAgentStatus;
    expect([onBreak.status, onBreak.statusReason, onBreak.secondsInStatus]).toEqual(['BREAK', 'meeting', 0]);
    const defaultGroup = ok(await t.gql(`query($i: ID!) { node(id: $i) { ... on Instance { skillGroups { edges { node { id isDefault } } } } } }`, { i }, acme.keys.admin))
      .node.skillGroups.edges.map((e: any) => e.node)
      .find((n: any) => n.isDefault);
    expect(errorOf(await t.gql(`mutation($id: ID!) { deleteSkillGroup(id: $id) }`, { id: defaultGroup.id }, acme.keys.admin))).toEqual(['DEFAULT_SKILL_GROUP', 'id']);
  });

  it('I3: status by the linked user: its SUPERVISOR or PARTNER key sets it; an unlinked SUPERVISOR is FORBIDDEN; time in status follows the clock', async () => {
    const i = await instanceOf(acme);
    const supervised = await agent(i, { userId: gid('User', acme.supervisor.userId!) });
    const partnered = await agent(i, { userId: gid('User', acme.partner.userId!) });
    const plain = await agent(i);
    expect(supervised.user).toEqual({ id: gid('User', acme.supervisor.userId!) });
    expect(ok(await t.gql(SET_STATUS, { a: supervised.id, s: 'READY' }, acme.keys.supervisor)).setAgentStatus.status).toBe('READY');
    expect(ok(await t.gql(SET_STATUS, { a: partnered.id, s: 'BREAK', r: 'lunch' }, acme.keys.partner)).setAgentStatus.statusReason).toBe('lunch');
    expect(errorOf(await t.gql(SET_STATUS, { a: plain.id, s: 'READY' }, acme.keys.supervisor))).toEqual(['FORBIDDEN', 'agentId']);
    expect(errorOf(await t.gql(SET_STATUS, { a: plain.id, s: 'READY' }, acme.keys.partner))).toEqual(['NOT_FOUND', 'agentId']);
    await t.gql(`mutation { advanceClock(seconds: 42) }`);
    const read = ok(await t.gql(`query($a: ID!) { node(id: $a) { ... on Agent { status secondsInStatus } } }`, { a: supervised.id }, acme.keys.admin));
    expect(read.node).toEqual({ status: 'READY', secondsInStatus: 42 });
    // a SUPERVISOR changes nothing else (MUTATION_ROLES)
    expect(errorOf(await t.gql(CREATE_AGENT, { i, input: { name: 'N', email: 'n@acme.example', agentNumber: '1' } }, acme.keys.supervisor))[0]).toBe('FORBIDDEN');
  });

  it("I3: another tenant's instance, agent and group ids are NOT_FOUND for every mutation and read as null", async () => {
    const i = await instanceOf(acme);
    const a = await agent(i);
    const g = await group(i, 'Private');
    const b = beta.keys.admin;
    const attempts = [
      t.gql(CREATE_AGENT, { i, input: { name: 'Intruder', email: 'i@beta.example', agentNumber: '666' } }, b),
      t.gql(CREATE_GROUP, { i, input: { name: 'Intruders', mediaType: 'CHAT' } }, b),
      t.gql(`mutation($id: ID!) { updateAgent(id: $id, input: { name: "Renamed" }) { id } }`, { id: a.id }, b),
      t.gql(`mutation($id: ID!) { deleteAgent(id: $id) }`, { id: a.id }, b),
      t.gql(`mutation($id: ID!) { updateSkillGroup(id: $id, input: { name: "Renamed" }) { id } }`, { id: g.id }, b),
      t.gql(`mutation($id: ID!) { deleteSkillGroup(id: $id) }`, { id: g.id }, b),
      t.gql(SET_SKILL, { a: a.id, g: g.id, l: 1 }, b),
      t.gql(`mutation($a: ID!, $g: ID!) { removeAgentSkill(agentId: $a, skillGroupId: $g) }`, { a: a.id, g: g.id }, b),
      t.gql(SET_STATUS, { a: a.id, s: 'READY' }, b),
      t.gql(SET_STATUS, { a: a.id, s: 'READY' }, beta.keys.supervisor),
    ];
    for (const r of await Promise.all(attempts)) expect(errorOf(r)[0]).toBe('NOT_FOUND');
    const nodes = ok(await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [i, a.id, g.id] }, beta.keys.supervisor));
    expect(nodes.nodes).toEqual([null, null, null]);
    const mine = ok(await t.gql(`query($a: ID!) { node(id: $a) { ... on Agent { name status } } }`, { a: a.id }, acme.keys.admin));
    expect(mine.node).toEqual({ name: a.name, status: 'OFFLINE' });
  });
});
