import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { filedQualification } from '../../../../../test/support/qualifications.js';
import { sweepOverdue } from '../../jobs/sweep.js';
import { payOrder } from '../billing/billing.orders.js';
import { topUpBalance } from '../billing/billing.ledger.js';
import { purchaseNumber } from '../numbers/numbers.service.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import { provisionInstance } from './instances.provision.js';
import { findInstance, numbersOfInstances } from './instances.queries.js';
import { createInstance } from './instances.service.js';

const world = withAcmeAndBeta();
const as = (t: TenantFixture) => world.w.ctx(t.admin);
const DAY = 86_400;

const bindingOf = (numberId: string) => world.w.db.selectFrom('flow_numbers').selectAll().where('number_id', '=', numberId).executeTakeFirst();

describe('I1/I4: an instance whose number goes back to stock', () => {
  it('I1/I4: term and grace pass → the instance keeps RUNNING without a number, the binding is gone, another tenant buys the number and creates an instance with it', async () => {
    const { acme, beta } = world;
    const { instance, number } = await runningInstance(world.w, acme);
    expect(await bindingOf(number.id)).toBeDefined();

    // the term ends (no auto-renew): EXPIRED, still the instance's; then the grace ends: back to stock
    world.w.clock.advance(Math.ceil((number.term_end!.getTime() - world.w.clock.now().getTime()) / 1000));
    await sweepOverdue(world.w.ctx(null));
    expect((await findInstance(as(acme), instance.id))?.number_id).toBe(number.id);
    world.w.clock.advance(world.w.ctx().settings.expiryGraceDays * DAY);
    await sweepOverdue(world.w.ctx(null));

    const stock = await world.w.db.selectFrom('numbers').selectAll().where('id', '=', number.id).executeTakeFirstOrThrow();
    expect(stock).toMatchObject({ status: 'AVAILABLE', tenant_id: null, instance_id: null });
    const after = await findInstance(as(acme), instance.id);
    expect(after).toMatchObject({ status: 'RUNNING', number_id: null, updated_at: world.w.clock.now() });
    expect(await bindingOf(number.id)).toBeUndefined();
    expect(await numbersOfInstances(as(acme), [instance.id])).toEqual([]);
    const events = await readableEvents(world.w.db, { types: ['INSTANCE_UPDATED'], subjectId: instance.id });
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ instanceId: instance.id, numberReleased: { numberId: number.id, e164: number.e164, reason: 'GRACE_ENDED' } }),
    ]);
    const unbound = await readableEvents(world.w.db, { types: ['FLOW_NUMBERS_CHANGED'] });
    expect(unbound.map((e) => e.payload)).toContainEqual(expect.objectContaining({ instanceId: instance.id, change: 'UNBOUND', numberIds: [number.id] }));

    // Beta buys the number and makes it the number of its own instance
    const qualificationId = await filedQualification(world.w, beta);
    const { order } = await purchaseNumber(as(beta), { numberId: number.id, qualificationId, callType: 'INBOUND_ONLY' });
    await topUpBalance(world.w.ctx(), { tenantId: beta.tenantId, amount: order.total });
    await payOrder(as(beta), order.id);
    const created = await createInstance(as(beta), { name: 'Second owner', accessSlug: `second-owner-${process.pid}`, numberId: number.id });
    world.w.clock.advance(world.w.ctx().settings.instanceProvisionSeconds);
    const running = await provisionInstance(world.w.ctx(null), created.id);
    expect(running).toMatchObject({ status: 'RUNNING', number_id: number.id, tenant_id: beta.tenantId });
    expect(await bindingOf(number.id)).toMatchObject({ instance_id: created.id, tenant_id: beta.tenantId });
    // Acme's instance does not get the number back, nor sees Beta's
    expect((await findInstance(as(acme), instance.id))?.number_id).toBeNull();
    expect(await findInstance(as(acme), created.id)).toBeNull();
  });

  it('I1: a CREATING instance whose number goes back to stock before provisioning loses it and becomes FAILED with the reason', async () => {
    const { acme } = world;
    const number = await activeNumber(world.w, acme.tenantId);
    const creating = await createInstance(as(acme), { name: 'Too late', accessSlug: `too-late-${process.pid}`, numberId: number.id });
    // the number is past its grace (as if its term had ended long ago): the term sweep releases it
    await world.w.db.updateTable('numbers').set({ status: 'EXPIRED', grace_until: world.w.clock.now() }).where('id', '=', number.id).execute();
    await sweepOverdue(world.w.ctx(null));
    expect(await findInstance(as(acme), creating.id)).toMatchObject({ status: 'CREATING', number_id: null });
    world.w.clock.advance(world.w.ctx().settings.instanceProvisionSeconds);
    await sweepOverdue(world.w.ctx(null));
    const failed = await findInstance(as(acme), creating.id);
    expect(failed).toMatchObject({ status: 'FAILED', number_id: null });
    expect(failed?.failure_reason).toMatch(/went back to stock/);
  });
});
