import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta } from '../../../../../test/support/context.js';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import type { Actor } from '../../access/actor.js';
import { createAgent } from './agents.service.js';
import { runningInstance } from './instances.fixtures.js';
import { membershipsOf, removeAgentSkill, setAgentSkill } from './memberships.service.js';
import { createSkillGroup } from './skill-groups.service.js';

const world = withAcmeAndBeta();
const as = (a: Actor) => world.w.ctx(a);
let serial = 0;
const FIRST_PAGE = { limit: 100, inverted: false };

/** A RUNNING instance of Acme with two agents and two groups of its own. */
async function staffed() {
  const { acme, w } = world;
  const { instance } = await runningInstance(w, acme);
  const agent = (n: string) => createAgent(as(acme.admin), instance.id, { name: `Agent ${n}`, email: `a${n}@acme.example`, agentNumber: `5${++serial}` });
  const group = (name: string) => createSkillGroup(as(acme.admin), instance.id, { name, mediaType: 'VOICE' });
  return { instance, a1: await agent('1'), a2: await agent('2'), sales: await group('Sales'), support: await group('Support') };
}

describe('I3: agents and skill groups are many-to-many, with a level', () => {
  it('I3: memberships read the same from both sides: an agent’s skills and a group’s members, strongest level first', async () => {
    const { acme } = world;
    const { a1, a2, sales, support } = await staffed();
    await setAgentSkill(as(acme.admin), a1.id, sales.id, 3);
    await setAgentSkill(as(acme.admin), a1.id, support.id, 1);
    await setAgentSkill(as(acme.admin), a2.id, sales.id, 1);

    const skills = await membershipsOf(as(acme.supervisor), 'agent', [a1.id, a2.id], FIRST_PAGE);
    expect(skills.get(a1.id)!.map((m) => [m.skill_group_id, m.level])).toEqual([[support.id, 1], [sales.id, 3]]);
    expect(skills.get(a2.id)!.map((m) => [m.skill_group_id, m.level])).toEqual([[sales.id, 1]]);
    const members = await membershipsOf(as(acme.supervisor), 'group', [sales.id, support.id], FIRST_PAGE);
    expect(members.get(sales.id)!.map((m) => [m.agent_id, m.level])).toEqual([[a2.id, 1], [a1.id, 3]]);
    expect(members.get(support.id)!.map((m) => [m.agent_id, m.level])).toEqual([[a1.id, 1]]);
  });

  it('I3: setting again changes the level; removing takes the agent out of the group (false when it was not in it)', async () => {
    const { acme, w } = world;
    const { instance, a1, sales } = await staffed();
    await setAgentSkill(as(acme.admin), a1.id, sales.id, 4);
    expect((await setAgentSkill(as(acme.admin), a1.id, sales.id, 2)).level).toBe(2);
    expect((await membershipsOf(w.ctx(), 'group', [sales.id], FIRST_PAGE)).get(sales.id)!.map((m) => m.level)).toEqual([2]);
    expect(await removeAgentSkill(as(acme.admin), a1.id, sales.id)).toBe(true);
    expect(await removeAgentSkill(as(acme.admin), a1.id, sales.id)).toBe(false);
    expect((await membershipsOf(w.ctx(), 'agent', [a1.id], FIRST_PAGE)).get(a1.id)).toEqual([]);
    const changes = await readableEvents(w.db, { types: ['AGENTS_CHANGED'], subjectId: a1.id });
    expect(changes.map((e) => [e.payload.instanceId, e.payload.change, e.payload.level ?? null])).toEqual([
      [instance.id, 'AGENT_CREATED', null],
      [instance.id, 'SKILL_ADDED', 4],
      [instance.id, 'SKILL_LEVEL_CHANGED', 2],
      [instance.id, 'SKILL_REMOVED', null],
    ]);
  });

  it('I3: a level of 0 or 11 (or not whole) is a typed error naming `level`, and nothing is written', async () => {
    const { acme, w } = world;
    const { a1, sales } = await staffed();
    for (const level of [0, 11, -1, 2.5]) {
      const e = await failure(setAgentSkill(as(acme.admin), a1.id, sales.id, level));
      expect([e.code, e.field]).toEqual(['INVALID_INPUT', 'level']);
    }
    expect((await membershipsOf(w.ctx(), 'agent', [a1.id], FIRST_PAGE)).get(a1.id)).toEqual([]);
    expect((await setAgentSkill(as(acme.admin), a1.id, sales.id, 10)).level).toBe(10);
    expect((await setAgentSkill(as(acme.admin), a1.id, sales.id, 1)).level).toBe(1);
  });

  it('I3: a page of memberships per parent: cut at the limit, resumed after a key', async () => {
    const { acme, w } = world;
    const { a1, a2, sales, support } = await staffed();
    for (const [agent, level] of [[a1, 2], [a2, 1]] as const) await setAgentSkill(as(acme.admin), agent.id, sales.id, level);
    await setAgentSkill(as(acme.admin), a1.id, support.id, 5);
    const first = await membershipsOf(w.ctx(), 'group', [sales.id, support.id], { limit: 1, inverted: false });
    expect([first.get(sales.id)!.map((m) => m.agent_id), first.get(support.id)!.map((m) => m.agent_id)]).toEqual([[a2.id], [a1.id]]);
    const next = await membershipsOf(w.ctx(), 'group', [sales.id], { limit: 1, inverted: false, after: { level: 1, id: a2.id } });
    expect(next.get(sales.id)!.map((m) => m.agent_id)).toEqual([a1.id]);
  });

  it("I3: a group of another instance is refused; another tenant's agent or group is NOT_FOUND and invisible", async () => {
    const { acme, beta, w } = world;
    const { a1, sales } = await staffed();
    const elsewhere = await staffed();
    const e = await failure(setAgentSkill(as(acme.admin), a1.id, elsewhere.sales.id, 1));
    expect([e.code, e.field]).toEqual(['INVALID_INPUT', 'skillGroupId']);
    const theirs = await runningInstance(w, beta);
    const betaGroup = await createSkillGroup(as(beta.admin), theirs.instance.id, { name: 'Beta group', mediaType: 'CHAT' });
    const foreignGroup = await failure(setAgentSkill(as(acme.admin), a1.id, betaGroup.id, 1));
    expect([foreignGroup.code, foreignGroup.field]).toEqual(['NOT_FOUND', 'skillGroupId']);
    const foreignAgent = await failure(setAgentSkill(as(beta.admin), a1.id, betaGroup.id, 1));
    expect([foreignAgent.code, foreignAgent.field]).toEqual(['NOT_FOUND', 'agentId']);
    await setAgentSkill(as(acme.admin), a1.id, sales.id, 1);
    expect((await membershipsOf(as(beta.supervisor), 'agent', [a1.id], FIRST_PAGE)).get(a1.id)).toEqual([]);
  });
});
