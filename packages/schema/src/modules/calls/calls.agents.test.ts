import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import type { Actor } from '../../access/actor.js';
import { createAgent } from '../instances/agents.service.js';
import { setAgentStatus } from '../instances/agents.status.js';
import { runningInstance } from '../instances/instances.fixtures.js';
import { setAgentSkill } from '../instances/memberships.service.js';
import { metricsOf } from '../instances/metrics.service.js';
import { createSkillGroup } from '../instances/skill-groups.service.js';
import type { CallEventInput } from './calls.input.js';
import { reportCallEvents } from './calls.report.js';

/** C1/I3 in the service: an instance's call events drive its agents' statuses and its queue metrics. */

const world = withAcmeAndBeta();
const as = (a: Actor) => world.w.ctx(a);
let seq = 0;
const id = (p: string) => `${p}-${process.pid}-${++seq}`;

/** A RUNNING instance of the tenant with a Sales group and a READY agent in it. */
async function desk(tenant: typeof world.acme) {
  const { instance, number } = await runningInstance(world.w, tenant);
  const agent = await createAgent(as(tenant.admin), instance.id, { name: `Ann ${seq}`, email: `ann${++seq}@desk.example`, agentNumber: `80${seq}` });
  const sales = await createSkillGroup(as(tenant.admin), instance.id, { name: 'Sales', mediaType: 'VOICE' });
  await setAgentSkill(as(tenant.admin), agent.id, sales.id, 1);
  await setAgentStatus(as(tenant.admin), agent.id, 'READY');
  return { instance, e164: number.e164, agent, sales };
}

const now = () => world.w.clock.now();
const ev = (callId: string, type: CallEventInput['type'], more: Partial<CallEventInput> = {}): CallEventInput => ({ eventId: id('e'), callId, type, occurredAt: now(), ...more });
const agentStatus = async (agentId: string) => (await world.w.db.selectFrom('agents').select('status').where('id', '=', agentId).executeTakeFirstOrThrow()).status;
const queue = async (instanceId: string, groupId: string) => {
  const m = (await metricsOf(as(world.acme.supervisor), [instanceId])).get(instanceId)!;
  const g = m.skillGroups.find((s) => s.skillGroupId === groupId)!;
  return { instance: [m.contactsInQueue, m.oldestContactAgeSeconds], group: [g.contactsInQueue, g.oldestContactAgeSeconds] };
};

describe('C1/I3: call events of an instance', () => {
  it('C1/I3: a call queued for a group raises contactsInQueue, its age follows the clock, and ALERTING takes it out of the queue', async () => {
    const { acme } = world;
    const { instance, e164, agent, sales } = await desk(acme);
    expect(await queue(instance.id, sales.id)).toEqual({ instance: [0, 0], group: [0, 0] });
    const [first, second] = [id('call'), id('call')];
    await reportCallEvents(as(acme.admin), [ev(first, 'CALLIN', { caller: '+8613800001111', called: e164 }), ev(first, 'QUEUED', { skillGroupId: sales.id })]);
    world.w.clock.advance(30);
    await reportCallEvents(as(acme.admin), [ev(second, 'CALLIN', { caller: '+8613800002222', called: e164 }), ev(second, 'QUEUED', { skillGroupId: sales.id })]);
    world.w.clock.advance(12);
    expect(await queue(instance.id, sales.id)).toEqual({ instance: [2, 42], group: [2, 42] });
    const other = (await metricsOf(as(acme.supervisor), [instance.id])).get(instance.id)!.skillGroups.find((g) => g.skillGroupId !== sales.id)!;
    expect([other.contactsInQueue, other.oldestContactAgeSeconds]).toEqual([0, 0]);

    await reportCallEvents(as(acme.admin), [ev(first, 'ALERTING', { agentId: agent.id })]);
    world.w.clock.advance(8);
    // the oldest waiting is now the second call, queued 20 s ago
    expect(await queue(instance.id, sales.id)).toEqual({ instance: [1, 20], group: [1, 20] });
    // another tenant reads no queue of it
    const theirs = (await metricsOf(as(world.beta.admin), [instance.id])).get(instance.id)!;
    expect([theirs.contactsInQueue, theirs.oldestContactAgeSeconds]).toEqual([0, 0]);
    expect(await agentStatus(agent.id)).toBe('RINGING');
  });

  it('C1/I3: ALERTING, ANSWER and DISCONNECT move the agent RINGING → TALKING → AFTER_CALL_WORK, each an AGENT_STATUS_CHANGED event; then READY by hand', async () => {
    const { acme } = world;
    const { instance, e164, agent, sales } = await desk(acme);
    const call = id('call');
    const steps: [CallEventInput[], string][] = [
      [[ev(call, 'CALLIN', { caller: '+8613800001111', called: e164 }), ev(call, 'QUEUED', { skillGroupId: sales.id })], 'READY'],
      [[ev(call, 'ALERTING', { agentId: agent.id })], 'RINGING'],
      [[ev(call, 'ANSWER', { agentId: agent.id })], 'TALKING'],
      [[ev(call, 'DISCONNECT')], 'AFTER_CALL_WORK'],
    ];
    for (const [events, status] of steps) {
      world.w.clock.advance(5);
      const results = await reportCallEvents(as(acme.admin), events);
      expect(results.map((r) => r.status)).toEqual(events.map(() => 'STORED'));
      expect(await agentStatus(agent.id)).toBe(status);
    }
    await setAgentStatus(as(acme.admin), agent.id, 'READY');
    const changes = await readableEvents(world.w.db, { types: ['AGENT_STATUS_CHANGED'], subjectId: agent.id });
    expect(changes.map((c) => [c.payload.previous, c.payload.status, c.payload.instanceId])).toEqual([
      ['OFFLINE', 'READY', instance.id],
      ['READY', 'RINGING', instance.id],
      ['RINGING', 'TALKING', instance.id],
      ['TALKING', 'AFTER_CALL_WORK', instance.id],
      ['AFTER_CALL_WORK', 'READY', instance.id],
    ]);
    // a repeated report changes no status again
    await reportCallEvents(as(acme.admin), steps[1]![0]);
    expect(await agentStatus(agent.id)).toBe('READY');
  });

  it('C1/I3: a call that rang and ended unanswered gives the agent back READY; a late event of an ended call leaves the agent alone', async () => {
    const { acme } = world;
    const { e164, agent, sales } = await desk(acme);
    const call = id('call');
    await reportCallEvents(as(acme.admin), [ev(call, 'CALLIN', { caller: '+8613800003333', called: e164 }), ev(call, 'QUEUED', { skillGroupId: sales.id }), ev(call, 'ALERTING', { agentId: agent.id })]);
    expect(await agentStatus(agent.id)).toBe('RINGING');
    world.w.clock.advance(20);
    await reportCallEvents(as(acme.admin), [ev(call, 'DISCONNECT', { failureReason: 'NO_ANSWER' })]);
    expect(await agentStatus(agent.id)).toBe('READY');
    await setAgentStatus(as(acme.admin), agent.id, 'BREAK', 'coffee');
    // the switch reports an earlier ANSWER late: the CDR is amended, the agent stays on its break
    await reportCallEvents(as(acme.admin), [{ ...ev(call, 'ANSWER', { agentId: agent.id }), occurredAt: new Date(now().getTime() - 10_000) }]);
    expect(await agentStatus(agent.id)).toBe('BREAK');
  });

  it("C1/I3: an agent of another instance or tenant named in an event is a typed error for that item; the rest of the batch is stored", async () => {
    const { acme, beta } = world;
    const mine = await desk(acme);
    const otherInstance = await desk(acme);
    const theirs = await desk(beta);
    const call = id('call');
    const results = await reportCallEvents(as(acme.admin), [
      ev(call, 'CALLIN', { caller: '+8613800004444', called: mine.e164 }),
      ev(call, 'ALERTING', { agentId: otherInstance.agent.id }),
      ev(call, 'ANSWER', { agentId: theirs.agent.id }),
      ev(call, 'DISCONNECT'),
    ]);
    expect(results.map((r) => [r.status, r.status === 'ERROR' ? r.error.field : null])).toEqual([
      ['STORED', null],
      ['ERROR', 'agentId'],
      ['ERROR', 'agentId'],
      ['STORED', null],
    ]);
    expect([await agentStatus(otherInstance.agent.id), await agentStatus(theirs.agent.id), await agentStatus(mine.agent.id)]).toEqual(['READY', 'READY', 'READY']);
  });
});
