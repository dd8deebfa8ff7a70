import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta } from '../../../../../test/support/context.js';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import type { Actor } from '../../access/actor.js';
import { createUser } from '../tenants/tenants.service.js';
import { agentsOfInstanceQuery, createAgent, deleteAgent, updateAgent } from './agents.service.js';
import { secondsInStatus, setAgentStatus } from './agents.status.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import { createInstance } from './instances.service.js';

const world = withAcmeAndBeta();
const as = (a: Actor) => world.w.ctx(a);
let serial = 0;
const agentInput = (over: Record<string, unknown> = {}) => ({ name: 'Li Lei', email: 'li.lei@acme.example', agentNumber: `2${String(++serial).padStart(3, '0')}`, role: 'AGENT' as const, ...over });

const adminAgentOf = async (instanceId: string) =>
  (await agentsOfInstanceQuery(world.w.ctx(), instanceId).execute()).find((a) => a.role === 'ADMIN')!;

describe('I3: agents of an instance', () => {
  it('I3: an agent is created OFFLINE in a RUNNING instance, and an AGENTS_CHANGED event names the instance', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = await createAgent(as(acme.admin), instance.id, agentInput({ agentNumber: '2001' }));
    expect(agent).toMatchObject({ instance_id: instance.id, tenant_id: acme.tenantId, agent_number: '2001', role: 'AGENT', status: 'OFFLINE', status_reason: null });
    const events = await readableEvents(w.db, { types: ['AGENTS_CHANGED'], subjectId: agent.id });
    expect(events.map((e) => e.payload)).toEqual([{ instanceId: instance.id, change: 'AGENT_CREATED', agentId: agent.id }]);
  });

  it('I3: the agent number is unique in the instance (ALREADY_EXISTS naming input.agentNumber), not across instances', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const other = await runningInstance(w, acme);
    await createAgent(as(acme.admin), instance.id, agentInput({ agentNumber: '3001' }));
    const e = await failure(createAgent(as(acme.admin), instance.id, agentInput({ agentNumber: '3001' })));
    expect([e.code, e.field]).toEqual(['ALREADY_EXISTS', 'input.agentNumber']);
    expect((await createAgent(as(acme.admin), other.instance.id, agentInput({ agentNumber: '3001' }))).agent_number).toBe('3001');
  });

  it('I3: bad input is a typed error naming the field, and nothing is written', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '  ' }, 'input.name'],
      [{ name: 'x'.repeat(10_000) }, 'input.name'],
      [{ email: 'not an email' }, 'input.email'],
      [{ agentNumber: 'has spaces' }, 'input.agentNumber'],
      [{ role: 'OWNER' }, 'input.role'],
    ];
    for (const [over, field] of cases) {
      const e = await failure(createAgent(as(acme.admin), instance.id, agentInput(over)));
      expect([e.code, e.field]).toEqual(['INVALID_INPUT', field]);
    }
    expect(await agentsOfInstanceQuery(w.ctx(), instance.id).execute()).toHaveLength(1); // the admin agent only
  });

  it('I3: an agent links to a user of the same tenant, at most one agent per user per instance', async () => {
    const { acme, beta, w } = world;
    const { instance } = await runningInstance(w, acme);
    const linked = await createAgent(as(acme.admin), instance.id, agentInput({ userId: acme.supervisor.userId }));
    expect(linked.user_id).toBe(acme.supervisor.userId);
    const twice = await failure(createAgent(as(acme.admin), instance.id, agentInput({ userId: acme.supervisor.userId })));
    expect([twice.code, twice.field]).toEqual(['ALREADY_EXISTS', 'input.userId']);
    const foreign = await failure(createAgent(as(acme.admin), instance.id, agentInput({ userId: beta.supervisor.userId })));
    expect([foreign.code, foreign.field]).toEqual(['NOT_FOUND', 'input.userId']);
    const relinked = await updateAgent(as(acme.admin), linked.id, { userId: null });
    expect(relinked.user_id).toBeNull();
  });

  it('I3: the last ADMIN agent can be neither deleted nor made an AGENT; with a second ADMIN it can', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const admin = await adminAgentOf(instance.id);
    const del = await failure(deleteAgent(as(acme.admin), admin.id));
    expect([del.code, del.field]).toEqual(['LAST_ADMIN_AGENT', 'id']);
    const demote = await failure(updateAgent(as(acme.admin), admin.id, { role: 'AGENT' }));
    expect([demote.code, demote.field]).toEqual(['LAST_ADMIN_AGENT', 'input.role']);
    await createAgent(as(acme.admin), instance.id, agentInput({ role: 'ADMIN' }));
    expect((await updateAgent(as(acme.admin), admin.id, { role: 'AGENT' })).role).toBe('AGENT');
    await deleteAgent(as(acme.admin), admin.id);
    expect((await agentsOfInstanceQuery(w.ctx(), instance.id).execute()).map((a) => a.id)).not.toContain(admin.id);
  });

  it('I3: an instance that is not RUNNING takes no agents (INSTANCE_NOT_RUNNING)', async () => {
    const { acme, w } = world;
    const number = await activeNumber(w, acme.tenantId);
    const creating = await createInstance(as(acme.admin), { name: 'Still creating', accessSlug: `still-creating-${++serial}`, numberId: number.id });
    expect(creating.status).toBe('CREATING');
    const e = await failure(createAgent(as(acme.admin), creating.id, agentInput()));
    expect([e.code, e.field]).toEqual(['INSTANCE_NOT_RUNNING', 'instanceId']);
  });

  it("I3: another tenant's instance and agent ids are NOT_FOUND; a SUPERVISOR changes no agent (FORBIDDEN)", async () => {
    const { acme, beta, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = await createAgent(as(acme.admin), instance.id, agentInput());
    expect((await failure(createAgent(as(beta.admin), instance.id, agentInput()))).code).toBe('NOT_FOUND');
    expect((await failure(updateAgent(as(beta.admin), agent.id, { name: 'Stolen' }))).code).toBe('NOT_FOUND');
    expect((await failure(deleteAgent(as(beta.admin), agent.id))).code).toBe('NOT_FOUND');
    expect((await failure(updateAgent(as(acme.supervisor), agent.id, { name: 'Nope' }))).code).toBe('FORBIDDEN');
    expect(await agentsOfInstanceQuery(as(beta.supervisor), instance.id).execute()).toEqual([]);
  });
});

describe('I3: agent status', () => {
  it('I3: BREAK needs a reason (field `reason`); other statuses clear it; each change is an event with the previous status', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = await createAgent(as(acme.admin), instance.id, agentInput());
    for (const reason of [undefined, null, '   ']) {
      const e = await failure(setAgentStatus(as(acme.admin), agent.id, 'BREAK', reason));
      expect([e.code, e.field]).toEqual(['INVALID_INPUT', 'reason']);
    }
    const onBreak = await setAgentStatus(as(acme.admin), agent.id, 'BREAK', 'lunch');
    expect([onBreak.status, onBreak.status_reason]).toEqual(['BREAK', 'lunch']);
    const ready = await setAgentStatus(as(acme.admin), agent.id, 'READY', 'ignored');
    expect([ready.status, ready.status_reason]).toEqual(['READY', null]);
    await setAgentStatus(as(acme.admin), agent.id, 'READY'); // no change, no event
    const events = await readableEvents(w.db, { types: ['AGENT_STATUS_CHANGED'], subjectId: agent.id });
    expect(events.map((e) => e.payload)).toEqual([
      { instanceId: instance.id, status: 'BREAK', previous: 'OFFLINE', reason: 'lunch' },
      { instanceId: instance.id, status: 'READY', previous: 'BREAK', reason: null },
    ]);
  });

  it('I3: time in status is counted by the injected clock from the last change', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = await setAgentStatus(as(acme.admin), (await createAgent(as(acme.admin), instance.id, agentInput())).id, 'READY');
    expect(agent.status_since).toEqual(w.clock.now());
    w.clock.advance(95.5);
    expect(secondsInStatus(w.ctx(), agent)).toBe(95);
  });

  it('I3: the user linked to the agent sets its status with its own key, a SUPERVISOR or PARTNER key too', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const bySupervisor = await createAgent(as(acme.admin), instance.id, agentInput({ userId: acme.supervisor.userId }));
    const byPartner = await createAgent(as(acme.admin), instance.id, agentInput({ userId: acme.partner.userId }));
    expect((await setAgentStatus(as(acme.supervisor), bySupervisor.id, 'READY')).status).toBe('READY');
    expect((await setAgentStatus(as(acme.partner), byPartner.id, 'BREAK', 'training')).status).toBe('BREAK');
  });

  it("I3: an unlinked SUPERVISOR is refused (FORBIDDEN: it may read the agent); a PARTNER or another tenant's key gets NOT_FOUND", async () => {
    const { acme, beta, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = await createAgent(as(acme.admin), instance.id, agentInput());
    const supervisor = await failure(setAgentStatus(as(acme.supervisor), agent.id, 'READY'));
    expect([supervisor.code, supervisor.field]).toEqual(['FORBIDDEN', 'agentId']);
    expect((await failure(setAgentStatus(as(acme.partner), agent.id, 'READY'))).code).toBe('NOT_FOUND');
    expect((await failure(setAgentStatus(as(beta.admin), agent.id, 'READY'))).code).toBe('NOT_FOUND');
    // a user of another tenant linked nowhere here, even with the agent's id, is no one's
    const stranger = await createUser(w.ctx(), { tenantId: beta.tenantId, name: 'Stranger', email: 'stranger@beta.example', role: 'SUPERVISOR' });
    const strangerKey: Actor = { ...beta.supervisor, userId: stranger.id };
    expect((await failure(setAgentStatus(as(strangerKey), agent.id, 'READY'))).code).toBe('NOT_FOUND');
    expect((await agentsOfInstanceQuery(w.ctx(), instance.id).execute()).find((a) => a.id === agent.id)!.status).toBe('OFFLINE');
  });
});
