import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithAcmeAndBeta, collect, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { runningInstanceOn } from '../support/instances.js';
import { countQueries } from '../support/sql-count.js';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
beforeAll(async () => void ({ t, acme, beta } = await appWithAcmeAndBeta()));
afterAll(() => t?.stop());

/** A RUNNING instance of the tenant (its admin agent OFFLINE in the Default group, I2): ids of the instance and that agent. */
async function instanceOf(tenant: TenantFixture) {
  const { instance } = await runningInstanceOn(t, tenant);
  const admin = await t.app.systemContext().db.selectFrom('agents').select(['id', 'name']).where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
  return { instance: instance.id, id: gid('Instance', instance.id), name: instance.name, adminAgent: gid('Agent', admin.id) };
}

const SET_STATUS = `mutation($a: ID!, $s: AgentStatus!, $r: String) { setAgentStatus(agentId: $a, status: $s, reason: $r) { id status } }`;
const setStatus = async (key: string, a: string, s: string, r?: string) => ok(await t.gql(SET_STATUS, { a, s, r }, key));
const STATUS_SUB = `subscription($after: String, $i: ID) { agentStatusChanged(after: $after, instanceId: $i) {
  cursor status previousStatus reason agentId agent { id status statusReason } } }`;
const METRICS_SUB = `subscription($i: ID!, $after: String) { instanceMetricsChanged(instanceId: $i, after: $after) {
  agentsOnline agentsAvailable agentsOnContact agentsAfterContactWork contactsInQueue oldestContactAgeSeconds
  skillGroups { skillGroup { name } agentsOnline agentsAvailable } } }`;

/** Runs `fn` and counts the metrics queries it causes (the one statement metricsOf sends). */
const metricQueries = (fn: () => Promise<unknown>) => countQueries(/agents_on_contact/, fn);

describe('agent board over WebSockets (I3, RT3)', () => {
  it("I3: agentStatusChanged carries an instance's status changes live, replays after `after`, and never another tenant's", async () => {
    const mine = await instanceOf(acme);
    const other = await instanceOf(acme);
    const theirs = await instanceOf(beta);
    const after = await t.cursor();
    const ofInstance = collect<any>(t.wsClient(acme.keys.supervisor), STATUS_SUB, { after, i: mine.id });
    const ofTenant = collect<any>(t.wsClient(acme.keys.supervisor), STATUS_SUB, { after });

    await setStatus(beta.keys.admin, theirs.adminAgent, 'READY');
    await setStatus(acme.keys.admin, other.adminAgent, 'READY');
    await setStatus(acme.keys.admin, mine.adminAgent, 'BREAK', 'lunch');
    await setStatus(acme.keys.admin, mine.adminAgent, 'READY');
    await ofInstance.waitFor(() => ofInstance.items.length >= 2);
    await ofTenant.waitFor(() => ofTenant.items.length >= 3);
    expect(ofInstance.items.map((i) => i.agentStatusChanged)).toMatchObject([
      { status: 'BREAK', previousStatus: 'OFFLINE', reason: 'lunch', agentId: mine.adminAgent, agent: { id: mine.adminAgent } },
      { status: 'READY', previousStatus: 'BREAK', reason: null, agentId: mine.adminAgent, agent: { id: mine.adminAgent, status: 'READY', statusReason: null } },
    ]);
    expect(ofTenant.items.map((i) => i.agentStatusChanged.agentId)).toEqual([other.adminAgent, mine.adminAgent, mine.adminAgent]);

    // replayed from a cursor: exactly what came after it
    const replay = collect<any>(t.wsClient(acme.keys.admin), STATUS_SUB, { after: ofInstance.items[0].agentStatusChanged.cursor, i: mine.id });
    await replay.waitFor(() => replay.items.length >= 1);
    expect(replay.items.map((i) => i.agentStatusChanged.status)).toEqual(['READY']);

    // another tenant's instance id is NOT_FOUND, and nothing of it arrives
    const foreign = collect<any>(t.wsClient(beta.keys.supervisor), STATUS_SUB, { after, i: mine.id });
    await foreign.waitFor(() => foreign.errors.length > 0);
    expect(JSON.stringify(foreign.errors)).toContain('NOT_FOUND');
    expect(foreign.items).toEqual([]);
  });

  it('I3: instanceMetricsChanged pushes the counts when they change; two subscribers of one instance cost one metrics query per event (RT5)', async () => {
    const board = await instanceOf(acme);
    const after = await t.cursor();
    const first = collect<any>(t.wsClient(acme.keys.supervisor), METRICS_SUB, { i: board.id, after });
    const second = collect<any>(t.wsClient(acme.keys.admin), METRICS_SUB, { i: board.id, after });
    const foreign = collect<any>(t.wsClient(beta.keys.admin), METRICS_SUB, { i: board.id, after });

    const queries = await metricQueries(async () => {
      await setStatus(acme.keys.admin, board.adminAgent, 'READY');
      await first.waitFor(() => first.items.length >= 1);
      await second.waitFor(() => second.items.length >= 1);
    });
    expect(queries).toBe(1);
    for (const sub of [first, second])
      expect(sub.items[0].instanceMetricsChanged).toEqual({
        agentsOnline: 1,
        agentsAvailable: 1,
        agentsOnContact: 0,
        agentsAfterContactWork: 0,
        contactsInQueue: 0,
        oldestContactAgeSeconds: 0,
        skillGroups: [{ skillGroup: { name: 'Default' }, agentsOnline: 1, agentsAvailable: 1 }],
      });

    // a new agent is OFFLINE: the counts stay, nothing is pushed; it goes TALKING: pushed
    const created = ok(
      await t.gql(
        `mutation($i: ID!) { createAgent(instanceId: $i, input: { name: "Han Meimei", email: "han@acme.example", agentNumber: "2002" }) { id } }`,
        { i: board.id },
        acme.keys.admin,
      ),
    ).createAgent;
    await setStatus(acme.keys.admin, created.id, 'TALKING');
    await first.waitFor(() => first.items.length >= 2);
    expect(first.items.map((i) => [i.instanceMetricsChanged.agentsOnline, i.instanceMetricsChanged.agentsOnContact])).toEqual([
      [1, 0],
      [2, 1],
    ]);
    // the new agent is in no group yet: the Default group's counts are the admin's alone
    expect(first.items[1].instanceMetricsChanged.skillGroups).toEqual([{ skillGroup: { name: 'Default' }, agentsOnline: 1, agentsAvailable: 1 }]);
    // another tenant's instance id: NOT_FOUND (its answer comes on its own socket, in its own time)
    await foreign.waitFor(() => foreign.errors.length > 0);
    expect(JSON.stringify(foreign.errors)).toContain('NOT_FOUND');
    expect(foreign.items).toEqual([]);
  });

  it('I3: a membership change is pushed (AGENTS_CHANGED), and deleting the instance ends the subscription', async () => {
    const board = await instanceOf(acme);
    await setStatus(acme.keys.admin, board.adminAgent, 'AFTER_CALL_WORK');
    const sub = collect<any>(t.wsClient(acme.keys.supervisor), METRICS_SUB, { i: board.id, after: await t.cursor() });
    const group = ok(
      await t.gql(`mutation($i: ID!) { createSkillGroup(instanceId: $i, input: { name: "Billing", mediaType: VOICE }) { id } }`, { i: board.id }, acme.keys.admin),
    ).createSkillGroup;
    ok(await t.gql(`mutation($a: ID!, $g: ID!) { setAgentSkill(agentId: $a, skillGroupId: $g, level: 2) { level } }`, { a: board.adminAgent, g: group.id }, acme.keys.admin));
    await sub.waitFor(() => sub.items.some((i) => i.instanceMetricsChanged.skillGroups.some((g: any) => g.skillGroup.name === 'Billing' && g.agentsOnline === 1)));
    expect(sub.items.at(-1).instanceMetricsChanged.agentsAfterContactWork).toBe(1);

    ok(await t.gql(`mutation($i: ID!, $n: String!) { deleteInstance(id: $i, confirmName: $n) }`, { i: board.id, n: board.name }, acme.keys.admin));
    await sub.waitFor(() => sub.completed);
    expect(sub.errors).toEqual([]);
  });
});
