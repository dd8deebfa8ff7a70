import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import type { Actor } from '../../access/actor.js';
import { createAgent } from './agents.service.js';
import { setAgentStatus } from './agents.status.js';
import { runningInstance } from './instances.fixtures.js';
import { setAgentSkill } from './memberships.service.js';
import { metricsAfterEvent, metricsReads } from './metrics.live.js';
import { metricsOf } from './metrics.service.js';
import { createSkillGroup } from './skill-groups.service.js';

const world = withAcmeAndBeta();
const as = (a: Actor) => world.w.ctx(a);
const counts = (m: { agentsOnline: number; agentsAvailable: number; agentsOnContact: number; agentsAfterContactWork: number; contactsInQueue: number; oldestContactAgeSeconds: number }) => [
  m.agentsOnline,
  m.agentsAvailable,
  m.agentsOnContact,
  m.agentsAfterContactWork,
  m.contactsInQueue,
  m.oldestContactAgeSeconds,
];

describe('I3: current metrics per instance and skill group', () => {
  it('I3: online, available, on contact and after-contact-work counts follow status changes, per instance and per group', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const agent = async (n: number) => createAgent(as(acme.admin), instance.id, { name: `A${n}`, email: `a${n}@acme.example`, agentNumber: `70${n}` });
    const [a1, a2, a3, a4] = [await agent(1), await agent(2), await agent(3), await agent(4)];
    const sales = await createSkillGroup(as(acme.admin), instance.id, { name: 'Sales', mediaType: 'VOICE' });
    const empty = await createSkillGroup(as(acme.admin), instance.id, { name: 'Empty', mediaType: 'CHAT' });
    for (const a of [a1, a2, a3]) await setAgentSkill(as(acme.admin), a.id, sales.id, 1);

    await setAgentStatus(as(acme.admin), a1.id, 'READY');
    await setAgentStatus(as(acme.admin), a2.id, 'TALKING');
    await setAgentStatus(as(acme.admin), a3.id, 'AFTER_CALL_WORK');
    await setAgentStatus(as(acme.admin), a4.id, 'RINGING');
    let m = (await metricsOf(as(acme.supervisor), [instance.id])).get(instance.id)!;
    // the admin agent (in the Default group) is OFFLINE
    expect(counts(m)).toEqual([4, 1, 2, 1, 0, 0]);
    const byName = (mm: typeof m) => Object.fromEntries(mm.skillGroups.map((g) => [g.skillGroupId === sales.id ? 'Sales' : g.skillGroupId === empty.id ? 'Empty' : 'Default', counts(g)]));
    expect(byName(m)).toEqual({ Default: [0, 0, 0, 0, 0, 0], Sales: [3, 1, 1, 1, 0, 0], Empty: [0, 0, 0, 0, 0, 0] });
    expect(m.skillGroups[0]!.skillGroupId).not.toBe(sales.id); // the default group first

    await setAgentStatus(as(acme.admin), a2.id, 'BREAK', 'coffee');
    await setAgentStatus(as(acme.admin), a4.id, 'OFFLINE');
    m = (await metricsOf(as(acme.supervisor), [instance.id])).get(instance.id)!;
    expect(counts(m)).toEqual([3, 1, 0, 1, 0, 0]);
    expect(byName(m).Sales).toEqual([3, 1, 0, 1, 0, 0]);
  });

  it("I3: metrics of another tenant's instance read as zeros with no groups", async () => {
    const { acme, beta, w } = world;
    const { instance } = await runningInstance(w, acme);
    const admin = (await w.db.selectFrom('agents').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow()).id;
    await setAgentStatus(as(acme.admin), admin, 'READY');
    expect((await metricsOf(as(acme.admin), [instance.id])).get(instance.id)!.agentsAvailable).toBe(1);
    const theirs = (await metricsOf(as(beta.admin), [instance.id])).get(instance.id)!;
    expect([counts(theirs), theirs.skillGroups]).toEqual([[0, 0, 0, 0, 0, 0], []]);
  });

  it('I3: subscribers of one instance share one computation per event (one read per event per process)', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const admin = (await w.db.selectFrom('agents').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow()).id;
    await setAgentStatus(as(acme.admin), admin, 'READY');
    const [event] = await readableEvents(w.db, { types: ['AGENT_STATUS_CHANGED'], subjectId: admin });
    const before = metricsReads.count;
    const [one, two] = await Promise.all([metricsAfterEvent(as(acme.supervisor), instance.id, event!), metricsAfterEvent(as(acme.admin), instance.id, event!)]);
    expect(metricsReads.count - before).toBe(1);
    expect(one).toBe(two);
    expect(one.agentsAvailable).toBe(1);
  });
});
