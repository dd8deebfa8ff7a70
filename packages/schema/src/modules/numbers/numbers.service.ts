import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { actingTenant, requireActor, scopedFrom } from '../../access/scope.js';
import { UUID } from '../../graphql/loaders.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { defineTask } from '../../jobs/tasks.js';
import { requireApprovedQualification } from '../qualifications/qualifications.service.js';
import { createOrder, listTariffs, lockBalance, onOrderLineClosed, onOrderLinePaid, settleOrder } from '../billing/billing.service.js';
import type { Order } from '../billing/billing.table.js';
import { money } from '../billing/money.js';
import { isTollFree400, parseNumber } from './numbers.phone.js';
import {
  NUMBER_TYPES,
  TOLL_FREE_TIERS,
  type CallType,
  type NumberRow,
  type NumberStatus,
  type NumberType,
  type TollFreeTier,
} from './numbers.table.js';

// ---------------------------------------------------------------------------------------------
// Prices and terms

/** The tariff a number's monthly charge comes from: rent, or for 400 numbers the tier's minimum spend (N5). */
export function tariffCodeFor(n: Pick<NumberRow, 'type' | 'tier'>): string {
  if (n.type === 'TOLL_FREE_400') return `TOLL_FREE_400_${n.tier ?? 'STANDARD'}`;
  return `NUMBER_MONTHLY_${n.type}`;
}

/** N5: a 400 number's first term is 3 months; other numbers are bought a month at a time. */
export const firstTermMonths = (n: Pick<NumberRow, 'type'>) => (n.type === 'TOLL_FREE_400' ? 3 : 1);
export const RENEWAL_MONTHS = 1;

/** Calendar months in the tenant's time zone (Jan 31 + 1 month = Feb 28/29). */
export async function addMonths(tx: Tx, at: Date, months: number, tenantId: string): Promise<Date> {
  const r = await sql<{ at: Date }>`
    select ((${at}::timestamptz at time zone t.time_zone) + make_interval(months => ${months}::int)) at time zone t.time_zone as at
    from tenants t where t.id = ${tenantId}`.execute(tx.trx);
  return r.rows[0]!.at;
}

// ---------------------------------------------------------------------------------------------
// N1: inventory import

export interface NumberImportRow {
  /** Any format libphonenumber-js reads; national numbers are taken as Chinese. */
  number: string;
  type: string;
  province?: string | null;
  city?: string | null;
  carrier?: string | null;
  /** Required for TOLL_FREE_400, not allowed otherwise. */
  tier?: string | null;
  /** The row's number in the caller's source (a CSV line); defaults to its 1-based position. */
  row?: number;
}

export interface ImportRowError {
  row: number;
  field: string;
  message: string;
}

export interface ImportResult {
  created: number;
  /** Valid rows whose number is already in the inventory (or repeated in the batch). */
  skipped: number;
  errors: ImportRowError[];
}

export const MAX_IMPORT_ROWS = 5000;

type ValidRow = { e164: string; type: NumberType; tier: TollFreeTier | null; province: string; city: string; carrier: string };

/** Checks one row; returns the normalised number or every problem of the row, each naming its field. */
export function checkImportRow(r: NumberImportRow, row: number): { ok: true; value: ValidRow } | { ok: false; errors: ImportRowError[] } {
  const errors: ImportRowError[] = [];
  const fail = (field: string, message: string) => errors.push({ row, field, message });
  const type = r.type?.trim().toUpperCase() as NumberType;
  if (!r.type?.trim()) fail('type', 'type is missing');
  else if (!NUMBER_TYPES.includes(type)) fail('type', `unknown type "${r.type}"; expected ${NUMBER_TYPES.join(', ')}`);
  const parsed = parseNumber(r.number ?? '');
  if (!parsed.ok) fail('number', parsed.message);
  else if (NUMBER_TYPES.includes(type) && !parsed.detected.includes(type))
    fail('number', `${parsed.e164} is not a ${type} number${parsed.detected.length ? ` (it is ${parsed.detected.join(' or ')})` : ''}`);
  const province = r.province?.trim() ?? '';
  const city = r.city?.trim() ?? '';
  const carrier = r.carrier?.trim() ?? '';
  if (!province) fail('province', 'the region is missing: province is required');
  if (!city) fail('city', 'the region is missing: city is required');
  if (!carrier) fail('carrier', 'carrier is required');
  const tierText = r.tier?.trim().toUpperCase() ?? '';
  let tier: TollFreeTier | null = null;
  if (type === 'TOLL_FREE_400') {
    if (!tierText) fail('tier', `a 400 number needs a tier: ${TOLL_FREE_TIERS.join(', ')}`);
    else if (!TOLL_FREE_TIERS.includes(tierText as TollFreeTier)) fail('tier', `unknown tier "${r.tier}"; expected ${TOLL_FREE_TIERS.join(', ')}`);
    else tier = tierText as TollFreeTier;
  } else if (tierText && NUMBER_TYPES.includes(type)) fail('tier', 'only 400 numbers have a tier');
  if (errors.length || !parsed.ok) return { ok: false, errors };
  return { ok: true, value: { e164: parsed.e164, type, tier, province, city, carrier } };
}

/** N1: an OPERATOR adds numbers to stock; idempotent by E.164; bad rows are reported, good ones added. */
export async function importNumbers(ctx: ServiceContext, rows: NumberImportRow[], opts: { dryRun?: boolean } = {}): Promise<ImportResult> {
  if (requireActor(ctx.actor).role !== 'OPERATOR') throw new ForbiddenError('only an OPERATOR manages the inventory');
  if (rows.length > MAX_IMPORT_ROWS) throw new ValidationError('rows', `at most ${MAX_IMPORT_ROWS} rows per import`);
  const errors: ImportRowError[] = [];
  const valid = new Map<string, ValidRow>();
  let repeated = 0;
  rows.forEach((r, i) => {
    const checked = checkImportRow(r, r.row ?? i + 1);
    if (!checked.ok) errors.push(...checked.errors);
    else if (valid.has(checked.value.e164)) repeated++;
    else valid.set(checked.value.e164, checked.value);
  });
  if (!valid.size) return { created: 0, skipped: repeated, errors };
  if (opts.dryRun) {
    const existing = await ctx.db.selectFrom('numbers').select('e164').where('e164', 'in', [...valid.keys()]).execute();
    return { created: valid.size - existing.length, skipped: repeated + existing.length, errors };
  }
  return inTransaction(ctx, async (tx) => {
    let created = 0;
    const all = [...valid.values()];
    for (let i = 0; i < all.length; i += 1000) {
      const inserted = await tx.trx
        .insertInto('numbers')
        .values(all.slice(i, i + 1000).map((v) => ({ ...v, status: 'AVAILABLE' as const, created_at: tx.now, updated_at: tx.now })))
        .onConflict((oc) => oc.column('e164').doNothing())
        .returning('id')
        .execute();
      created += inserted.length;
    }
    if (created) await tx.emit({ type: 'NUMBERS_IMPORTED', tenantId: null, subjectId: 'inventory', payload: { created, skipped: all.length - created } });
    return { created, skipped: repeated + all.length - created, errors };
  });
}

// ---------------------------------------------------------------------------------------------
// N1: searching stock (not tenant data: every tenant sees the same stock)

export interface StockFilter {
  type: NumberType;
  province?: string | null;
  city?: string | null;
  /** Digits to find anywhere in the number; `*` stands for any one digit (e.g. 8**8). */
  pattern?: string | null;
}

export function availableNumbersQuery(ctx: ServiceContext, f: StockFilter) {
  requireActor(ctx.actor);
  let q = ctx.db.selectFrom('numbers').selectAll().where('numbers.status', '=', 'AVAILABLE').where('numbers.type', '=', f.type);
  if (f.province?.trim()) q = q.where('numbers.province', '=', f.province.trim());
  if (f.city?.trim()) q = q.where('numbers.city', '=', f.city.trim());
  const pattern = f.pattern?.trim();
  if (pattern) {
    if (!/^[0-9*]{1,15}$/.test(pattern)) throw new ValidationError('pattern', 'pattern is digits, with * for any one digit');
    q = q.where('numbers.e164', 'like', `%${pattern.replace(/\*/g, '_')}%`);
  }
  return q;
}

export interface RegionStock {
  province: string;
  city: string;
  count: number;
}

/** N1: the regions offered for buying: only those with stock of the type, with how many. */
export async function regionsWithStock(ctx: ServiceContext, type?: NumberType | null): Promise<RegionStock[]> {
  requireActor(ctx.actor);
  let q = ctx.db
    .selectFrom('numbers')
    .select(['province', 'city', (eb) => eb.fn.countAll<string>().as('count')])
    .where('status', '=', 'AVAILABLE');
  if (type) q = q.where('type', '=', type);
  const rows = await q.groupBy(['province', 'city']).orderBy('province').orderBy('city').execute();
  return rows.map((r) => ({ province: r.province, city: r.city, count: Number(r.count) }));
}

// ---------------------------------------------------------------------------------------------
// Reads of owned numbers

/** Numbers the key may see: its tenant's (OPERATOR: all, stock included). */
export function numbersQuery(ctx: ServiceContext, f: { status?: NumberStatus | null; type?: NumberType | null } = {}) {
  let q = scopedFrom(ctx, 'numbers').selectAll();
  if (f.status) q = q.where('numbers.status', '=', f.status);
  if (f.type) q = q.where('numbers.type', '=', f.type);
  return q;
}

/** By id: the tenant's own numbers and numbers in stock (which every tenant may look at). */
export async function numbersById(ctx: ServiceContext, ids: readonly string[]): Promise<NumberRow[]> {
  const actor = requireActor(ctx.actor);
  const valid = ids.filter((id) => UUID.test(id));
  if (!valid.length) return [];
  let q = ctx.db.selectFrom('numbers').selectAll().where('id', 'in', valid);
  if (actor.role !== 'OPERATOR') q = q.where((eb) => eb.or([eb('tenant_id', '=', actor.tenantId), eb('status', '=', 'AVAILABLE')]));
  return q.execute();
}

async function lockOwnNumber(tx: Tx, ctx: ServiceContext, numberId: string): Promise<NumberRow> {
  const n = UUID.test(numberId)
    ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'numbers')
        .selectAll()
        .where('numbers.id', '=', numberId)
        .where('numbers.tenant_id', 'is not', null)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!n) throw new NotFoundError('number', 'numberId');
  return n;
}

// ---------------------------------------------------------------------------------------------
// N2: buying an inbound-only number

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
  const tenantId = actingTenant(ctx.actor);
  if (ctx.actor!.role !== 'TENANT_ADMIN') throw new ForbiddenError('a TENANT_ADMIN buys numbers');
  if (input.callType !== 'INBOUND_ONLY')
    throw new ValidationError('callType', 'INBOUND_OUTBOUND numbers are applied for and reviewed (N3), not bought directly', 'APPLICATION_REQUIRED');
  const instanceId = input.instanceId?.trim() || null;
  if (instanceId && instanceId.length > 200) throw new ValidationError('instanceId', 'instanceId is too long');
  const number = UUID.test(input.numberId)
    ? await ctx.db.selectFrom('numbers').selectAll().where('id', '=', input.numberId).executeTakeFirst()
    : undefined;
  if (!number) throw new NotFoundError('number', 'numberId');
  if (number.status !== 'AVAILABLE') throw notAvailable(number);
  await requireApprovedQualification(ctx, input.qualificationId, number.type === 'TOLL_FREE_400' ? 'TOLL_FREE_400' : 'STANDARD', tenantId);
  return inTransaction(ctx, async (tx) => {
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
    if (!reserved) throw notAvailable(number);
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

const notAvailable = (n: NumberRow) => new ConflictError('NUMBER_NOT_AVAILABLE', `${n.e164} is no longer available`, 'numberId');

/** How order lines and emails name a number. */
export const describeNumber = (n: NumberRow) =>
  n.type === 'TOLL_FREE_400' ? `400 number ${n.e164} (${n.tier} tier, monthly minimum spend)` : `${n.type.toLowerCase()} number ${n.e164}`;

/** Paying a purchase: the reservation becomes an ACTIVE number of the tenant with its first term. */
onOrderLinePaid('NUMBER_PURCHASE', async (tx, _ctx, order, line) => {
  const n = await tx.trx.selectFrom('numbers').selectAll().where('id', '=', line.number_id!).forUpdate().executeTakeFirst();
  if (!n || n.status !== 'RESERVED' || n.tenant_id !== order.tenant_id) throw new ConflictError('NUMBER_NOT_AVAILABLE', 'the reserved number is no longer held for this order', 'orderId');
  const termEnd = await addMonths(tx, tx.now, line.quantity, order.tenant_id);
  const active = await tx.trx
    .updateTable('numbers')
    .set({ status: 'ACTIVE', term_start: tx.now, term_end: termEnd, reserved_until: null, updated_at: tx.now })
    .where('id', '=', n.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.trx.updateTable('order_lines').set({ period_start: tx.now, period_end: termEnd }).where('id', '=', line.id).execute();
  await scheduleTermCheck(tx, active.id, termEnd);
  await emitStatus(tx, active, 'RESERVED', 'ORDER_PAID', { orderId: order.id, termEnd });
});

/** An unpaid purchase that is cancelled or expires gives the number back to stock. */
onOrderLineClosed('NUMBER_PURCHASE', async (tx, _ctx, order, line) => {
  const n = await tx.trx.selectFrom('numbers').selectAll().where('id', '=', line.number_id!).forUpdate().executeTakeFirst();
  if (!n || n.status !== 'RESERVED' || n.tenant_id !== order.tenant_id || n.application_id) return;
  await releaseToStock(tx, n, order.status === 'EXPIRED' ? 'RESERVATION_EXPIRED' : 'ORDER_CANCELLED', { orderId: order.id });
});

/** Back to stock: no tenant, no term, no instance. */
export async function releaseToStock(tx: Tx, n: NumberRow, reason: string, extra: Record<string, unknown> = {}): Promise<NumberRow> {
  const released = await tx.trx
    .updateTable('numbers')
    .set({
      status: 'AVAILABLE',
      tenant_id: null,
      qualification_id: null,
      instance_id: null,
      application_id: null,
      call_type: null,
      term_start: null,
      term_end: null,
      auto_renew: false,
      reserved_until: null,
      grace_until: null,
      updated_at: tx.now,
    })
    .where('id', '=', n.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  // The event belongs to the tenant that lost the number, so that it sees it go.
  await emitStatus(tx, { ...released, tenant_id: n.tenant_id }, n.status, reason, extra);
  return released;
}

export async function emitStatus(tx: Tx, n: NumberRow, previousStatus: NumberStatus | null, reason: string, extra: Record<string, unknown> = {}) {
  await tx.emit({
    type: 'NUMBER_STATUS_CHANGED',
    tenantId: n.tenant_id,
    subjectId: n.id,
    payload: { e164: n.e164, type: n.type, status: n.status, previousStatus, reason, ...extra },
  });
}

// ---------------------------------------------------------------------------------------------
// N4: terms, auto-renew, renewal and expiry

export const TERM_CHECK_TASK = defineTask('numbers.termCheck', async (payload: { numberId: string }, ctx) => {
  await checkNumberTerm(ctx, payload.numberId);
});

/** One job per number (by key): at term end it renews or expires; at grace end it releases. */
export async function scheduleTermCheck(tx: Tx, numberId: string, runAt: Date): Promise<void> {
  await scheduleJob(tx.trx, TERM_CHECK_TASK, { numberId }, { runAt, jobKey: `number-term:${numberId}` });
}

export type TermOutcome = 'RENEWED' | 'EXPIRED' | 'RELEASED' | 'NOTHING';

/**
 * N4: at the end of a term, an auto-renewing number with enough balance is renewed for a month
 * (a PAID renewal order, a ledger entry); otherwise it becomes EXPIRED, stays the tenant's for
 * `expiryGraceDays` (it can be renewed by hand), and then goes back to stock.
 */
export async function checkNumberTerm(ctx: ServiceContext, numberId: string): Promise<TermOutcome> {
  return inTransaction(ctx, async (tx) => {
    const n = await tx.trx.selectFrom('numbers').selectAll().where('id', '=', numberId).forUpdate().executeTakeFirst();
    if (!n || !n.tenant_id) return 'NOTHING';
    if (n.status === 'ACTIVE' && n.term_end && n.term_end <= tx.now) {
      let reason = 'NOT_RENEWED';
      if (n.auto_renew) {
        const [tariff] = await listTariffs({ db: tx.trx }, [tariffCodeFor(n)]);
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
onOrderLinePaid('NUMBER_RENEWAL', async (tx, _ctx, order, line) => {
  const n = await tx.trx.selectFrom('numbers').selectAll().where('id', '=', line.number_id!).forUpdate().executeTakeFirst();
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
});

/** N4: the tenant renews by hand (ahead of time, or while EXPIRED in grace): an UNPAID renewal order. */
export async function renewNumber(ctx: ServiceContext, numberId: string, months = RENEWAL_MONTHS): Promise<Order> {
  actingTenant(ctx.actor);
  if (ctx.actor!.role !== 'TENANT_ADMIN') throw new ForbiddenError('a TENANT_ADMIN renews numbers');
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
  actingTenant(ctx.actor);
  if (ctx.actor!.role !== 'TENANT_ADMIN') throw new ForbiddenError('a TENANT_ADMIN changes auto-renew');
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

// ---------------------------------------------------------------------------------------------
// N5: 400 numbers are inbound only

/** A number as other modules hold it: an inventory row, or just an E.164 string with what is known. */
type CallerNumber = Pick<NumberRow, 'e164'> & Partial<Pick<NumberRow, 'type' | 'call_type' | 'status'>>;

const is400 = (n: CallerNumber) => n.type === 'TOLL_FREE_400' || isTollFree400(n.e164);

const tollFreeInboundOnly = (n: CallerNumber, what: string) =>
  new DomainError('TOLL_FREE_INBOUND_ONLY', `${n.e164} is a 400 number: 400 numbers are inbound only and cannot ${what}`, 'number');

/** N5: refuses a number for an outbound call: 400 numbers never, inbound-only numbers not, inactive ones not. */
export function assertUsableForOutbound(n: CallerNumber): void {
  if (is400(n)) throw tollFreeInboundOnly(n, 'place outbound calls');
  if (n.call_type === 'INBOUND_ONLY') throw new DomainError('NUMBER_INBOUND_ONLY', `${n.e164} was bought for inbound calls only`, 'number');
  if (n.status && n.status !== 'ACTIVE') throw new DomainError('NUMBER_NOT_ACTIVE', `${n.e164} is ${n.status}, not ACTIVE`, 'number');
}

/** N5: refuses a 400 number as the number shown to the called party. */
export function assertCanDisplayAsCaller(n: CallerNumber): void {
  if (is400(n)) throw tollFreeInboundOnly(n, 'be shown as the caller number');
}

