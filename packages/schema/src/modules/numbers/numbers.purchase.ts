// N2: buying an inbound-only number from stock.
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { characterCount } from '../../shared/text.js';
import { findScoped, requireTenantAdmin, UUID } from '../../access/scope.js';
import { requireApprovedQualification } from '../qualifications/qualifications.service.js';
import { createOrder, type OrderLineEffect } from '../billing/billing.service.js';
import type { Order } from '../billing/billing.table.js';
import { describeNumber, emitStatus, firstTermMonths, releaseToStock, tariffCodeFor } from './numbers.status.js';
import { startFirstTerm } from './numbers.terms.js';
import type { CallType, NumberRow } from './numbers.table.js';

// ---------------------------------------------------------------------------------------------
// The hook the instances module fills (composeModules): purchases and applications name a target
// instance, which must be the tenant's and RUNNING.

/** Throws a typed error naming `field` when the instance may not receive the tenant's numbers. */
export type InstanceValidator = (tx: Tx, tenantId: string, instanceId: string, field: string) => Promise<void>;
let instanceValidator: InstanceValidator | null = null;
export function setInstanceValidator(fn: InstanceValidator | null): void {
  instanceValidator = fn;
}

/** The target instance of a purchase or an application, checked in the caller's transaction. */
export async function checkTargetInstance(tx: Tx, tenantId: string, instanceId: string, field: string): Promise<void> {
  if (!UUID.test(instanceId)) throw new NotFoundError('instance', field);
  await instanceValidator?.(tx, tenantId, instanceId, field);
}

export interface PurchaseInput {
  numberId: string;
  qualificationId: string;
  callType: CallType;
  instanceId?: string | null;
  autoRenew?: boolean | null;
}

/**
 * N2: one available number per operation, reserved at once (until now + reservationMinutes) with an
 * UNPAID order; paying the order makes it ACTIVE. Of two tenants racing for it, one gets it.
 */
export async function purchaseNumber(ctx: ServiceContext, input: PurchaseInput): Promise<{ number: NumberRow; order: Order }> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN buys numbers');
  if (input.callType !== 'INBOUND_ONLY')
    throw new ValidationError('callType', 'INBOUND_OUTBOUND numbers are applied for and reviewed (N3), not bought directly', 'APPLICATION_REQUIRED');
  const instanceId = input.instanceId?.trim() || null;
  if (instanceId && characterCount(instanceId) > 200) throw new ValidationError('instanceId', 'instanceId is too long');
  // A number held by another tenant is not visible (READ_POLICY): it is refused exactly as a missing one.
  const number = await findScoped(ctx, 'numbers', input.numberId);
  if (!number || number.status !== 'AVAILABLE') throw notAvailable();
  await requireApprovedQualification(ctx, input.qualificationId, number.type === 'TOLL_FREE_400' ? 'TOLL_FREE_400' : 'STANDARD', tenantId);
  return inTransaction(ctx, async (tx) => {
    if (instanceId) await checkTargetInstance(tx, tenantId, instanceId, 'instanceId');
    const reservedUntil = new Date(tx.now.getTime() + ctx.settings.reservationMinutes * 60_000);
    // The status condition makes the reservation atomic: a concurrent buyer's update finds no row.
    const reserved = await tx.trx
      .updateTable('numbers')
      .set({
        status: 'RESERVED',
        tenant_id: tenantId,
        qualification_id: input.qualificationId,
        instance_id: instanceId,
        call_type: 'INBOUND_ONLY',
        auto_renew: input.autoRenew ?? false,
        reserved_until: reservedUntil,
        updated_at: tx.now,
      })
      .where('id', '=', number.id)
      .where('status', '=', 'AVAILABLE')
      .returningAll()
      .executeTakeFirst();
    if (!reserved) throw notAvailable();
    const months = firstTermMonths(reserved);
    const { order } = await createOrder(tx, {
      tenantId,
      kind: 'PURCHASE',
      expiresAt: reservedUntil,
      lines: [
        {
          kind: 'NUMBER_PURCHASE',
          tariffCode: tariffCodeFor(reserved),
          quantity: months,
          numberId: reserved.id,
          description: `${describeNumber(reserved)}, first term ${months} month${months > 1 ? 's' : ''}`,
        },
      ],
    });
    await emitStatus(tx, reserved, 'AVAILABLE', 'RESERVED_FOR_ORDER', { orderId: order.id, reservedUntil });
    return { number: reserved, order };
  });
}

const notAvailable = () => new ConflictError('NUMBER_NOT_AVAILABLE', 'this number is not available to buy', 'numberId');

/** Paying a purchase: the reservation becomes an ACTIVE number of the tenant with its first term. */
export const purchaseLinePaid: OrderLineEffect = async (tx, _ctx, order, line) => {
  const n = await lockRow(tx, 'numbers', line.number_id!);
  if (!n || n.status !== 'RESERVED' || n.tenant_id !== order.tenant_id) throw new ConflictError('NUMBER_NOT_AVAILABLE', 'the reserved number is no longer held for this order', 'orderId');
  await startFirstTerm(tx, n, line.quantity, line.id, 'ORDER_PAID', { orderId: order.id });
};

/** An unpaid purchase that is cancelled or expires gives the number back to stock. */
export const purchaseLineClosed: OrderLineEffect = async (tx, _ctx, order, line) => {
  const n = await lockRow(tx, 'numbers', line.number_id!);
  if (!n || n.status !== 'RESERVED' || n.tenant_id !== order.tenant_id || n.application_id) return;
  await releaseToStock(tx, n, order.status === 'EXPIRED' ? 'RESERVATION_EXPIRED' : 'ORDER_CANCELLED', { orderId: order.id });
};

