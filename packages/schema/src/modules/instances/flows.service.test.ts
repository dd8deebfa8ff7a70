import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith as rejects } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { inTransaction } from '../../db/transaction.js';
import { welcomeFlowDefinition, type FlowDefinition } from './flows.definition.js';
import { bindNumberToFlow, publishedDefinition } from './flows.bindings.js';
import { createFlow, deleteFlow, flowsOfInstanceQuery, publishFlow, saveFlowDefinition, versionsQuery } from './flows.service.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import { createInstance } from './instances.service.js';
import { createSkillGroup, deleteSkillGroup } from './skill-groups.service.js';
import type { Instance } from './instances.table.js';

const world = withAcmeAndBeta();
const as = (t: TenantFixture) => world.w.ctx(t.admin);


async function defaultGroupOf(instance: Instance): Promise<string> {
  const g = await world.w.db.selectFrom('skill_groups').select('id').where('instance_id', '=', instance.id).where('is_default', '=', true).executeTakeFirstOrThrow();
  return g.id;
}

const hangUpFlow = (text = 'Goodbye'): FlowDefinition => ({
  nodes: [
    { id: 'start', type: 'START', next: 'bye' },
    { id: 'bye', type: 'PLAY_PROMPT', text, next: 'end' },
    { id: 'end', type: 'HANG_UP' },
  ],
});

describe('I3: flows, versions and publish', () => {
  it('I3: createFlow saves version 1 as the draft, unpublished; names are unique in the instance', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const flow = await createFlow(as(acme), instance.id, { name: ' After hours ', description: 'Nights', definition: hangUpFlow() });
    expect(flow).toMatchObject({ name: 'After hours', description: 'Nights', latest_version: 1, published_version: null, is_default: false, instance_id: instance.id });
    const versions = await versionsQuery(as(acme), flow.id).execute();
    expect(versions.map((v) => [v.version, v.definition])).toEqual([[1, hangUpFlow()]]);
    await rejects(createFlow(as(acme), instance.id, { name: 'After hours', definition: hangUpFlow() }), 'ALREADY_EXISTS', 'input.name');
    await rejects(createFlow(as(acme), instance.id, { name: 'Welcome', definition: hangUpFlow() }), 'ALREADY_EXISTS', 'input.name');
    await rejects(createFlow(as(acme), instance.id, { name: 'x'.repeat(10_000), definition: hangUpFlow() }), 'INVALID_INPUT', 'input.name');
    const names = (await flowsOfInstanceQuery(as(acme), instance.id).orderBy('name').execute()).map((f) => f.name);
    expect(names).toEqual(['After hours', 'Welcome']);
  });

  it('I3: an invalid definition is refused with every problem, and nothing is written', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const err = await rejects(
      createFlow(as(acme), instance.id, { name: 'Broken', definition: { nodes: [{ id: 'start', type: 'START', next: 'menu' }, { id: 'lost', type: 'HANG_UP' }] } }),
      'FLOW_INVALID',
      'definition',
    );
    expect(err.extensions.problems).toEqual([
      { nodeId: 'start', message: "next names 'menu', which is no node of this flow" },
      { nodeId: 'lost', message: 'not reachable from START: no path of the flow leads here' },
    ]);
    expect(await flowsOfInstanceQuery(as(acme), instance.id).where('name', '=', 'Broken').execute()).toEqual([]);
  });

  it("I3: a transfer to another instance's skill group is refused, naming the node", async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const { instance: other } = await runningInstance(world.w, acme);
    const err = await rejects(createFlow(as(acme), instance.id, { name: 'Elsewhere', definition: welcomeFlowDefinition(await defaultGroupOf(other)) }), 'FLOW_INVALID');
    expect(err.extensions.problems).toEqual([{ nodeId: 'queue', message: 'skillGroupId names no skill group of this instance' }]);
    expect((await createFlow(as(acme), instance.id, { name: 'Here', definition: welcomeFlowDefinition(await defaultGroupOf(instance)) })).latest_version).toBe(1);
  });

  it('I3: each save is a new version; publish takes the latest or a given one; calls use the published one', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const number = await activeNumber(world.w, acme.tenantId);
    const flow = await createFlow(as(acme), instance.id, { name: 'Versions', definition: hangUpFlow('one') });
    await bindNumberToFlow(as(acme), number.id, flow.id);
    const published = () => inTransaction(world.w.ctx(null), (tx) => publishedDefinition(tx, number.id));
    expect(await published()).toBeNull();

    expect((await saveFlowDefinition(as(acme), flow.id, hangUpFlow('two'))).latest_version).toBe(2);
    const p2 = await publishFlow(as(acme), flow.id);
    expect(p2).toMatchObject({ latest_version: 2, published_version: 2, published_at: world.w.clock.now() });
    expect(await published()).toEqual({ flowId: flow.id, instanceId: instance.id, version: 2, definition: hangUpFlow('two') });

    const saved = await saveFlowDefinition(as(acme), flow.id, hangUpFlow('three'));
    expect(saved).toMatchObject({ latest_version: 3, published_version: 2 });
    expect((await published())?.version).toBe(2);
    expect((await publishFlow(as(acme), flow.id, 1)).published_version).toBe(1);
    expect((await published())?.definition).toEqual(hangUpFlow('one'));
    await rejects(publishFlow(as(acme), flow.id, 4), 'INVALID_INPUT', 'version');
    await rejects(publishFlow(as(acme), flow.id, 0), 'INVALID_INPUT', 'version');
    await rejects(saveFlowDefinition(as(acme), flow.id, { nodes: [] }), 'FLOW_INVALID', 'definition');
    expect((await versionsQuery(as(acme), flow.id).execute()).map((v) => v.version).sort()).toEqual([1, 2, 3]);

    const events = await readableEvents(world.w.db, { types: ['FLOW_CHANGED'], subjectId: flow.id });
    expect(events.map((e) => [e.payload.change, e.payload.version, e.payload.instanceId])).toEqual([
      ['CREATED', 1, instance.id],
      ['SAVED', 2, instance.id],
      ['PUBLISHED', 2, instance.id],
      ['SAVED', 3, instance.id],
      ['PUBLISHED', 1, instance.id],
    ]);
  });

  it('I3: publishing checks the version against the instance as it is now (a deleted skill group)', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const group = await createSkillGroup(as(acme), instance.id, { name: 'Sales', mediaType: 'VOICE' });
    const flow = await createFlow(as(acme), instance.id, { name: 'Sales line', definition: welcomeFlowDefinition(group.id) });
    await deleteSkillGroup(as(acme), group.id);
    const err = await rejects(publishFlow(as(acme), flow.id), 'FLOW_INVALID', 'definition');
    expect(err.extensions.problems).toEqual([{ nodeId: 'queue', message: 'skillGroupId names no skill group of this instance' }]);
  });

  it('I3: deleting a flow unbinds its numbers; the default Welcome flow cannot be deleted', async () => {
    const { acme } = world;
    const { instance, number: own } = await runningInstance(world.w, acme);
    const extra = await activeNumber(world.w, acme.tenantId);
    const flow = await createFlow(as(acme), instance.id, { name: 'Temporary', definition: hangUpFlow() });
    await bindNumberToFlow(as(acme), own.id, flow.id);
    await bindNumberToFlow(as(acme), extra.id, flow.id);
    await deleteFlow(as(acme), flow.id);
    expect(await world.w.db.selectFrom('flow_numbers').selectAll().where('number_id', 'in', [own.id, extra.id]).execute()).toEqual([]);
    expect(await world.w.db.selectFrom('ivr_flow_versions').selectAll().where('flow_id', '=', flow.id).execute()).toEqual([]);
    const numbers = await world.w.db.selectFrom('numbers').select(['id', 'instance_id', 'status']).where('id', 'in', [own.id, extra.id]).execute();
    // the instance's own number stays its number; the other goes back to the tenant, unbound, still ACTIVE
    expect(Object.fromEntries(numbers.map((n) => [n.id, [n.instance_id, n.status]]))).toEqual({ [own.id]: [instance.id, 'ACTIVE'], [extra.id]: [null, 'ACTIVE'] });
    const [deleted] = await readableEvents(world.w.db, { types: ['FLOW_CHANGED'], subjectId: flow.id }).then((es) => es.filter((e) => e.payload.change === 'DELETED'));
    expect(deleted?.payload).toMatchObject({ instanceId: instance.id, unboundNumberIds: expect.arrayContaining([own.id, extra.id]) });

    const welcome = await flowsOfInstanceQuery(as(acme), instance.id).where('is_default', '=', true).executeTakeFirstOrThrow();
    await rejects(deleteFlow(as(acme), welcome.id), 'DEFAULT_FLOW', 'id');
    await rejects(deleteFlow(as(acme), flow.id), 'NOT_FOUND', 'id');
  });

  it('I3: only a RUNNING instance takes flow changes', async () => {
    const { acme } = world;
    const number = await activeNumber(world.w, acme.tenantId);
    const creating = await createInstance(as(acme), { name: 'Not yet', accessSlug: `not-yet-${process.pid}`, numberId: number.id });
    expect(creating.status).toBe('CREATING');
    await rejects(createFlow(as(acme), creating.id, { name: 'Early', definition: hangUpFlow() }), 'INSTANCE_NOT_RUNNING', 'instanceId');
  });

  it("I3: another tenant's instance and flow ids are NOT_FOUND, and a SUPERVISOR cannot change flows", async () => {
    const { acme, beta } = world;
    const { instance } = await runningInstance(world.w, acme);
    const flow = await createFlow(as(acme), instance.id, { name: 'Private', definition: hangUpFlow() });
    await rejects(createFlow(as(beta), instance.id, { name: 'Intruder', definition: hangUpFlow() }), 'NOT_FOUND', 'instanceId');
    await rejects(saveFlowDefinition(as(beta), flow.id, hangUpFlow()), 'NOT_FOUND', 'flowId');
    await rejects(publishFlow(as(beta), flow.id), 'NOT_FOUND', 'flowId');
    await rejects(deleteFlow(as(beta), flow.id), 'NOT_FOUND', 'id');
    await rejects(saveFlowDefinition(as(acme), 'not-a-uuid', hangUpFlow()), 'NOT_FOUND', 'flowId');
    expect(await flowsOfInstanceQuery(as(beta), instance.id).execute()).toEqual([]);
    expect(await versionsQuery(as(beta), flow.id).execute()).toEqual([]);
    await rejects(saveFlowDefinition(world.w.ctx(acme.supervisor), flow.id, hangUpFlow()), 'FORBIDDEN');
    expect((await versionsQuery(as(acme), flow.id).execute()).length).toBe(1);
  });
});
