// V1: the monthly function fee of voice numbers, charged by a durable job at 00:00 on the first of
// each month in the tenant's time zone, for every number open at that instant.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { systemDb } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { Sweep } from '../../jobs/sweep.js';
import { addCalendarMonths, monthBounds, monthInZone, type Month } from '../../shared/calendar.js';
import { createOrder, settleOrder, type NewOrderLine, type OrderLineEffect } from '../billing/billing.orders.js';
import type { Order } from '../billing/billing.table.js';
import type { VoiceNumber } from './voice.table.js';

/** The job's name; its handler is registered by the module list (modules.ts). */
export const MONTHLY_FEE_TASK = 'voice.monthlyFee';
export const VOICE_MONTHLY_FEE_ORDER = 'VOICE_MONTHLY_FEE';
/** Order and line kinds of V1 (M1: every yuan is a PAID order with lines). */
export const VOICE_NUMBER_FEE_LINE = 'VOICE_NUMBER_FEE';
export const VOICE_NUMBER_TARIFF = 'VOICE_NUMBER_MONTHLY';

/** The tenant's time zone, in which months of fees are counted. */
export async function tenantTimeZone(tx: Tx, tenantId: string): Promise<string> {
  return (await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', tenantId).executeTakeFirstOrThrow()).time_zone;
}

/** One number's function fee for one month (`YYYY-MM`, bounds in the tenant's zone). */
export function feeLine(v: Pick<VoiceNumber, 'id' | 'number_id' | 'e164'>, month: string, bounds: { start: Date; end: Date }): NewOrderLine {
  return {
    kind: VOICE_NUMBER_FEE_LINE,
    tariffCode: VOICE_NUMBER_TARIFF,
    quantity: 1,
    numberId: v.number_id,
    subjectId: v.id,
    periodStart: bounds.start,
    periodEnd: bounds.end,
    description: `voice-message number ${v.e164}, function fee ${month}`,
  };
}

/**
 * A paid fee line records the (number, month) it paid for: the primary key of voice_fee_charges
 * refuses a second charge of the same month, whatever path tried it (M1, V1 idempotence).
 */
export const feeLinePaid: OrderLineEffect = async (tx, _ctx, order, line) => {
  const v = await lockRow(tx, 'voice_numbers', line.subject_id!);
  if (!v || v.tenant_id !== order.tenant_id || !line.period_start) throw new Error(`fee line ${line.id} names no voice number of the tenant`);
  const month = monthInZone(line.period_start, await tenantTimeZone(tx, order.tenant_id));
  await tx.trx
    .insertInto('voice_fee_charges')
    .values({ voice_number_id: v.id, month: `${month}-01`, tenant_id: order.tenant_id, order_id: order.id, order_line_id: line.id, created_at: tx.now })
    .execute();
};

/** One job per tenant and month (by key), due at the month's first instant in the tenant's zone. */
export async function scheduleMonthlyFee(tx: Tx, tenantId: string, month: Month, timeZone: string): Promise<void> {
  await scheduleJob(tx, MONTHLY_FEE_TASK, { tenantId, month }, { runAt: monthBounds(month, timeZone).start, jobKey: `voice-monthly-fee:${tenantId}:${month}` });
}

export type MonthlyFeeOutcome =
  | { status: 'NOT_YET_DUE' }
  /** `order` is null when every number open at the month's start was charged already (a rerun). */
  | { status: 'CHARGED'; order: Order | null; charged: number };

/**
 * V1: charges `month`'s function fee (tariff VOICE_NUMBER_MONTHLY) for every voice number of the
 * tenant open at the month's start and not charged for it yet: one order VOICE_MONTHLY_FEE with a
 * line per number, paid from the balance even into arrears (a fee cannot be refused). Numbers
 * opened during the month paid it at opening; numbers closed before it are not charged.
 * Idempotent: runs of one (tenant, month) queue behind one advisory lock and charge only what has
 * no voice_fee_charges row, whose primary key refuses a second charge anyway. Run early, it
 * queues itself again for the month's start. Then it queues the next month's, while numbers are open.
 */
export async function chargeMonthlyFees(ctx: ServiceContext, tenantId: string, month: Month): Promise<MonthlyFeeOutcome> {
  return inTransaction(ctx, async (tx) => {
    const timeZone = await tenantTimeZone(tx, tenantId);
    const bounds = monthBounds(month, timeZone);
    if (tx.now < bounds.start) {
      await scheduleMonthlyFee(tx, tenantId, month, timeZone);
      return { status: 'NOT_YET_DUE' };
    }
    await sql`select pg_advisory_xact_lock(hashtextextended(${`voice-monthly-fee:${tenantId}:${month}`}, 0))`.execute(tx.trx);
    const due = await tx.trx
      .selectFrom('voice_numbers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('opened_at', '<', bounds.start)
      .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', bounds.start)]))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('voice_fee_charges as c').select('c.month').whereRef('c.voice_number_id', '=', 'voice_numbers.id').where('c.month', '=', `${month}-01`))),
      )
      .orderBy('e164')
      .execute();
    let order: Order | null = null;
    if (due.length) {
      const created = await createOrder(tx, { tenantId, kind: VOICE_MONTHLY_FEE_ORDER, lines: due.map((v) => feeLine(v, month, bounds)) });
      order = await settleOrder(tx, ctx, created.order, { allowArrears: true });
    }
    const open = await tx.trx.selectFrom('voice_numbers').select('id').where('tenant_id', '=', tenantId).where('closed_at', 'is', null).executeTakeFirst();
    if (open) await scheduleMonthlyFee(tx, tenantId, addCalendarMonths(month, 1), timeZone);
    return { status: 'CHARGED', order, charged: due.length };
  });
}

/** How many months back the sweep looks for a month left uncharged. */
export const SWEEP_MONTHS_BACK = 12;

/**
 * Safety net of the monthly jobs (a job lost or failed for good): every (tenant, month) of the
 * last 12 months, up to the current one in the tenant's zone, with a voice number open at the
 * month's start and not charged for it; charged oldest month first.
 */
export const sweepMonthlyFees: Sweep = async (ctx) => {
  const now = ctx.clock.now();
  const missing = await sql<{ tenant_id: string; month: string }>`
    select distinct vn.tenant_id, to_char(m.month, 'YYYY-MM') as month
    from voice_numbers vn
    join tenants t on t.id = vn.tenant_id
    cross join lateral generate_series(
      greatest(date_trunc('month', vn.opened_at at time zone t.time_zone) + interval '1 month',
               date_trunc('month', ${now}::timestamptz at time zone t.time_zone) - make_interval(months => ${SWEEP_MONTHS_BACK - 1})),
      date_trunc('month', ${now}::timestamptz at time zone t.time_zone),
      interval '1 month') as m(month)
    where (vn.closed_at is null or vn.closed_at >= (m.month at time zone t.time_zone))
      and (vn.closed_at is null or vn.closed_at > ${now}::timestamptz - make_interval(months => ${SWEEP_MONTHS_BACK + 1}))
      and not exists (select 1 from voice_fee_charges c where c.voice_number_id = vn.id and c.month = m.month::date)
    order by month, vn.tenant_id`.execute(systemDb(ctx));
  for (const m of missing.rows) await chargeMonthlyFees(ctx, m.tenant_id, m.month);
  return missing.rows.length;
};
