// M1: orders: lines priced from the tariff table; what paying or closing a line does belongs to the
// module that sells it (numbers, applications, voice packages) and is registered here.
import type { ServiceContext } from '../../context.js';
import { serialNumber } from '../../db/serial-numbers.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { ConflictError, ForbiddenError } from '../../errors.js';
import { lockScoped, requireActor, requireTenantAdmin, scopedFrom, systemDb } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { Sweep } from '../../jobs/sweep.js';
import { moveBalance } from './billing.ledger.js';
import type { Order, OrderKind, OrderLine, OrderLineKind, OrderStatus } from './billing.table.js';
import { formatMoney, money } from './money.js';

export type OrderLineEffect = (tx: Tx, ctx: ServiceContext, order: Order, line: OrderLine) => Promise<void>;
const paidEffects = new Map<string, OrderLineEffect>();
const closedEffects = new Map<string, OrderLineEffect>();

/** What a paid line of this kind does (e.g. activate the number). Every sold kind must have one. */
export function onOrderLinePaid(kind: OrderLineKind, effect: OrderLineEffect): void {
  paidEffects.set(kind, effect);
}

/** What a cancelled or expired line of this kind undoes (e.g. release the reservation). */
export function onOrderLineClosed(kind: OrderLineKind, effect: OrderLineEffect): void {
  closedEffects.set(kind, effect);
}

export interface NewOrderLine {
  kind: OrderLineKind;
  tariffCode: string;
  quantity: number;
  description: string;
  numberId?: string | null;
  subjectId?: string | null;
  periodStart?: Date | null;
  periodEnd?: Date | null;
}

/** The job's name; its handler is registered by the module (billing.module.ts). */
export const EXPIRE_ORDER_TASK = 'billing.expireOrder';

/** Creates an UNPAID order in the caller's transaction; with `expiresAt` a job expires it then. */
export async function createOrder(
  tx: Tx,
  input: { tenantId: string; kind: OrderKind; lines: NewOrderLine[]; expiresAt?: Date | null },
): Promise<{ order: Order; lines: OrderLine[] }> {
  if (!input.lines.length) throw new Error('an order needs at least one line');
  const codes = [...new Set(input.lines.map((l) => l.tariffCode))];
  const tariffs = new Map((await tx.trx.selectFrom('tariffs').selectAll().where('code', 'in', codes).execute()).map((t) => [t.code, t]));
  const priced = input.lines.map((l) => {
    const tariff = tariffs.get(l.tariffCode);
    if (!tariff) throw new Error(`no tariff ${l.tariffCode}`);
    if (!Number.isInteger(l.quantity) || l.quantity <= 0) throw new Error('order line quantity must be a positive integer');
    return { line: l, unitPrice: money(tariff.amount), amount: money(tariff.amount).times(l.quantity) };
  });
  const total = priced.reduce((sum, p) => sum.plus(p.amount), money(0));
  const orderNo = await serialNumber(tx, 'order_no_seq', 'ORD', tx.now.toISOString().slice(0, 10));
  const order = await tx.trx
    .insertInto('orders')
    .values({
      order_no: orderNo,
      tenant_id: input.tenantId,
      kind: input.kind,
      status: 'UNPAID',
      total: formatMoney(total),
      expires_at: input.expiresAt ?? null,
      created_at: tx.now,
      updated_at: tx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const lines = await tx.trx
    .insertInto('order_lines')
    .values(
      priced.map((p, i) => ({
        order_id: order.id,
        tenant_id: input.tenantId,
        position: i + 1,
        kind: p.line.kind,
        tariff_code: p.line.tariffCode,
        description: p.line.description,
        quantity: p.line.quantity,
        unit_price: formatMoney(p.unitPrice),
        amount: formatMoney(p.amount),
        number_id: p.line.numberId ?? null,
        subject_id: p.line.subjectId ?? null,
        period_start: p.line.periodStart ?? null,
        period_end: p.line.periodEnd ?? null,
        created_at: tx.now,
      })),
    )
    .returningAll()
    .execute();
  await emitOrderStatus(tx, order, null);
  if (input.expiresAt) await scheduleJob(tx, EXPIRE_ORDER_TASK, { orderId: order.id }, { runAt: input.expiresAt, jobKey: `order-expiry:${order.id}` });
  return { order, lines: lines.sort((a, b) => a.position - b.position) };
}

/**
 * Pays a locked UNPAID order from the balance: the lines' effects first (they lock their own rows,
 * always before the balance, so that jobs and payments lock in one order), then the debit.
 */
export async function settleOrder(tx: Tx, ctx: ServiceContext, order: Order, opts: { allowArrears?: boolean } = {}): Promise<Order> {
  const lines = await tx.trx.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
  const paid = await tx.trx
    .updateTable('orders')
    .set({ status: 'PAID', paid_at: tx.now, updated_at: tx.now })
    .where('id', '=', order.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const line of lines) {
    const effect = paidEffects.get(line.kind);
    if (!effect) throw new Error(`no effect registered for order lines of kind ${line.kind}`);
    await effect(tx, ctx, paid, line);
  }
  const total = money(order.total);
  if (!total.isZero())
    await moveBalance(tx, {
      tenantId: order.tenant_id,
      amount: total.negated(),
      kind: 'ORDER_PAYMENT',
      reference: order.order_no,
      orderId: order.id,
      createdBy: ctx.actor?.userId ?? null,
      allowArrears: opts.allowArrears ?? false,
    });
  await emitOrderStatus(tx, paid, order.status);
  return paid;
}

const lockOrder = (tx: Tx, ctx: ServiceContext, orderId: string) => lockScoped(tx, ctx.actor, 'orders', orderId, 'order', 'orderId');

function requireUnpaid(order: Order, now: Date): void {
  if (order.status !== 'UNPAID') throw new ConflictError('ORDER_NOT_PAYABLE', `order ${order.order_no} is ${order.status}`, 'orderId');
  if (order.expires_at && order.expires_at <= now) throw new ConflictError('ORDER_EXPIRED', `order ${order.order_no} expired at ${order.expires_at.toISOString()}`, 'orderId');
}

/** M1: pays the order from the tenant's balance, atomically; not enough money changes nothing. */
export async function payOrder(ctx: ServiceContext, orderId: string): Promise<Order> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN pays orders');
  return inTransaction(ctx, async (tx) => {
    const order = await lockOrder(tx, ctx, orderId);
    requireUnpaid(order, tx.now);
    return settleOrder(tx, ctx, order);
  });
}

/** The tenant gives up an unpaid order; what it held (a reserved number) goes back. */
export async function cancelOrder(ctx: ServiceContext, orderId: string): Promise<Order> {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'TENANT_ADMIN' && actor.role !== 'OPERATOR') throw new ForbiddenError();
  return inTransaction(ctx, async (tx) => {
    const order = await lockOrder(tx, ctx, orderId);
    if (order.status !== 'UNPAID') throw new ConflictError('ORDER_NOT_PAYABLE', `order ${order.order_no} is ${order.status}`, 'orderId');
    return closeOrder(tx, ctx, order, 'CANCELLED');
  });
}

/** Safety net of the expiry job: unpaid orders past their expiry (a reservation past reserved_until). */
export const sweepExpiredOrders: Sweep = async (ctx) => {
  const overdue = await systemDb(ctx).selectFrom('orders').select('id').where('status', '=', 'UNPAID').where('expires_at', '<=', ctx.clock.now()).execute();
  for (const o of overdue) await expireOrder(ctx, o.id);
  return overdue.length;
};

/** N2: an unpaid order past its expiry closes as EXPIRED (the job at expires_at runs this). */
export async function expireOrder(ctx: ServiceContext, orderId: string): Promise<Order | null> {
  return inTransaction(ctx, async (tx) => {
    const order = await lockRow(tx, 'orders', orderId);
    if (!order || order.status !== 'UNPAID' || !order.expires_at || order.expires_at > tx.now) return null;
    return closeOrder(tx, ctx, order, 'EXPIRED');
  });
}

export async function closeOrder(tx: Tx, ctx: ServiceContext, order: Order, status: 'CANCELLED' | 'EXPIRED'): Promise<Order> {
  const closed = await tx.trx
    .updateTable('orders')
    .set({ status, closed_at: tx.now, updated_at: tx.now })
    .where('id', '=', order.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const lines = await tx.trx.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
  for (const line of lines) await closedEffects.get(line.kind)?.(tx, ctx, closed, line);
  await emitOrderStatus(tx, closed, order.status);
  return closed;
}

async function emitOrderStatus(tx: Tx, order: Order, previousStatus: OrderStatus | null): Promise<void> {
  await tx.emit({
    type: 'ORDER_STATUS_CHANGED',
    tenantId: order.tenant_id,
    subjectId: order.id,
    payload: { orderNo: order.order_no, kind: order.kind, status: order.status, previousStatus, total: order.total },
  });
}

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

export function ordersQuery(ctx: ServiceContext, filter: { status?: OrderStatus | null } = {}) {
  let q = scopedFrom(ctx, 'orders').selectAll();
  if (filter.status) q = q.where('orders.status', '=', filter.status);
  return q;
}

export async function linesOf(ctx: ServiceContext, orderIds: readonly string[]): Promise<OrderLine[]> {
  if (!orderIds.length) return [];
  return scopedFrom(ctx, 'order_lines').selectAll().where('order_lines.order_id', 'in', [...orderIds]).orderBy('position').execute();
}
