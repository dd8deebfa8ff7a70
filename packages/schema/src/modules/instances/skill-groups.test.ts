import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta } from '../../../../../test/support/context.js';
import { failure } from '../../../../../test/support/errors.js';
import type { Actor } from '../../access/actor.js';
import { runningInstance } from './instances.fixtures.js';
import { createSkillGroup, deleteSkillGroup, skillGroupsOfInstanceQuery, updateSkillGroup } from './skill-groups.service.js';

const world = withAcmeAndBeta();
const as = (a: Actor) => world.w.ctx(a);

describe('I3: skill groups', () => {
  it('I3: a group has a name unique in the instance (ALREADY_EXISTS naming input.name), a media type and a description', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const chat = await createSkillGroup(as(acme.admin), instance.id, { name: 'Chat', mediaType: 'CHAT', description: 'Web chat' });
    expect(chat).toMatchObject({ name: 'Chat', media_type: 'CHAT', description: 'Web chat', is_default: false, instance_id: instance.id });
    const dup = await failure(createSkillGroup(as(acme.admin), instance.id, { name: 'Chat', mediaType: 'VOICE' }));
    expect([dup.code, dup.field]).toEqual(['ALREADY_EXISTS', 'input.name']);
    const renameDup = await failure(updateSkillGroup(as(acme.admin), chat.id, { name: 'Default' }));
    expect([renameDup.code, renameDup.field]).toEqual(['ALREADY_EXISTS', 'input.name']);
    expect((await updateSkillGroup(as(acme.admin), chat.id, { description: 'Chat and email' })).description).toBe('Chat and email');
    const long = await failure(createSkillGroup(as(acme.admin), instance.id, { name: 'x'.repeat(10_000), mediaType: 'VOICE' }));
    expect([long.code, long.field]).toEqual(['INVALID_INPUT', 'input.name']);
  });

  it('I2: the default group cannot be deleted (DEFAULT_SKILL_GROUP); another one can', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const groups = await skillGroupsOfInstanceQuery(w.ctx(), instance.id).execute();
    const byDefault = groups.find((g) => g.is_default)!;
    const e = await failure(deleteSkillGroup(as(acme.admin), byDefault.id));
    expect([e.code, e.field]).toEqual(['DEFAULT_SKILL_GROUP', 'id']);
    const extra = await createSkillGroup(as(acme.admin), instance.id, { name: 'Extra', mediaType: 'TASK' });
    await deleteSkillGroup(as(acme.admin), extra.id);
    expect((await skillGroupsOfInstanceQuery(w.ctx(), instance.id).execute()).map((g) => g.id)).toEqual([byDefault.id]);
  });

  it('I3: a group a published flow transfers to cannot be deleted (SKILL_GROUP_IN_USE names the flow)', async () => {
    const { acme, w } = world;
    const { instance } = await runningInstance(w, acme);
    const vip = await createSkillGroup(as(acme.admin), instance.id, { name: 'VIP', mediaType: 'VOICE' });
    const flow = await w.db.selectFrom('ivr_flows').select(['id', 'published_version']).where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    await w.db
      .updateTable('ivr_flow_versions')
      .set({ definition: JSON.stringify({ nodes: [{ id: 'start', type: 'START', next: 'q' }, { id: 'q', type: 'TRANSFER', skillGroupId: vip.id }] }) } as never)
      .where('flow_id', '=', flow.id)
      .where('version', '=', flow.published_version!)
      .execute();
    const e = await failure(deleteSkillGroup(as(acme.admin), vip.id));
    expect([e.code, e.field]).toEqual(['SKILL_GROUP_IN_USE', 'id']);
    expect(e.message).toContain("'Welcome'");
  });

  it("I3: another tenant's group is NOT_FOUND for every change; a SUPERVISOR makes none (FORBIDDEN)", async () => {
    const { acme, beta, w } = world;
    const { instance } = await runningInstance(w, acme);
    const g = await createSkillGroup(as(acme.admin), instance.id, { name: 'Mine', mediaType: 'VOICE' });
    expect((await failure(updateSkillGroup(as(beta.admin), g.id, { name: 'Theirs' }))).code).toBe('NOT_FOUND');
    expect((await failure(deleteSkillGroup(as(beta.admin), g.id))).code).toBe('NOT_FOUND');
    expect((await failure(createSkillGroup(as(beta.admin), instance.id, { name: 'In', mediaType: 'VOICE' }))).code).toBe('NOT_FOUND');
    expect((await failure(createSkillGroup(as(acme.supervisor), instance.id, { name: 'In', mediaType: 'VOICE' }))).code).toBe('FORBIDDEN');
  });
});
