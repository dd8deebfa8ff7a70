// V1: opening numbers for a voice app (one operation, paid from the balance with the opening
// month's function fee), and closing them when they go back to stock (N7 unsubscribe).
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { lockScoped, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { characterCount } from '../../shared/text.js';
import { addCalendarMonths, monthBounds, monthInZone } from '../../shared/calendar.js';
import { createOrder, settleOrder } from '../billing/billing.orders.js';
import type { Order } from '../billing/billing.table.js';
import { emitStatus, type NumberReleaseHook } from '../numbers/numbers.status.js';
import { feeLine, scheduleMonthlyFee, tenantTimeZone } from './voice.fees.js';
import type { VoiceNumber } from './voice.table.js';

export const MAX_OPEN_NUMBERS = 100;
export const VOICE_NUMBERS_ORDER = 'VOICE_NUMBERS';
export interface OpenVoiceNumbersInput {
  appId: string;
  count: number;
  province?: string | null;
  city?: string | null;
}

function regionPart(raw: string | null | undefined, field: string): string | null {
  const v = raw?.trim() || null;
  if (v && characterCount(v) > 50) throw new ValidationError(field, `${field} has at most 50 characters`);
  return v;
}

/**
 * V1: a TENANT_ADMIN opens `count` (1–100) local or mobile numbers from stock for a voice app, in
 * one transaction: the numbers (taken with SKIP LOCKED, so concurrent openings never wait on or
 * share a number) become the tenant's ACTIVE numbers with no term (the monthly job charges them,
 * not the N4 renewal), and an order VOICE_NUMBERS with the opening month's fee per number (a
 * part month is a whole month) is paid from the balance. Too little stock (NOT_ENOUGH_NUMBERS
 * naming `count`) or balance (INSUFFICIENT_BALANCE) writes nothing.
 */
export async function openVoiceNumbers(ctx: ServiceContext, input: OpenVoiceNumbersInput): Promise<{ order: Order; numbers: VoiceNumber[] }> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN opens voice numbers');
  const count = input.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_OPEN_NUMBERS) throw new ValidationError('count', `count is 1 to ${MAX_OPEN_NUMBERS} numbers`);
  const province = regionPart(input.province, 'province');
  const city = regionPart(input.city, 'city');
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'voice_apps', input.appId, 'voice app', 'appId');
    let stock = tx.trx.selectFrom('numbers').selectAll().where('status', '=', 'AVAILABLE').where('type', 'in', ['LOCAL', 'MOBILE']);
    if (province) stock = stock.where('province', '=', province);
    if (city) stock = stock.where('city', '=', city);
    const taken = await stock.orderBy('e164').limit(count).forUpdate().skipLocked().execute();
    if (taken.length < count) {
      const region = [province, city].filter(Boolean).join(' ') || 'any region';
      throw new ConflictError('NOT_ENOUGH_NUMBERS', `${taken.length} local or mobile number${taken.length === 1 ? ' is' : 's are'} free in ${region}; ${count} asked for`, 'count');
    }
    const active = await tx.trx
      .updateTable('numbers')
      .set({
        status: 'ACTIVE',
        tenant_id: tenantId,
        qualification_id: app.qualification_id,
        call_type: 'INBOUND_OUTBOUND',
        // no term (stock has none either): the voice module's monthly job charges the function fee, never the N4 renewal
        term_end: null,
        updated_at: tx.now,
      })
      .where('id', 'in', taken.map((n) => n.id))
      .returningAll()
      .execute();
    active.sort((a, b) => a.e164.localeCompare(b.e164));
    const opened = await tx.trx
      .insertInto('voice_numbers')
      .values(active.map((n) => ({ tenant_id: tenantId, app_id: app.id, number_id: n.id, e164: n.e164, opened_at: tx.now, created_at: tx.now, updated_at: tx.now })))
      .returningAll()
      .execute();
    const timeZone = await tenantTimeZone(tx, tenantId);
    const month = monthInZone(tx.now, timeZone);
    const bounds = monthBounds(month, timeZone);
    const byNumber = new Map(opened.map((v) => [v.number_id, v]));
    const ordered = active.map((n) => byNumber.get(n.id)!);
    const { order } = await createOrder(tx, { tenantId, kind: VOICE_NUMBERS_ORDER, lines: ordered.map((v) => feeLine(v, month, bounds)) });
    const numbers = await tx.trx
      .updateTable('voice_numbers')
      .set({ order_id: order.id })
      .where('id', 'in', opened.map((v) => v.id))
      .returningAll()
      .execute();
    const paid = await settleOrder(tx, ctx, order);
    for (const n of active) {
      const v = byNumber.get(n.id)!;
      await emitStatus(tx, n, 'AVAILABLE', 'VOICE_NUMBER_OPENED', { orderId: order.id, voiceAppId: app.id });
      await tx.emit({
        type: 'VOICE_NUMBER_OPENED',
        tenantId,
        appId: app.id,
        subjectId: v.id,
        payload: { appId: app.id, numberId: n.id, e164: n.e164, orderId: order.id, openedAt: tx.now },
      });
    }
    await scheduleMonthlyFee(tx, tenantId, addCalendarMonths(month, 1), timeZone);
    const byId = new Map(numbers.map((v) => [v.id, v]));
    return { order: paid, numbers: ordered.map((v) => byId.get(v.id)!) };
  });
}

/**
 * N7 with V1: a voice number that goes back to stock (unsubscribed) closes: no fee from the next
 * month on (the monthly job charges numbers open at the start of a month).
 */
export const voiceNumberReleased: NumberReleaseHook = async (tx, n, reason) => {
  const closed = await tx.trx
    .updateTable('voice_numbers')
    .set({ closed_at: tx.now, updated_at: tx.now })
    .where('number_id', '=', n.id)
    .where('closed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!closed) return;
  await tx.emit({
    type: 'VOICE_NUMBER_CLOSED',
    tenantId: closed.tenant_id,
    appId: closed.app_id,
    subjectId: closed.id,
    payload: { appId: closed.app_id, numberId: n.id, e164: n.e164, reason, closedAt: tx.now },
  });
};

// Reads (through scopedFrom)

export function voiceNumbersQuery(ctx: ServiceContext, f: { appId?: string | null; openOnly?: boolean | null } = {}) {
  let q = scopedFrom(ctx, 'voice_numbers').selectAll();
  if (f.appId) q = q.where('voice_numbers.app_id', '=', f.appId);
  if (f.openOnly) q = q.where('voice_numbers.closed_at', 'is', null);
  return q;
}
