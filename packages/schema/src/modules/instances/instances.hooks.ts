// What the instances module tells the numbers and applications modules (registered by modules.ts).
import { ConflictError, NotFoundError } from '../../errors.js';
import type { InstanceValidator } from '../numbers/numbers.purchase.js';
import type { NumberReleaseHook } from '../numbers/numbers.status.js';
import { emitFlowNumbersChanged } from './flows.service.js';
import { emitInstanceEvent } from './instances.status.js';
import type { UnsubscribeCheck } from '../numbers/unsubscribe.service.js';

/**
 * Purchases and applications that name an instance: it must be the tenant's (another tenant's is
 * NOT_FOUND, like a missing one) and RUNNING. The row is share-locked, so it cannot be deleted
 * before the caller's transaction ends.
 */
export const targetInstanceCheck: InstanceValidator = async (tx, tenantId, instanceId, field) => {
  const i = await tx.trx
    .selectFrom('instances')
    .select(['name', 'status'])
    .where('id', '=', instanceId)
    .where('tenant_id', '=', tenantId)
    .forShare()
    .executeTakeFirst();
  if (!i) throw new NotFoundError('instance', field);
  if (i.status !== 'RUNNING')
    throw new ConflictError('INVALID_STATUS', `instance '${i.name}' is ${i.status}: numbers are bought and applied for a RUNNING instance`, field);
};

/**
 * N7 with I1/I3: an instance's own number, or a number bound to an instance's flow, cannot be
 * unsubscribed; the reason names the instance (and the flow).
 */
export const instanceNumberCheck: UnsubscribeCheck = async (tx, n) => {
  const own = await tx.trx.selectFrom('instances').select('name').where('number_id', '=', n.id).where('tenant_id', '=', n.tenant_id!).executeTakeFirst();
  if (own) return { code: 'INSTANCE_PRIMARY_NUMBER', reason: `${n.e164} is the number of instance '${own.name}': delete the instance to free it` };
  const bound = await tx.trx
    .selectFrom('flow_numbers')
    .innerJoin('ivr_flows', 'ivr_flows.id', 'flow_numbers.flow_id')
    .innerJoin('instances', 'instances.id', 'flow_numbers.instance_id')
    .select(['ivr_flows.name as flow', 'instances.name as instance'])
    .where('flow_numbers.number_id', '=', n.id)
    .where('flow_numbers.tenant_id', '=', n.tenant_id!)
    .executeTakeFirst();
  if (bound)
    return { code: 'INSTANCE_FLOW_BINDING', reason: `${n.e164} is bound to flow '${bound.flow}' of instance '${bound.instance}': unbind it first` };
  return null;
};

/**
 * A number goes back to stock (term and grace over, unsubscribed, a reservation ended): it answers
 * no flow any more, and an instance whose own number it was runs on without one, so the next
 * tenant holding the number can create an instance with it. Both changes are events.
 */
export const instanceNumberReleased: NumberReleaseHook = async (tx, n, reason) => {
  const binding = await tx.trx.deleteFrom('flow_numbers').where('number_id', '=', n.id).returningAll().executeTakeFirst();
  if (binding)
    await emitFlowNumbersChanged(tx, { id: binding.flow_id, tenant_id: binding.tenant_id, instance_id: binding.instance_id }, 'UNBOUND', [n.id], {
      reason: 'NUMBER_RELEASED',
    });
  const owner = await tx.trx.updateTable('instances').set({ number_id: null, updated_at: tx.now }).where('number_id', '=', n.id).returningAll().executeTakeFirst();
  if (owner) await emitInstanceEvent(tx, 'INSTANCE_UPDATED', owner, { numberReleased: { numberId: n.id, e164: n.e164, reason } });
};
