// M1: tariffs, balances and the ledger: every movement is a ledger row with the balance after it.
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, NotFoundError, ValidationError } from '../../errors.js';
import { requireActor, requireOperator, scopedFrom, UUID } from '../../access/scope.js';
import type { Balance, LedgerEntry, LedgerKind, Tariff } from './billing.table.js';
import { formatMoney, MAX_AMOUNT, money, parsePositiveAmount, type Money } from './money.js';

// ---------------------------------------------------------------------------------------------
// Tariffs (M1: one table of their own)

export async function listTariffs(ctx: Pick<ServiceContext, 'db' | 'actor'>, codes?: readonly string[]): Promise<Tariff[]> {
  let q = scopedFrom(ctx, 'tariffs').selectAll().orderBy('tariffs.code');
  if (codes) {
    if (!codes.length) return [];
    q = q.where('tariffs.code', 'in', [...codes]);
  }
  return q.execute();
}

export async function setTariff(ctx: ServiceContext, input: { code: string; amount: string; description?: string | null }): Promise<Tariff> {
  requireOperator(ctx.actor, 'sets tariffs');
  const amount = formatMoney(parsePositiveAmount(input.amount, 'amount'));
  return inTransaction(ctx, async (tx) => {
    const before = await tx.trx.selectFrom('tariffs').selectAll().where('code', '=', input.code).forUpdate().executeTakeFirst();
    if (!before) throw new NotFoundError('tariff', 'code');
    const t = await tx.trx
      .updateTable('tariffs')
      .set({ amount, description: input.description?.trim() || before.description, updated_at: tx.now })
      .where('code', '=', input.code)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.emit({ type: 'TARIFF_CHANGED', tenantId: null, subjectId: t.code, payload: { amount: t.amount, previousAmount: before.amount } });
    return t;
  });
}

// ---------------------------------------------------------------------------------------------
// Balances and the ledger

/** Locks the tenant's balance row for this transaction (creating it at 0), so that debits serialise. */
export async function lockBalance(tx: Tx, tenantId: string): Promise<Money> {
  await tx.trx
    .insertInto('balances')
    .values({ tenant_id: tenantId, amount: '0', updated_at: tx.now })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
  const row = await tx.trx.selectFrom('balances').select('amount').where('tenant_id', '=', tenantId).forUpdate().executeTakeFirstOrThrow();
  return money(row.amount);
}

export interface Movement {
  tenantId: string;
  /** Signed: positive credits, negative debits. */
  amount: Money;
  kind: LedgerKind;
  reference: string;
  description?: string | null;
  orderId?: string | null;
  createdBy?: string | null;
  /**
   * A charge that cannot be refused (a monthly fee, month-end usage): it may take the balance below
   * zero; the tenant is then in arrears until a top-up. Purchases never set it.
   */
  allowArrears?: boolean;
}

/**
 * M1: moves money atomically; a debit beyond the balance is INSUFFICIENT_BALANCE and writes nothing,
 * unless the movement allows arrears.
 */
export async function moveBalance(tx: Tx, m: Movement): Promise<LedgerEntry> {
  const current = await lockBalance(tx, m.tenantId);
  const after = current.plus(m.amount);
  if (after.isNegative() && !m.allowArrears)
    throw new DomainError(
      'INSUFFICIENT_BALANCE',
      `the balance is ${formatMoney(current)} CNY; ${formatMoney(m.amount.negated())} CNY is needed`,
      m.orderId ? 'orderId' : 'amount',
    );
  if (after.gt(MAX_AMOUNT))
    throw new ValidationError('amount', `a balance is at most ${formatMoney(MAX_AMOUNT)} CNY: it is ${formatMoney(current)} CNY now`, 'BALANCE_LIMIT');
  await tx.trx.updateTable('balances').set({ amount: formatMoney(after), updated_at: tx.now }).where('tenant_id', '=', m.tenantId).execute();
  const entry = await tx.trx
    .insertInto('ledger_entries')
    .values({
      tenant_id: m.tenantId,
      kind: m.kind,
      amount: formatMoney(m.amount),
      balance_after: formatMoney(after),
      reference: m.reference,
      description: m.description ?? null,
      order_id: m.orderId ?? null,
      created_by: m.createdBy ?? null,
      created_at: tx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.emit({
    type: 'BALANCE_CHANGED',
    tenantId: m.tenantId,
    subjectId: m.tenantId,
    payload: { kind: m.kind, amount: entry.amount, balanceAfter: entry.balance_after, reference: m.reference, orderId: m.orderId ?? null },
  });
  return entry;
}

/** M1: an OPERATOR credits a tenant's balance; the ledger keeps the movement. */
export async function topUpBalance(ctx: ServiceContext, input: { tenantId: string; amount: string; note?: string | null }): Promise<Balance> {
  const actor = requireOperator(ctx.actor, 'tops up balances');
  const amount = parsePositiveAmount(input.amount, 'amount');
  const tenant = UUID.test(input.tenantId)
    ? await scopedFrom(ctx, 'tenants').select('tenants.id').where('tenants.id', '=', input.tenantId).executeTakeFirst()
    : undefined;
  if (!tenant) throw new NotFoundError('tenant', 'tenantId');
  return inTransaction(ctx, async (tx) => {
    await moveBalance(tx, {
      tenantId: tenant.id,
      amount,
      kind: 'TOP_UP',
      reference: input.note?.trim() || 'top-up',
      createdBy: actor.userId,
    });
    return tx.trx.selectFrom('balances').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
  });
}

/**
 * M2: an OPERATOR corrects a tenant's balance (a signed amount: positive credits, negative debits,
 * which may take the balance into arrears); the ADJUSTMENT shows on the tenant's next statement,
 * since closed statements never change.
 */
export async function adjustBalance(ctx: ServiceContext, input: { tenantId: string; amount: string; note: string }): Promise<Balance> {
  const actor = requireOperator(ctx.actor, 'adjusts balances');
  const raw = input.amount.trim();
  const amount = raw.startsWith('-') ? parsePositiveAmount(raw.slice(1), 'amount').negated() : parsePositiveAmount(raw, 'amount');
  const note = input.note.trim();
  if (!note) throw new ValidationError('note', 'an adjustment says why: note must not be empty');
  const tenant = UUID.test(input.tenantId)
    ? await scopedFrom(ctx, 'tenants').select('tenants.id').where('tenants.id', '=', input.tenantId).executeTakeFirst()
    : undefined;
  if (!tenant) throw new NotFoundError('tenant', 'tenantId');
  return inTransaction(ctx, async (tx) => {
    await moveBalance(tx, { tenantId: tenant.id, amount, kind: 'ADJUSTMENT', reference: 'adjustment', description: note, createdBy: actor.userId, allowArrears: true });
    return tx.trx.selectFrom('balances').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
  });
}

/** The balance the key may see: its own tenant's, or (OPERATOR) the given tenant's. Zero when none yet. */
export async function balanceOf(ctx: ServiceContext, tenantId?: string | null): Promise<Balance> {
  const actor = requireActor(ctx.actor);
  const id = actor.role === 'OPERATOR' ? tenantId : actor.tenantId;
  if (!id) throw new ValidationError('tenantId', 'an OPERATOR names the tenant');
  if (actor.role !== 'OPERATOR' && tenantId && tenantId !== actor.tenantId) throw new NotFoundError('tenant', 'tenantId');
  const tenant = UUID.test(id) ? await scopedFrom(ctx, 'tenants').select('tenants.id').where('tenants.id', '=', id).executeTakeFirst() : undefined;
  if (!tenant) throw new NotFoundError('tenant', 'tenantId');
  const row = await scopedFrom(ctx, 'balances').selectAll().where('balances.tenant_id', '=', id).executeTakeFirst();
  return row ?? { tenant_id: id, amount: formatMoney(money(0)), updated_at: new Date(0) };
}

export function ledgerQuery(ctx: ServiceContext, tenantId: string) {
  return scopedFrom(ctx, 'ledger_entries').selectAll().where('ledger_entries.tenant_id', '=', tenantId);
}
