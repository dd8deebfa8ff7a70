import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { findScoped, requireTenantAdmin, scopedFrom, validIds } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { dateInZone } from '../../shared/calendar.js';
import { releaseToStock } from './numbers.service.js';
import type { NumberRow } from './numbers.table.js';
import type { UnsubscribeBatch, UnsubscribeBatchStatus, UnsubscribeItem } from './unsubscribe.table.js';

export const MAX_UNSUBSCRIBE_BATCH = 100;

// ---------------------------------------------------------------------------------------------
// N7: the check registry. Each module that can keep a number in use adds its check.

export interface CheckFailure {
  /** Stable code, e.g. UNPAID_ORDER, INSTANCE_PRIMARY_NUMBER, ACTIVE_BINDINGS. */
  code: string;
  reason: string;
}

/** Runs inside the batch's transaction with the number locked; null = the number may go. */
export type UnsubscribeCheck = (tx: Tx, number: NumberRow) => Promise<CheckFailure | null>;

const checks = new Map<string, UnsubscribeCheck>();

/** Adds (or replaces, by name) a check every number of an unsubscribe batch must pass. */
export function registerUnsubscribeCheck(name: string, check: UnsubscribeCheck): void {
  checks.set(name, check);
}

/** A number with an UNPAID order (a renewal, an application still to pay) cannot be unsubscribed. */
export const unpaidOrderCheck: UnsubscribeCheck = async (tx, n) => {
  const unpaid = await tx.trx
    .selectFrom('order_lines')
    .innerJoin('orders', 'orders.id', 'order_lines.order_id')
    .select('orders.order_no')
    .where('order_lines.number_id', '=', n.id)
    .where('orders.status', '=', 'UNPAID')
    .where('orders.tenant_id', '=', n.tenant_id!)
    .orderBy('orders.created_at')
    .executeTakeFirst();
  return unpaid ? { code: 'UNPAID_ORDER', reason: `order ${unpaid.order_no} for ${n.e164} is unpaid: pay or cancel it first` } : null;
};

// ---------------------------------------------------------------------------------------------
// N7: batches

/** The job's name; its handler is registered by the module (numbers.module.ts). */
export const UNSUBSCRIBE_TASK = 'numbers.unsubscribe';

async function emitBatchStatus(tx: Tx, batch: UnsubscribeBatch, previousStatus: UnsubscribeBatchStatus | null, counts: { released: number; failed: number; total: number }) {
  await tx.emit({
    type: 'UNSUBSCRIBE_BATCH_STATUS_CHANGED',
    tenantId: batch.tenant_id,
    subjectId: batch.id,
    payload: { status: batch.status, previousStatus, ...counts },
  });
}

/**
 * N7: a TENANT_ADMIN unsubscribes some of its numbers. The batch starts CHECKING; a job runs
 * the checks and releases the numbers that pass. Unknown ids and other tenants' numbers are
 * refused up front (NOT_FOUND naming the entry), and then nothing is written.
 */
export async function unsubscribeNumbers(ctx: ServiceContext, numberIds: readonly string[]): Promise<UnsubscribeBatch> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN unsubscribes numbers');
  if (!numberIds.length) throw new ValidationError('numberIds', 'give at least one number to unsubscribe');
  if (numberIds.length > MAX_UNSUBSCRIBE_BATCH) throw new ValidationError('numberIds', `at most ${MAX_UNSUBSCRIBE_BATCH} numbers per batch`);
  const first = new Map<string, number>();
  numberIds.forEach((id, i) => {
    if (first.has(id)) throw new ValidationError(`numberIds.${i}`, `the number is listed twice (also at ${first.get(id)})`);
    first.set(id, i);
  });
  return inTransaction(ctx, async (tx) => {
    const valid = validIds(numberIds);
    const owned = valid.length
      ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'numbers').selectAll().where('numbers.id', 'in', valid).execute()
      : [];
    const byId = new Map(owned.map((n) => [n.id, n]));
    numberIds.forEach((id, i) => {
      if (!byId.has(id)) throw new NotFoundError('number', `numberIds.${i}`);
    });
    const batch = await tx.trx
      .insertInto('unsubscribe_batches')
      .values({ tenant_id: tenantId, status: 'CHECKING', requested_by: ctx.actor!.userId, created_at: tx.now, updated_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.trx
      .insertInto('unsubscribe_items')
      .values(
        numberIds.map((id, i) => {
          const n = byId.get(id)!;
          return {
            batch_id: batch.id,
            tenant_id: tenantId,
            position: i + 1,
            number_id: n.id,
            e164: n.e164,
            number_type: n.type,
            result: 'CHECKING' as const,
            created_at: tx.now,
            updated_at: tx.now,
          };
        }),
      )
      .execute();
    await scheduleJob(tx, UNSUBSCRIBE_TASK, { batchId: batch.id }, { runAt: tx.now, jobKey: `unsubscribe:${batch.id}` });
    await emitBatchStatus(tx, batch, null, { released: 0, failed: 0, total: numberIds.length });
    return batch;
  });
}

/** The first day of the month after `at` in the time zone, YYYY-MM-DD: fees stop from that month on. */
export function firstOfNextMonth(at: Date, timeZone: string): string {
  const [y, m] = dateInZone(at, timeZone).split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/**
 * N7: checks each number of a CHECKING batch; those that pass go back to stock (tenant cleared,
 * AVAILABLE) with their monthly fees ending this month. The batch ends COMPLETED (all released),
 * PARTIAL_SUCCESS (some) or CHECK_FAILED (none). One transaction: all results or none.
 */
export async function runUnsubscribeChecks(ctx: ServiceContext, batchId: string): Promise<UnsubscribeBatch | null> {
  return inTransaction(ctx, async (tx) => {
    const batch = await lockRow(tx, 'unsubscribe_batches', batchId);
    if (!batch || batch.status !== 'CHECKING') return batch ?? null;
    const tenant = await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', batch.tenant_id).executeTakeFirstOrThrow();
    const feesEndMonth = firstOfNextMonth(tx.now, tenant.time_zone);
    const items = await tx.trx.selectFrom('unsubscribe_items').selectAll().where('batch_id', '=', batch.id).orderBy('position').execute();
    let released = 0;
    for (const item of items) {
      const n = await lockRow(tx, 'numbers', item.number_id);
      let failure: CheckFailure | null = null;
      if (!n || n.tenant_id !== batch.tenant_id) failure = { code: 'NOT_OWNED', reason: `${item.e164} is no longer the tenant's number` };
      for (const check of checks.values()) {
        if (failure) break;
        failure = await check(tx, n!);
      }
      if (failure) {
        await tx.trx
          .updateTable('unsubscribe_items')
          .set({ result: 'FAILED', reason_code: failure.code, reason: failure.reason, updated_at: tx.now })
          .where('id', '=', item.id)
          .execute();
        continue;
      }
      await releaseToStock(tx, n!, 'UNSUBSCRIBED', { batchId: batch.id, feesEndMonth });
      await tx.trx
        .updateTable('unsubscribe_items')
        .set({ result: 'RELEASED', fees_end_month: feesEndMonth, updated_at: tx.now })
        .where('id', '=', item.id)
        .execute();
      released++;
    }
    const status: UnsubscribeBatchStatus = released === items.length ? 'COMPLETED' : released > 0 ? 'PARTIAL_SUCCESS' : 'CHECK_FAILED';
    const done = await tx.trx
      .updateTable('unsubscribe_batches')
      .set({ status, completed_at: tx.now, updated_at: tx.now })
      .where('id', '=', batch.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitBatchStatus(tx, done, batch.status, { released, failed: items.length - released, total: items.length });
    return done;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

export function unsubscribeBatchesQuery(ctx: ServiceContext, f: { status?: UnsubscribeBatchStatus | null } = {}) {
  let q = scopedFrom(ctx, 'unsubscribe_batches').selectAll();
  if (f.status) q = q.where('unsubscribe_batches.status', '=', f.status);
  return q;
}

export async function findUnsubscribeBatch(ctx: ServiceContext, id: string): Promise<UnsubscribeBatch | null> {
  return (await findScoped(ctx, 'unsubscribe_batches', id)) ?? null;
}

export async function unsubscribeItemsOf(ctx: ServiceContext, batchIds: readonly string[]): Promise<UnsubscribeItem[]> {
  const ids = validIds(batchIds);
  if (!ids.length) return [];
  return scopedFrom(ctx, 'unsubscribe_items')
    .selectAll()
    .where('unsubscribe_items.batch_id', 'in', ids)
    .orderBy('unsubscribe_items.batch_id')
    .orderBy('unsubscribe_items.position')
    .execute();
}

