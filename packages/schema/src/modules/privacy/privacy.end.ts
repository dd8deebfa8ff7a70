// P3, P5: the lock order of binding changes, ending a binding (unbound, expired), and expiry by
// job and sweep.
//
// Lock order, the same in every change, so that two changes never wait on each other in a cycle:
//   1. the X number's pool row (privacy_pool_numbers, FOR UPDATE): every bind, unbind, update,
//      expiry and transfer of that X is serialised here; a change of several Xs (unbind by numbers,
//      transfer) locks them in number id order (a bind that picks X skips locked rows, never waits);
//   2. AX binds: the transaction-scoped advisory lock of (app, A), for the 5-numbers-per-A limit;
//   3. binding rows.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { systemDb } from '../../access/scope.js';
import { activeAt, activeOnX, emitPoolUsage } from './privacy.usage.js';
import type { Binding, PoolNumber, PrivacyApp } from './privacy.table.js';

export const EXPIRE_BINDING_TASK = 'privacy.expireBinding';

export type BindingChange = 'BOUND' | 'UPDATED' | 'UNBOUND' | 'EXPIRED';

/** Step 1: the pool row of an X, locked (undefined when the number left the pool). */
export async function lockX(tx: Tx, xNumberId: string): Promise<PoolNumber | undefined> {
  return tx.trx.selectFrom('privacy_pool_numbers').selectAll().where('number_id', '=', xNumberId).forUpdate().executeTakeFirst();
}

/** Step 2: AX binds of one A in one app wait for each other (P3: at most 5 AX numbers per A). */
export async function lockAxParty(tx: Tx, appId: string, a: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`privacy-ax:${appId}:${a}`}, 0))`.execute(tx.trx);
}

export async function appOf(tx: Tx, appId: string): Promise<PrivacyApp> {
  return tx.trx.selectFrom('privacy_apps').selectAll().where('id', '=', appId).executeTakeFirstOrThrow();
}

/** BINDING_CHANGED, with the binding's user data (P5: echoed in every event of the binding). */
export async function emitBindingChanged(tx: Tx, b: Binding, change: BindingChange): Promise<void> {
  await tx.emit({
    type: 'BINDING_CHANGED',
    tenantId: b.tenant_id,
    appId: b.app_id,
    subjectId: b.id,
    payload: {
      change,
      bindingId: b.id,
      appId: b.app_id,
      mode: b.mode,
      x: b.x_e164,
      a: b.a_e164,
      b: b.b_e164,
      extension: b.extension,
      direction: b.direction,
      userData: b.user_data,
      expiresAt: b.expires_at?.toISOString() ?? null,
      endReason: b.end_reason,
    },
  });
}

/**
 * Ends an active binding (the caller holds its X's pool row): its routing keys go at once, the
 * event is written. An expired binding ended at its expiry, not when it was noticed.
 */
export async function endBinding(tx: Tx, b: Binding, reason: 'UNBOUND' | 'EXPIRED'): Promise<Binding> {
  const at = reason === 'EXPIRED' && b.expires_at ? b.expires_at : tx.now;
  const ended = await tx.trx
    .updateTable('privacy_bindings')
    .set({ ended_at: at, end_reason: reason, updated_at: tx.now })
    .where('id', '=', b.id)
    .where('ended_at', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.trx.deleteFrom('privacy_binding_keys').where('binding_id', '=', b.id).execute();
  await emitBindingChanged(tx, ended, reason === 'EXPIRED' ? 'EXPIRED' : 'UNBOUND');
  return ended;
}

/** After bindings of an X ended: the city's usage changed if the X holds none any more. */
export async function afterEnded(tx: Tx, pool: PoolNumber | undefined): Promise<void> {
  if (pool && (await activeOnX(tx, pool.number_id)) === 0) await emitPoolUsage(tx, await appOf(tx, pool.app_id), [pool.city]);
}

/** The bindings of a locked X that are past their expiry are marked EXPIRED before the X is used again. */
export async function settleExpired(tx: Tx, xNumberId: string): Promise<Binding[]> {
  const due = await tx.trx
    .selectFrom('privacy_bindings')
    .selectAll()
    .where('x_number_id', '=', xNumberId)
    .where('ended_at', 'is', null)
    .where('expires_at', '<=', tx.now)
    .orderBy('expires_at')
    .forUpdate()
    .execute();
  const ended: Binding[] = [];
  for (const b of due) ended.push(await endBinding(tx, b, 'EXPIRED'));
  return ended;
}

/**
 * P5: the expiry job of a binding (and the sweep's handler): marks it EXPIRED and writes the
 * event, if it is still past its expiry (an update may have moved it). Routing never waited for
 * this: reads compare expires_at with the clock.
 */
export async function expireBinding(ctx: ServiceContext, bindingId: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    const seen = await tx.trx.selectFrom('privacy_bindings').select(['x_number_id']).where('id', '=', bindingId).executeTakeFirst();
    if (!seen) return false;
    const pool = await lockX(tx, seen.x_number_id);
    const b = await lockRow(tx, 'privacy_bindings', bindingId);
    if (!b || b.ended_at || !b.expires_at || b.expires_at > tx.now) return false;
    await endBinding(tx, b, 'EXPIRED');
    await afterEnded(tx, pool);
    return true;
  });
}

/** The sweep: bindings past their expiry that no job has marked yet. */
export async function sweepExpiredBindings(ctx: ServiceContext): Promise<number> {
  const due = await systemDb(ctx)
    .selectFrom('privacy_bindings')
    .select('id')
    .where('ended_at', 'is', null)
    .where('expires_at', '<=', ctx.clock.now())
    .orderBy('expires_at')
    .limit(500)
    .execute();
  let n = 0;
  for (const { id } of due) if (await expireBinding(ctx, id)) n++;
  return n;
}

/** Active bindings of one X, for checks inside a change. */
export function activeBindingsOfX(tx: Tx, xNumberId: string) {
  return tx.trx.selectFrom('privacy_bindings').selectAll().where('x_number_id', '=', xNumberId).where(activeAt(tx.now));
}
