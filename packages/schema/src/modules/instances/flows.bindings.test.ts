import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith as rejects } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { inTransaction } from '../../db/transaction.js';
import { DomainError } from '../../errors.js';
import { assertUsableForOutbound } from '../numbers/numbers.guards.js';
import type { FlowDefinition } from './flows.definition.js';
import { bindNumberToFlow, numbersOfFlows, publishedDefinition, unbindNumberFromFlow } from './flows.bindings.js';
import { createFlow, flowsOfNumbers, publishFlow } from './flows.service.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import type { Instance } from './instances.table.js';

const world = withAcmeAndBeta();
const as = (t: TenantFixture) => world.w.ctx(t.admin);


const simple: FlowDefinition = {
  nodes: [
    { id: 'start', type: 'START', next: 'end' },
    { id: 'end', type: 'HANG_UP' },
  ],
};

let serial = 0;
const newFlow = (t: TenantFixture, instance: Instance) => createFlow(as(t), instance.id, { name: `Flow ${++serial}`, definition: simple });

/** Which flow each number is bound to, read from the table (one row per number at most). */
async function bindings(numberIds: string[]) {
  const rows = await world.w.db.selectFrom('flow_numbers').select(['number_id', 'flow_id', 'instance_id']).where('number_id', 'in', numberIds).execute();
  return rows;
}

const numberRow = (id: string) => world.w.db.selectFrom('numbers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('I3: number↔flow bindings', () => {
  it('I3: a flow has many numbers, a number one flow; binding again moves it', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const [a, b] = [await newFlow(acme, instance), await newFlow(acme, instance)];
    const [n1, n2, n3] = [await activeNumber(world.w, acme.tenantId), await activeNumber(world.w, acme.tenantId), await activeNumber(world.w, acme.tenantId)];
    for (const n of [n1, n2, n3]) expect((await bindNumberToFlow(as(acme), n.id, a.id)).instance_id).toBe(instance.id);
    const ofA = await numbersOfFlows(as(acme), [a.id, b.id]);
    expect(ofA.map((n) => [n.flow_id, n.id])).toEqual([n1, n2, n3].map((n) => [a.id, n.id]));

    await bindNumberToFlow(as(acme), n2.id, b.id);
    expect(await bindings([n1.id, n2.id, n3.id])).toHaveLength(3);
    const flows = await flowsOfNumbers(as(acme), [n1.id, n2.id, n3.id]);
    expect(flows.map((f) => f?.id)).toEqual([a.id, b.id, a.id]);
    // binding to the flow it already has changes nothing
    await bindNumberToFlow(as(acme), n2.id, b.id);
    const events = await readableEvents(world.w.db, { types: ['FLOW_NUMBERS_CHANGED'], subjectId: b.id });
    expect(events.map((e) => e.payload)).toEqual([{ instanceId: instance.id, flowId: b.id, change: 'BOUND', numberIds: [n2.id], previousFlowId: a.id }]);
    const left = await readableEvents(world.w.db, { types: ['FLOW_NUMBERS_CHANGED'], subjectId: a.id });
    expect(left.at(-1)?.payload).toEqual({ instanceId: instance.id, flowId: a.id, change: 'UNBOUND', numberIds: [n2.id], nextFlowId: b.id });
  });

  it('I3: a number moves to a flow of another instance and joins that instance', async () => {
    const { acme } = world;
    const { instance: one } = await runningInstance(world.w, acme);
    const { instance: two } = await runningInstance(world.w, acme);
    const n = await activeNumber(world.w, acme.tenantId);
    await bindNumberToFlow(as(acme), n.id, (await newFlow(acme, one)).id);
    const f2 = await newFlow(acme, two);
    expect((await bindNumberToFlow(as(acme), n.id, f2.id)).instance_id).toBe(two.id);
    expect(await bindings([n.id])).toEqual([{ number_id: n.id, flow_id: f2.id, instance_id: two.id }]);
  });

  it('I3: concurrent binds of one number to two flows leave exactly one binding', async () => {
    const { acme } = world;
    const { instance: one } = await runningInstance(world.w, acme);
    const { instance: two } = await runningInstance(world.w, acme);
    for (let round = 0; round < 5; round++) {
      const n = await activeNumber(world.w, acme.tenantId);
      const flows = [await newFlow(acme, one), await newFlow(acme, two), await newFlow(acme, one)];
      const results = await Promise.allSettled(flows.map((f) => bindNumberToFlow(as(acme), n.id, f.id)));
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DomainError);
      const rows = await bindings([n.id]);
      expect(rows).toHaveLength(1);
      expect(flows.map((f) => f.id)).toContain(rows[0]!.flow_id);
      expect((await numberRow(n.id)).instance_id).toBe(rows[0]!.instance_id);
    }
  });

  it("I3: another instance's own number cannot be moved to a flow of a different instance", async () => {
    const { acme } = world;
    const { instance: one, number: ownOfOne } = await runningInstance(world.w, acme);
    const { instance: two } = await runningInstance(world.w, acme);
    const err = await rejects(bindNumberToFlow(as(acme), ownOfOne.id, (await newFlow(acme, two)).id), 'NUMBER_IN_USE', 'numberId');
    expect(err.message).toContain(one.name);
    // within its own instance it moves freely
    const other = await newFlow(acme, one);
    await bindNumberToFlow(as(acme), ownOfOne.id, other.id);
    expect(await bindings([ownOfOne.id])).toEqual([{ number_id: ownOfOne.id, flow_id: other.id, instance_id: one.id }]);
  });

  it('I3: only an ACTIVE number of the tenant is bound; the ids of another tenant are NOT_FOUND', async () => {
    const { acme, beta } = world;
    const { instance } = await runningInstance(world.w, acme);
    const flow = await newFlow(acme, instance);
    const expired = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ status: 'EXPIRED' }).where('id', '=', expired.id).execute();
    await rejects(bindNumberToFlow(as(acme), expired.id, flow.id), 'NUMBER_NOT_ACTIVE', 'numberId');
    const stock = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ status: 'AVAILABLE', tenant_id: null }).where('id', '=', stock.id).execute();
    await rejects(bindNumberToFlow(as(acme), stock.id, flow.id), 'NUMBER_NOT_ACTIVE', 'numberId');

    const betaNumber = await activeNumber(world.w, beta.tenantId);
    await rejects(bindNumberToFlow(as(acme), betaNumber.id, flow.id), 'NOT_FOUND', 'numberId');
    const acmeNumber = await activeNumber(world.w, acme.tenantId);
    await rejects(bindNumberToFlow(as(beta), acmeNumber.id, flow.id), 'NOT_FOUND', 'flowId');
    const { instance: betaInstance } = await runningInstance(world.w, beta);
    await rejects(bindNumberToFlow(as(beta), acmeNumber.id, (await newFlow(beta, betaInstance)).id), 'NOT_FOUND', 'numberId');
    await bindNumberToFlow(as(acme), acmeNumber.id, flow.id);
    await rejects(unbindNumberFromFlow(as(beta), acmeNumber.id), 'NOT_FOUND', 'numberId');
    expect(await flowsOfNumbers(as(beta), [acmeNumber.id])).toEqual([null]);
    expect(await numbersOfFlows(as(beta), [flow.id])).toEqual([]);
    expect(await bindings([expired.id, stock.id, betaNumber.id, acmeNumber.id])).toEqual([{ number_id: acmeNumber.id, flow_id: flow.id, instance_id: instance.id }]);
  });

  it('I3: unbinding: the number leaves the instance, except the instance’s own number', async () => {
    const { acme } = world;
    const { instance, number: own } = await runningInstance(world.w, acme);
    const flow = await newFlow(acme, instance);
    const n = await activeNumber(world.w, acme.tenantId);
    await bindNumberToFlow(as(acme), n.id, flow.id);
    expect((await unbindNumberFromFlow(as(acme), n.id)).instance_id).toBeNull();
    expect((await unbindNumberFromFlow(as(acme), own.id)).instance_id).toBe(instance.id);
    expect(await bindings([n.id, own.id])).toEqual([]);
    // unbinding an unbound number changes nothing
    expect((await unbindNumberFromFlow(as(acme), n.id)).id).toBe(n.id);
    expect(await inTransaction(world.w.ctx(null), (tx) => publishedDefinition(tx, own.id))).toBeNull();
  });
});

describe('I3: a number that leaves the tenant', () => {
  it('I3: a binding left behind by a number gone back to stock answers no call and lists nowhere', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const flow = await newFlow(acme, instance);
    await publishFlow(as(acme), flow.id);
    const n = await activeNumber(world.w, acme.tenantId);
    await bindNumberToFlow(as(acme), n.id, flow.id);
    const published = () => inTransaction(world.w.ctx(null), (tx) => publishedDefinition(tx, n.id));
    expect((await published())?.flowId).toBe(flow.id);
    await world.w.db.updateTable('numbers').set({ status: 'AVAILABLE', tenant_id: null, instance_id: null }).where('id', '=', n.id).execute();
    expect(await published()).toBeNull();
    expect(await flowsOfNumbers(as(acme), [n.id])).toEqual([null]);
    expect(await numbersOfFlows(as(acme), [flow.id])).toEqual([]);
  });
});

describe('I6: 400 numbers join instances by a flow and stay inbound-only', () => {
  it('I6: a 400 number bound to a flow answers it, and is still refused for outbound calls', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const tollFree = await activeNumber(world.w, acme.tenantId, 'TOLL_FREE_400');
    const flow = await newFlow(acme, instance);
    const bound = await bindNumberToFlow(as(acme), tollFree.id, flow.id);
    expect(bound).toMatchObject({ type: 'TOLL_FREE_400', instance_id: instance.id, status: 'ACTIVE' });
    expect(() => assertUsableForOutbound(bound)).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY', field: 'number' }));
    expect(() => assertUsableForOutbound({ ...bound, call_type: 'INBOUND_OUTBOUND' })).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY' }));
  });

  it('I6: an instance created with a 400 number has it bound to its published Welcome flow', async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme, { numberType: 'TOLL_FREE_400' });
    const [flow] = await flowsOfNumbers(as(acme), [number.id]);
    expect(flow).toMatchObject({ name: 'Welcome', is_default: true, instance_id: instance.id, published_version: 1 });
    const published = await inTransaction(world.w.ctx(null), (tx) => publishedDefinition(tx, number.id));
    expect(published?.definition.nodes.map((n) => n.type)).toEqual(['START', 'PLAY_PROMPT', 'TRANSFER', 'VOICEMAIL']);
    expect(() => assertUsableForOutbound(number)).toThrow(expect.objectContaining({ code: 'TOLL_FREE_INBOUND_ONLY' }));
  });
});
