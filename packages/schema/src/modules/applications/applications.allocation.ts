// N3: allocation from stock, the order, payment and activation; closing an application.
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { closeOrder, createOrder, moveBalance, type OrderLineEffect } from '../billing/billing.service.js';
import { money } from '../billing/money.js';
import {
  describeNumber,
  emitStatus as emitNumberStatus,
  firstTermMonths,
  releaseToStock,
  startFirstTerm,
  tariffCodeFor,
} from '../numbers/numbers.service.js';
import type { NumberRow, NumberType, TollFreeTier } from '../numbers/numbers.table.js';
import { queueEmail } from '../outbox/outbox.service.js';
import type { UnsubscribeCheck } from '../numbers/unsubscribe.service.js';
import { changeApplication, lockApplicationById, ORDER_KIND, ORDER_LINE_KIND } from './applications.status.js';
import type { NumberApplication } from './applications.table.js';

/** The job's name; its handler is registered by the module (applications.module.ts). */
export const ACTIVATE_TASK = 'applications.activate';

/** Stock of a type (and 400 tier) in one region: what an application is allocated from. */
export function availableInRegion(tx: Tx, f: { type: NumberType; tier: TollFreeTier | null; province: string; city: string }) {
  let q = tx.trx.selectFrom('numbers').where('status', '=', 'AVAILABLE').where('type', '=', f.type).where('province', '=', f.province).where('city', '=', f.city);
  if (f.tier) q = q.where('tier', '=', f.tier);
  return q;
}

/**
 * N3: takes the numbers from the region's stock (RESERVED for the tenant, held for the
 * application), creates the order priced from the tariffs, and writes the payment email. Without
 * enough stock the application stays APPROVED / APPROVED with the reason; an OPERATOR retries.
 */
export async function allocateApplicationNumbers(ctx: ServiceContext, id: string): Promise<NumberApplication> {
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplicationById(tx, id);
    if (!app) throw new NotFoundError('number application', 'id');
    if (app.status !== 'APPROVED' || app.number_status !== 'APPROVED') return app;
    const picked = await availableInRegion(tx, { type: app.number_type, tier: app.tier, province: app.province, city: app.city })
      .selectAll()
      .orderBy('e164')
      .limit(app.quantity)
      .forUpdate()
      .skipLocked()
      .execute();
    if (picked.length < app.quantity) {
      const reason = `no stock: ${picked.length} of ${app.quantity} ${app.tier ? `${app.tier} ` : ''}${app.number_type} number(s) available in ${app.province} ${app.city}; an OPERATOR retries the allocation after importing numbers`;
      if (app.status_reason === reason) return app;
      return changeApplication(tx, app, { status_reason: reason }, reason);
    }
    const allocating = await changeApplication(tx, app, { number_status: 'ALLOCATING', status_reason: null }, null);
    const held: NumberRow[] = [];
    for (const n of picked) {
      const reserved = await tx.trx
        .updateTable('numbers')
        .set({
          status: 'RESERVED',
          tenant_id: app.tenant_id,
          qualification_id: app.qualification_id,
          instance_id: app.instance_id,
          application_id: app.id,
          call_type: app.call_type,
          reserved_until: null,
          updated_at: tx.now,
        })
        .where('id', '=', n.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await emitNumberStatus(tx, reserved, 'AVAILABLE', 'ALLOCATED_TO_APPLICATION', { applicationId: app.id, ticketNo: app.ticket_no });
      held.push(reserved);
    }
    // Unpaid application orders do not expire: the numbers stay held until paid, or the application closes.
    const { order } = await createOrder(tx, {
      tenantId: app.tenant_id,
      kind: ORDER_KIND,
      lines: held.map((n) => {
        const months = firstTermMonths(n);
        return {
          kind: ORDER_LINE_KIND,
          tariffCode: tariffCodeFor(n),
          quantity: months,
          numberId: n.id,
          subjectId: app.id,
          description: `${describeNumber(n)}, first term ${months} month${months > 1 ? 's' : ''} (application ${app.ticket_no})`,
        };
      }),
    });
    const delivered = await changeApplication(tx, allocating, { number_status: 'DELIVERED', status: 'PENDING_PAYMENT', order_id: order.id }, null);
    await queueEmail(tx, {
      tenantId: app.tenant_id,
      to: app.contact_email,
      subjectId: app.id,
      subject: `Number application ${app.ticket_no} approved: please pay order ${order.order_no}`,
      body: [
        `Dear ${app.contact_name},`,
        '',
        `your number application ${app.ticket_no} (applied ${app.applied_at.toISOString()}) has been approved and these numbers are held for you:`,
        ...held.map((n) => `  - ${n.e164} (${n.province} ${n.city})`),
        '',
        `Please pay order ${order.order_no}, total ${order.total} CNY, in the console (Orders → Pay) to put them into service.`,
        ...(app.materials_status === 'PENDING' || app.materials_status === 'REJECTED'
          ? [
              '',
              `Reminder: submit the handler's materials by ${app.materials_due_at!.toISOString()}, otherwise the number is released and the application closes.`,
            ]
          : []),
      ].join('\n'),
    });
    return delivered;
  });
}

/** Paying the order: the numbers start taking effect; an activation job follows after a short delay. */
/** A paid application order line: its numbers take effect (registered by applications.module.ts). */
export const applicationLinePaid: OrderLineEffect = async (tx, ctx, order, line) => {
  const app = line.subject_id ? await lockApplicationById(tx, line.subject_id) : undefined;
  if (!app || app.order_id !== order.id) throw new ConflictError('INVALID_STATUS', 'the order no longer belongs to a number application', 'orderId');
  if (app.status === 'CLOSED') throw new ConflictError('APPLICATION_CLOSED', `application ${app.ticket_no} is closed: ${app.status_reason}`, 'orderId');
  if (app.number_status !== 'DELIVERED') return; // an earlier line of the same order did it
  const paid = await changeApplication(tx, app, { number_status: 'TAKING_EFFECT', paid_at: tx.now }, null);
  await scheduleActivation(tx, ctx, paid);
};

/** A cancelled application order gives its numbers back and closes the application. */
/** A cancelled or expired application order: the application closes. */
export const applicationLineClosed: OrderLineEffect = async (tx, ctx, order, line) => {
  const app = line.subject_id ? await lockApplicationById(tx, line.subject_id) : undefined;
  if (!app || app.status === 'CLOSED') return;
  await closeApplication(tx, ctx, app, `order ${order.order_no} ${order.status.toLowerCase()}`);
};

/** N3 + N6: activation waits for payment and, for a 400 number, for the carrier's approval of the materials. */
export async function scheduleActivation(tx: Tx, ctx: ServiceContext, app: NumberApplication): Promise<void> {
  if (app.number_status !== 'TAKING_EFFECT') return;
  if (app.materials_status !== 'NOT_REQUIRED' && app.materials_status !== 'APPROVED') return;
  const runAt = new Date(tx.now.getTime() + ctx.settings.numberActivationSeconds * 1000);
  await scheduleJob(tx, ACTIVATE_TASK, { applicationId: app.id }, { runAt, jobKey: `application-activate:${app.id}` });
}

/** N3: the held numbers become ACTIVE with their first term; the application is COMPLETED. */
export async function activateApplicationNumbers(ctx: ServiceContext, id: string): Promise<NumberApplication | null> {
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplicationById(tx, id);
    if (!app || app.number_status !== 'TAKING_EFFECT') return app ?? null;
    if (app.materials_status !== 'NOT_REQUIRED' && app.materials_status !== 'APPROVED') return app;
    const held = await tx.trx
      .selectFrom('numbers')
      .selectAll()
      .where('application_id', '=', app.id)
      .where('status', '=', 'RESERVED')
      .orderBy('e164')
      .forUpdate()
      .execute();
    const lines = await tx.trx.selectFrom('order_lines').selectAll().where('order_id', '=', app.order_id!).execute();
    for (const n of held) {
      const line = lines.find((l) => l.number_id === n.id);
      const months = line?.quantity ?? firstTermMonths(n);
      await startFirstTerm(tx, n, months, line?.id ?? null, 'APPLICATION_COMPLETED', { applicationId: app.id, ticketNo: app.ticket_no });
    }
    return changeApplication(tx, app, { number_status: 'ACTIVE', status: 'COMPLETED', completed_at: tx.now }, null);
  });
}

/** N7: a number still on its way through an application (paid, not yet ACTIVE) cannot be unsubscribed. */
/** A number reserved for an application still in progress cannot be unsubscribed. */
export const applicationInProgressCheck: UnsubscribeCheck = async (tx, n) => {
  if (!n.application_id || n.status !== 'RESERVED') return null;
  const app = await tx.trx.selectFrom('number_applications').select(['ticket_no', 'status', 'number_status']).where('id', '=', n.application_id).executeTakeFirst();
  if (!app) return null;
  return {
    code: 'APPLICATION_IN_PROGRESS',
    reason: `${n.e164} is being delivered by application ${app.ticket_no} (${app.status}/${app.number_status}); it can be unsubscribed once ACTIVE`,
  };
};


/**
 * Closes an application: held numbers go back to stock, an unpaid order is cancelled, a paid one
 * is refunded to the balance (the numbers never took effect).
 */
export async function closeApplication(tx: Tx, ctx: ServiceContext, app: NumberApplication, reason: string): Promise<NumberApplication> {
  const held = await tx.trx.selectFrom('numbers').selectAll().where('application_id', '=', app.id).where('status', '=', 'RESERVED').forUpdate().execute();
  const closed = await changeApplication(
    tx,
    app,
    { status: 'CLOSED', number_status: held.length ? 'RELEASED' : app.number_status, status_reason: reason, closed_at: tx.now },
    reason,
  );
  for (const n of held) await releaseToStock(tx, n, 'APPLICATION_CLOSED', { applicationId: app.id, ticketNo: app.ticket_no });
  if (app.order_id) {
    const order = await lockRow(tx, 'orders', app.order_id);
    if (order?.status === 'UNPAID') await closeOrder(tx, ctx, order, 'CANCELLED');
    else if (order?.status === 'PAID' && !money(order.total).isZero())
      await moveBalance(tx, {
        tenantId: app.tenant_id,
        amount: money(order.total),
        kind: 'ADJUSTMENT',
        reference: order.order_no,
        description: `refund: application ${app.ticket_no} closed (${reason})`,
        orderId: order.id,
      });
  }
  return closed;
}

