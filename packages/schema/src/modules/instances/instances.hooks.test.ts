import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith } from '../../../../../test/support/errors.js';
import { filedQualification } from '../../../../../test/support/qualifications.js';
import { applyForNumbers, type ApplicationInput } from '../applications/applications.service.js';
import { importNumbers, purchaseNumber } from '../numbers/numbers.service.js';
import { runUnsubscribeChecks, unsubscribeItemsOf, unsubscribeNumbers } from '../numbers/unsubscribe.service.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import { createInstance } from './instances.service.js';

const world = withAcmeAndBeta();
const as = (t: TenantFixture) => world.w.ctx(t.admin);
let next = 0;

/** A number in stock, for a purchase. */
async function stockNumber(): Promise<string> {
  const national = `010 6553 ${String(1000 + next++)}`;
  await importNumbers(world.w.ctx(), [{ number: national, type: 'LOCAL', province: 'Beijing', city: 'Beijing', carrier: 'China Telecom' }]);
  const e164 = `+86${national.replace(/\D/g, '').replace(/^0/, '')}`;
  return (await world.w.db.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirstOrThrow()).id;
}

const application = (qualificationId: string, instanceId: string): ApplicationInput => ({
  purpose: 'NON_MARKETING',
  scenarios: [{ scenario: 'Customer service', script: 'Hello, how can we help?' }],
  type: 'LOCAL',
  province: 'Guangdong',
  city: 'Zhuhai',
  contactName: 'Li Si',
  contactMobile: '13800138000',
  contactEmail: 'li.si@acme.example',
  qualificationId,
  instanceId,
});

async function creatingInstance(t: TenantFixture) {
  const number = await activeNumber(world.w, t.tenantId);
  const tag = `${Date.now() % 100000}-${next++}`;
  return createInstance(as(t), { name: `New ${tag}`, accessSlug: `new-${tag}`, numberId: number.id });
}

describe('purchases and applications that name an instance (the waiting validator)', () => {
  it("I1/N2: a purchase for another tenant's instance is NOT_FOUND, for a CREATING one INVALID_STATUS, naming instanceId; for a RUNNING one the number is the instance's", async () => {
    const { acme, beta } = world;
    const qualificationId = await filedQualification(world.w, acme);
    const { instance: betas } = await runningInstance(world.w, beta);
    const creating = await creatingInstance(acme);
    const { instance } = await runningInstance(world.w, acme);
    const numberId = await stockNumber();
    await failsWith(purchaseNumber(as(acme), { numberId, qualificationId, callType: 'INBOUND_ONLY', instanceId: betas.id }), 'NOT_FOUND', 'instanceId');
    await failsWith(purchaseNumber(as(acme), { numberId, qualificationId, callType: 'INBOUND_ONLY', instanceId: 'no-such-instance' }), 'NOT_FOUND', 'instanceId');
    const e = await failsWith(purchaseNumber(as(acme), { numberId, qualificationId, callType: 'INBOUND_ONLY', instanceId: creating.id }), 'INVALID_STATUS', 'instanceId');
    expect(e.message).toMatch(/is CREATING/);
    const stock = await world.w.db.selectFrom('numbers').select(['status', 'tenant_id']).where('id', '=', numberId).executeTakeFirstOrThrow();
    expect(stock).toEqual({ status: 'AVAILABLE', tenant_id: null });
    const { number } = await purchaseNumber(as(acme), { numberId, qualificationId, callType: 'INBOUND_ONLY', instanceId: instance.id });
    expect(number).toMatchObject({ status: 'RESERVED', instance_id: instance.id });
  });

  it("I1/N3: an application for another tenant's or a CREATING instance is refused naming input.instanceId; for a RUNNING one it is filed", async () => {
    const { acme, beta } = world;
    const qualificationId = await filedQualification(world.w, acme);
    const { instance: betas } = await runningInstance(world.w, beta);
    const creating = await creatingInstance(acme);
    const { instance } = await runningInstance(world.w, acme);
    await failsWith(applyForNumbers(as(acme), application(qualificationId, betas.id)), 'NOT_FOUND', 'input.instanceId');
    await failsWith(applyForNumbers(as(acme), application(qualificationId, creating.id)), 'INVALID_STATUS', 'input.instanceId');
    expect((await applyForNumbers(as(acme), application(qualificationId, instance.id))).instance_id).toBe(instance.id);
  });
});

describe('N7 with I1: unsubscribing an instance’s numbers', () => {
  it("I1/N7: an instance's own number, and a number bound to its flow, fail the check with the reason naming the instance; an unbound one goes", async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme);
    const creating = await creatingInstance(acme);
    const bound = await activeNumber(world.w, acme.tenantId);
    const welcome = await world.w.db.selectFrom('ivr_flows').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    await world.w.db
      .insertInto('flow_numbers')
      .values({ number_id: bound.id, flow_id: welcome.id, tenant_id: acme.tenantId, instance_id: instance.id, bound_at: world.w.clock.now() })
      .execute();
    const free = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ instance_id: instance.id }).where('id', '=', free.id).execute();
    const batch = await unsubscribeNumbers(as(acme), [number.id, creating.number_id!, bound.id, free.id]);
    expect((await runUnsubscribeChecks(world.w.ctx(null), batch.id))?.status).toBe('PARTIAL_SUCCESS');
    const items = await unsubscribeItemsOf(as(acme), [batch.id]);
    expect(items.map((i) => [i.result, i.reason_code])).toEqual([
      ['FAILED', 'INSTANCE_PRIMARY_NUMBER'],
      ['FAILED', 'INSTANCE_PRIMARY_NUMBER'],
      ['FAILED', 'INSTANCE_FLOW_BINDING'],
      ['RELEASED', null],
    ]);
    expect(items[0]!.reason).toContain(`instance '${instance.name}'`);
    expect(items[1]!.reason).toContain(`instance '${creating.name}'`);
    expect(items[2]!.reason).toContain(`flow 'Welcome' of instance '${instance.name}'`);
  });
});
