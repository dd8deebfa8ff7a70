// N4: terms, auto-renew, renewal and expiry.
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { findScoped, requireTenantAdmin, systemDb } from '../../access/scope.js';
import { SYSTEM } from '../../access/actor.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { Sweep } from '../../jobs/sweep.js';
import { createOrder, listTariffs, lockBalance, settleOrder, type OrderLineEffect } from '../billing/billing.service.js';
import type { Order } from '../billing/billing.table.js';
import { money } from '../billing/money.js';
import { addMonths, describeNumber, emitStatus, releaseToStock, RENEWAL_MONTHS, tariffCodeFor } from './numbers.status.js';
import type { NumberRow } from './numbers.table.js';

/** The job's name; its handler is registered by the module (numbers.module.ts). */
export const TERM_CHECK_TASK = 'numbers.termCheck';

/** Safety net of the term job: ACTIVE numbers past their term, EXPIRED numbers past their grace. */
export const sweepNumberTerms: Sweep = async (ctx) => {
  const now = ctx.clock.now();
  const overdue = await systemDb(ctx)
    .selectFrom('numbers')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'ACTIVE'), eb('term_end', '<=', now)]), eb.and([eb('status', '=', 'EXPIRED'), eb('grace_until', '<=', now)])]))
    .execute();
  for (const n of overdue) await checkNumberTerm(ctx, n.id);
  return overdue.length;
};

/** One job per number (by key): at term end it renews or expires; at grace end it releases. */
export async function scheduleTermCheck(tx: Tx, numberId: string, runAt: Date): Promise<void> {
  await scheduleJob(tx, TERM_CHECK_TASK, { numberId }, { runAt, jobKey: `number-term:${numberId}` });
}

/**
 * A RESERVED number of a tenant becomes ACTIVE with its first term of `months` from now (paid
 * purchase, N2; completed application, N3); the order line, when given, gets the period.
 */
export async function startFirstTerm(
  tx: Tx,
  n: NumberRow,
  months: number,
  orderLineId: string | null,
  reason: string,
  extra: Record<string, unknown>,
): Promise<NumberRow> {
  const termEnd = await addMonths(tx, tx.now, months, n.tenant_id!);
  const active = await tx.trx
    .updateTable('numbers')
    .set({ status: 'ACTIVE', term_start: tx.now, term_end: termEnd, reserved_until: null, updated_at: tx.now })
    .where('id', '=', n.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (orderLineId) await tx.trx.updateTable('order_lines').set({ period_start: tx.now, period_end: termEnd }).where('id', '=', orderLineId).execute();
  await scheduleTermCheck(tx, n.id, termEnd);
  await emitStatus(tx, active, 'RESERVED', reason, { ...extra, termEnd });
  return active;
}

export type TermOutcome = 'RENEWED' | 'EXPIRED' | 'RELEASED' | 'NOTHING';

/**
 * N4: at the end of a term, an auto-renewing number with enough balance is renewed for a month
 * (a PAID renewal order, a ledger entry); otherwise it becomes EXPIRED, stays the tenant's for
 * `expiryGraceDays` (it can be renewed by hand), and then goes back to stock.
 */
export async function checkNumberTerm(ctx: ServiceContext, numberId: string): Promise<TermOutcome> {
  return inTransaction(ctx, async (tx) => {
    const n = await lockRow(tx, 'numbers', numberId);
    if (!n || !n.tenant_id) return 'NOTHING';
    if (n.status === 'ACTIVE' && n.term_end && n.term_end <= tx.now) {
      let reason = 'NOT_RENEWED';
      if (n.auto_renew) {
        const [tariff] = await listTariffs({ db: tx.trx, actor: SYSTEM }, [tariffCodeFor(n)]);
        const price = money(tariff!.amount).times(RENEWAL_MONTHS);
        if ((await lockBalance(tx, n.tenant_id)).gte(price)) {
          const { order } = await createOrder(tx, { tenantId: n.tenant_id, kind: 'RENEWAL', lines: [renewalLine(n, RENEWAL_MONTHS, 'automatic')] });
          await settleOrder(tx, ctx, order);
          return 'RENEWED';
        }
        reason = 'INSUFFICIENT_BALANCE';
      }
      const graceUntil = new Date(n.term_end.getTime() + ctx.settings.expiryGraceDays * 86_400_000);
      const expired = await tx.trx
        .updateTable('numbers')
        .set({ status: 'EXPIRED', grace_until: graceUntil, updated_at: tx.now })
        .where('id', '=', n.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await scheduleTermCheck(tx, n.id, graceUntil);
      await emitStatus(tx, expired, 'ACTIVE', reason, { termEnd: n.term_end, graceUntil });
      return 'EXPIRED';
    }
    if (n.status === 'EXPIRED' && n.grace_until && n.grace_until <= tx.now) {
      await releaseToStock(tx, n, 'GRACE_ENDED');
      return 'RELEASED';
    }
    return 'NOTHING';
  });
}

function renewalLine(n: NumberRow, months: number, how: string) {
  return {
    kind: 'NUMBER_RENEWAL',
    tariffCode: tariffCodeFor(n),
    quantity: months,
    numberId: n.id,
    description: `${describeNumber(n)}, ${how} renewal for ${months} month${months > 1 ? 's' : ''}`,
  };
}

/** Paying a renewal extends the term from its old end (an EXPIRED number in grace becomes ACTIVE again). */
export const renewalLinePaid: OrderLineEffect = async (tx, _ctx, order, line) => {
  const n = await lockRow(tx, 'numbers', line.number_id!);
  if (!n || n.tenant_id !== order.tenant_id || (n.status !== 'ACTIVE' && n.status !== 'EXPIRED') || !n.term_end)
    throw new ConflictError('NUMBER_NOT_RENEWABLE', 'the number is no longer the tenant’s to renew', 'orderId');
  const termEnd = await addMonths(tx, n.term_end, line.quantity, order.tenant_id);
  const renewed = await tx.trx
    .updateTable('numbers')
    .set({ status: 'ACTIVE', term_end: termEnd, grace_until: null, updated_at: tx.now })
    .where('id', '=', n.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.trx.updateTable('order_lines').set({ period_start: n.term_end, period_end: termEnd }).where('id', '=', line.id).execute();
  await scheduleTermCheck(tx, n.id, termEnd);
  await tx.emit({
    type: 'NUMBER_RENEWED',
    tenantId: n.tenant_id,
    subjectId: n.id,
    payload: { e164: n.e164, orderId: order.id, previousTermEnd: n.term_end, termEnd },
  });
  if (n.status !== 'ACTIVE') await emitStatus(tx, renewed, n.status, 'RENEWED', { orderId: order.id, termEnd });
};

/** An owned number of the key's tenant, locked for a change. */
async function lockOwnNumber(tx: Tx, ctx: ServiceContext, numberId: string): Promise<NumberRow> {
  const n = await findScoped({ db: tx.trx, actor: ctx.actor }, 'numbers', numberId, { forUpdate: true });
  if (!n?.tenant_id) throw new NotFoundError('number', 'numberId');
  return n;
}

/** N4: the tenant renews by hand (ahead of time, or while EXPIRED in grace): an UNPAID renewal order. */
export async function renewNumber(ctx: ServiceContext, numberId: string, months = RENEWAL_MONTHS): Promise<Order> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN renews numbers');
  if (!Number.isInteger(months) || months < 1 || months > 36) throw new ValidationError('months', 'months must be between 1 and 36');
  return inTransaction(ctx, async (tx) => {
    const n = await lockOwnNumber(tx, ctx, numberId);
    if ((n.status !== 'ACTIVE' && n.status !== 'EXPIRED') || !n.term_end)
      throw new ConflictError('NUMBER_NOT_RENEWABLE', `${n.e164} is ${n.status}: only ACTIVE or EXPIRED numbers are renewed`, 'numberId');
    const expiresAt = n.status === 'EXPIRED' ? n.grace_until : n.term_end;
    const { order } = await createOrder(tx, { tenantId: n.tenant_id!, kind: 'RENEWAL', expiresAt, lines: [renewalLine(n, months, 'manual')] });
    return order;
  });
}

/** N4: the auto-renew flag of an owned number. */
export async function setAutoRenew(ctx: ServiceContext, numberId: string, autoRenew: boolean): Promise<NumberRow> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN changes auto-renew');
  return inTransaction(ctx, async (tx) => {
    const n = await lockOwnNumber(tx, ctx, numberId);
    if (n.auto_renew === autoRenew) return n;
    const updated = await tx.trx
      .updateTable('numbers')
      .set({ auto_renew: autoRenew, updated_at: tx.now })
      .where('id', '=', n.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.emit({ type: 'NUMBER_AUTO_RENEW_CHANGED', tenantId: n.tenant_id, subjectId: n.id, payload: { e164: n.e164, autoRenew } });
    return updated;
  });
}
