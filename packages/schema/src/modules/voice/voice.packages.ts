// V2: prepaid minute packages: one pricing function for the quote and the purchase, the purchase
// itself (an order VOICE_PACKAGE paid from the balance, never with a voucher), and the list.
import type Decimal from 'decimal.js';
import type { Kysely } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { DomainError, ValidationError } from '../../errors.js';
import type { Actor } from '../../access/actor.js';
import { requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { listTariffs } from '../billing/billing.ledger.js';
import { createOrder, settleOrder, type OrderLineEffect } from '../billing/billing.orders.js';
import { formatMoney, money } from '../billing/money.js';
import { addMonths } from '../numbers/numbers.status.js';
import type { VoicePackage, VoicePackageKind } from './voice.table.js';

/** V2: the seed's fixed packages: minutes and the tariff holding the package's price. */
export const FIXED_PACKAGES = {
  FIXED_10K: { minutes: 10_000, tariffCode: 'VOICE_PACKAGE_10K' },
  FIXED_100K: { minutes: 100_000, tariffCode: 'VOICE_PACKAGE_100K' },
  FIXED_500K: { minutes: 500_000, tariffCode: 'VOICE_PACKAGE_500K' },
  FIXED_1M: { minutes: 1_000_000, tariffCode: 'VOICE_PACKAGE_1M' },
  FIXED_3M: { minutes: 3_000_000, tariffCode: 'VOICE_PACKAGE_3M' },
} as const;
export type FixedPackage = keyof typeof FIXED_PACKAGES;
export const FIXED_PACKAGE_NAMES = Object.keys(FIXED_PACKAGES) as FixedPackage[];

/** V2: custom packages: the per-minute tariff of the quantity's bracket, from the largest bracket down. */
const CUSTOM_BRACKETS: readonly { from: number; tariffCode: string }[] = [
  { from: 3_000_000, tariffCode: 'VOICE_CUSTOM_MINUTE_3M' },
  { from: 1_000_000, tariffCode: 'VOICE_CUSTOM_MINUTE_1M' },
  { from: 500_000, tariffCode: 'VOICE_CUSTOM_MINUTE_500K' },
  { from: 100_000, tariffCode: 'VOICE_CUSTOM_MINUTE_100K' },
  { from: 10_000, tariffCode: 'VOICE_CUSTOM_MINUTE_10K' },
  { from: 0, tariffCode: 'VOICE_CUSTOM_MINUTE_UNDER_10K' },
];
export const MIN_CUSTOM_MINUTES = 1_000;
export const CUSTOM_MINUTES_STEP = 1_000;
/** The most one custom package holds (100 million minutes: 8.5 million CNY at the lowest bracket). */
export const MAX_CUSTOM_MINUTES = 100_000_000;
/** Months a package lasts unless the tariff VOICE_PACKAGE_VALIDITY_MONTHS says otherwise. */
export const DEFAULT_VALIDITY_MONTHS = 12;
export const VALIDITY_TARIFF = 'VOICE_PACKAGE_VALIDITY_MONTHS';
export const VOICE_PACKAGE_KIND = 'VOICE_PACKAGE';

export interface PackageChoice {
  minutes?: number | null;
  fixedPackage?: FixedPackage | null;
}

export interface VoicePackageQuote {
  kind: VoicePackageKind;
  fixedPackage: FixedPackage | null;
  tariffCode: string;
  minutes: number;
  /** CNY per minute; for a fixed package its price over its minutes. */
  unitPrice: Decimal;
  /** The order line's quantity: 1 fixed package, or the custom package's minutes. */
  quantity: number;
  price: Decimal;
}

/** Which tariff prices the choice, and how many of it: one of minutes or fixedPackage, checked. */
function tariffOf(choice: PackageChoice): { kind: VoicePackageKind; fixedPackage: FixedPackage | null; tariffCode: string; minutes: number; quantity: number } {
  const { minutes, fixedPackage } = choice;
  if (fixedPackage != null && minutes != null) throw new ValidationError('fixedPackage', 'give minutes for a custom package or fixedPackage, not both');
  if (fixedPackage != null) {
    const fixed = FIXED_PACKAGES[fixedPackage];
    if (!fixed) throw new ValidationError('fixedPackage', `one of ${FIXED_PACKAGE_NAMES.join(', ')}`);
    return { kind: 'FIXED', fixedPackage, tariffCode: fixed.tariffCode, minutes: fixed.minutes, quantity: 1 };
  }
  if (minutes == null) throw new ValidationError('minutes', 'give minutes for a custom package, or fixedPackage');
  if (!Number.isInteger(minutes) || minutes < MIN_CUSTOM_MINUTES) throw new ValidationError('minutes', `a custom package has at least ${MIN_CUSTOM_MINUTES} minutes`);
  if (minutes % CUSTOM_MINUTES_STEP) throw new ValidationError('minutes', `custom packages are bought in steps of ${CUSTOM_MINUTES_STEP} minutes`);
  if (minutes > MAX_CUSTOM_MINUTES) throw new ValidationError('minutes', `a custom package has at most ${MAX_CUSTOM_MINUTES} minutes`);
  const bracket = CUSTOM_BRACKETS.find((b) => minutes >= b.from)!;
  return { kind: 'CUSTOM', fixedPackage: null, tariffCode: bracket.tariffCode, minutes, quantity: minutes };
}

/**
 * V2: the one pricing function of packages, for the quote and the purchase: the unit price comes
 * from the tariffs table (an OPERATOR may change it), price = unit × minutes exactly (M1).
 */
export async function priceVoicePackage(ctx: { db: Kysely<Database>; actor: Actor | null }, choice: PackageChoice): Promise<VoicePackageQuote> {
  const t = tariffOf(choice);
  const [tariff] = await listTariffs(ctx, [t.tariffCode]);
  if (!tariff) throw new DomainError('NOT_FOUND', `no tariff ${t.tariffCode} for this key`, t.kind === 'FIXED' ? 'fixedPackage' : 'minutes');
  const amount = money(tariff.amount);
  const price = amount.times(t.quantity);
  const unitPrice = t.kind === 'FIXED' ? price.dividedBy(t.minutes) : amount;
  return { ...t, unitPrice, price };
}

/** V2: a quote before buying (any key that may read tariffs). */
export async function voicePackageQuote(ctx: ServiceContext, choice: PackageChoice): Promise<VoicePackageQuote> {
  return priceVoicePackage(ctx, choice);
}

/**
 * V2: a TENANT_ADMIN buys a package: an order VOICE_PACKAGE with one line (priced as the quote),
 * paid from the balance (INSUFFICIENT_BALANCE writes nothing; never into arrears), and the package,
 * full, expiring VOICE_PACKAGE_VALIDITY_MONTHS (12) months after the purchase. Vouchers are refused.
 */
export async function buyVoicePackage(ctx: ServiceContext, input: PackageChoice & { voucherCode?: string | null }): Promise<VoicePackage> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN buys voice packages');
  if (input.voucherCode?.trim()) throw new DomainError('VOUCHERS_NOT_ACCEPTED', 'voice-message packages cannot be paid with vouchers (seed 004): pay from the balance', 'voucherCode');
  return inTransaction(ctx, async (tx) => {
    const quote = await priceVoicePackage({ db: tx.trx, actor: ctx.actor }, input);
    const { order, lines } = await createOrder(tx, {
      tenantId,
      kind: VOICE_PACKAGE_KIND,
      lines: [
        {
          kind: VOICE_PACKAGE_KIND,
          tariffCode: quote.tariffCode,
          quantity: quote.quantity,
          description: `voice-message package, ${quote.minutes} minutes${quote.fixedPackage ? ' (fixed)' : ` at ${formatMoney(quote.unitPrice)} CNY per minute`}`,
        },
      ],
    });
    // one pricing function: the order's line is what the quote said
    if (!money(order.total).equals(quote.price)) throw new Error(`order ${order.order_no} total ${order.total} differs from the quote ${formatMoney(quote.price)}`);
    const [validity] = await listTariffs({ db: tx.trx, actor: ctx.actor }, [VALIDITY_TARIFF]);
    const months = validity && Number.isInteger(Number(validity.amount)) && Number(validity.amount) >= 1 ? Number(validity.amount) : DEFAULT_VALIDITY_MONTHS;
    const pkg = await tx.trx
      .insertInto('voice_packages')
      .values({
        tenant_id: tenantId,
        kind: quote.kind,
        tariff_code: quote.tariffCode,
        total_minutes: quote.minutes,
        remaining_minutes: quote.minutes,
        unit_price: formatMoney(quote.unitPrice),
        price: formatMoney(quote.price),
        order_id: order.id,
        purchased_at: tx.now,
        expires_at: await addMonths(tx, tx.now, months, tenantId),
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.trx.updateTable('order_lines').set({ subject_id: pkg.id, period_start: pkg.purchased_at, period_end: pkg.expires_at }).where('id', '=', lines[0]!.id).execute();
    await settleOrder(tx, ctx, order);
    await tx.emit({
      type: 'PACKAGE_USAGE_CHANGED',
      tenantId,
      subjectId: pkg.id,
      payload: { packageId: pkg.id, total: pkg.total_minutes, remaining: pkg.remaining_minutes, reserved: 0, expiresAt: pkg.expires_at, change: 'PURCHASED' },
    });
    return pkg;
  });
}

/** Paying a package line: the package was written with its order (buyVoicePackage); it must be there. */
export const packageLinePaid: OrderLineEffect = async (tx, _ctx, order, line) => {
  const pkg = line.subject_id ? await tx.trx.selectFrom('voice_packages').select('order_id').where('id', '=', line.subject_id).executeTakeFirst() : undefined;
  if (!pkg || pkg.order_id !== order.id) throw new Error(`package line ${line.id} of order ${order.order_no} names no package of that order`);
};

// Reads (through scopedFrom)

/** V2: the tenant's packages; `activeOnly`: not expired, with minutes left. */
export function voicePackagesQuery(ctx: ServiceContext, f: { activeOnly?: boolean | null } = {}) {
  let q = scopedFrom(ctx, 'voice_packages').selectAll();
  if (f.activeOnly) q = q.where('voice_packages.expires_at', '>', ctx.clock.now()).where('voice_packages.remaining_minutes', '>', 0);
  return q;
}
