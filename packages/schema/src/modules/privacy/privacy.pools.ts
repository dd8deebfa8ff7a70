// P1, P4, P6: number pools: moving the tenant's numbers in, batch transfer between apps, and the
// unsubscribe check of pool numbers (N7).
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { DomainError, NotFoundError, ValidationError } from '../../errors.js';
import { findScoped, lockScoped, requireTenantAdmin, scopedFrom, validIds } from '../../access/scope.js';
import { assertCanDisplayAsCaller } from '../numbers/numbers.guards.js';
import type { UnsubscribeCheck } from '../numbers/unsubscribe.service.js';
import { afterEnded, appOf, lockX, settleExpired } from './privacy.end.js';
import { activeOnX, emitPoolUsage } from './privacy.usage.js';
import { openVoiceNumbersAmong } from '../voice/voice.numbers.use.js';
import type { PoolNumber, PrivacyApp } from './privacy.table.js';

export const MAX_POOL_BATCH = 100;

function checkIds(numberIds: readonly string[]): void {
  if (!numberIds.length) throw new ValidationError('numberIds', 'give at least one number');
  if (numberIds.length > MAX_POOL_BATCH) throw new ValidationError('numberIds', `at most ${MAX_POOL_BATCH} numbers per call`);
  const first = new Map<string, number>();
  numberIds.forEach((id, i) => {
    if (first.has(id)) throw new ValidationError(`numberIds.${i}`, `the number is listed twice (also at ${first.get(id)})`);
    first.set(id, i);
  });
}

/**
 * P1: the tenant's ACTIVE local or mobile numbers join the app's pool, organised by city. Never a
 * 400 number (N5: it could be shown as the caller), nor an instance's number or one bound to an IVR
 * flow, nor one in another app's pool (transferNumbers moves those). All or nothing; the error
 * names the entry. X-mode apps have pools too: a call to X reaches the app's call control only
 * when X is the app's.
 */
export async function moveNumbersToPool(ctx: ServiceContext, appId: string, numberIds: readonly string[]): Promise<PoolNumber[]> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN moves numbers into pools');
  checkIds(numberIds);
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'privacy_apps', appId, 'privacy app', 'appId');
    const valid = validIds(numberIds);
    const rows = valid.length
      ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'numbers').selectAll().where('numbers.id', 'in', valid).where('numbers.tenant_id', '=', tenantId).forUpdate().execute()
      : [];
    const byId = new Map(rows.map((n) => [n.id, n]));
    const ids = rows.map((r) => r.id);
    const pooled = ids.length ? await tx.trx.selectFrom('privacy_pool_numbers').select(['number_id', 'app_id']).where('number_id', 'in', ids).execute() : [];
    const poolOf = new Map(pooled.map((p) => [p.number_id, p.app_id]));
    const flows = ids.length ? await tx.trx.selectFrom('flow_numbers').select('number_id').where('number_id', 'in', ids).execute() : [];
    const flowBound = new Set(flows.map((f) => f.number_id));
    const voice = await openVoiceNumbersAmong(tx.trx, ids);
    const fresh = numberIds.flatMap((id, i) => {
      const field = `numberIds.${i}`;
      const n = byId.get(id);
      if (!n) throw new NotFoundError('number', field);
      try {
        assertCanDisplayAsCaller(n);
      } catch (e) {
        throw e instanceof DomainError ? new DomainError(e.code, e.message, field) : e;
      }
      if (n.status !== 'ACTIVE') throw new DomainError('NUMBER_NOT_ACTIVE', `${n.e164} is ${n.status}, not ACTIVE`, field);
      if (n.instance_id || flowBound.has(n.id)) throw new DomainError('NUMBER_IN_USE', `${n.e164} serves a call-center instance`, field);
      if (voice.has(n.id)) throw new DomainError('NUMBER_IN_USE', `${n.e164} plays the voice messages of voice app '${voice.get(n.id)}'`, field);
      const inPool = poolOf.get(n.id);
      if (inPool && inPool !== app.id) throw new DomainError('NUMBER_IN_USE', `${n.e164} is in another app's pool: transfer it instead`, field);
      return inPool ? [] : [n];
    });
    if (fresh.length)
      await tx.trx
        .insertInto('privacy_pool_numbers')
        .values(fresh.map((n) => ({ number_id: n.id, app_id: app.id, tenant_id: tenantId, e164: n.e164, province: n.province, city: n.city, created_at: tx.now, updated_at: tx.now })))
        .execute();
    await emitPoolUsage(tx, app, fresh.map((n) => n.city));
    return tx.trx.selectFrom('privacy_pool_numbers').selectAll().where('number_id', 'in', numberIds.map((id) => byId.get(id)!.id)).orderBy('e164').execute();
  });
}

export interface TransferResult {
  numberId: string;
  e164: string | null;
  fromAppId: string | null;
  moved: boolean;
  /** Why it did not move: NOT_FOUND, NOT_IN_POOL, NOT_IN_SOURCE_APP, ALREADY_IN_APP, ACTIVE_BINDINGS. */
  reasonCode: string | null;
  reason: string | null;
  /** A tenant key's read of the pool row, for the result's PoolNumber. */
  poolNumberId: string | null;
}

/**
 * P6: moves pool numbers to another app of the tenant (how an AXE extension length changes), with
 * a result per number: a number with active bindings stays (each X's row locked, in number id order,
 * and its expired bindings settled first).
 */
export async function transferNumbers(ctx: ServiceContext, toAppId: string, numberIds: readonly string[], fromAppId?: string | null): Promise<TransferResult[]> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN transfers pool numbers');
  checkIds(numberIds);
  return inTransaction(ctx, async (tx) => {
    const to = await lockScoped(tx, ctx.actor, 'privacy_apps', toAppId, 'privacy app', 'appId');
    if (fromAppId != null && !(await findScoped({ db: tx.trx, actor: ctx.actor }, 'privacy_apps', fromAppId))) throw new NotFoundError('privacy app', 'fromAppId');
    const valid = validIds(numberIds);
    const rows = valid.length
      ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'privacy_pool_numbers').selectAll().where('privacy_pool_numbers.number_id', 'in', valid).orderBy('privacy_pool_numbers.number_id').forUpdate().execute()
      : [];
    const byNumber = new Map(rows.map((p) => [p.number_id, p]));
    const apps = new Map<string, PrivacyApp>([[to.id, to]]);
    const changed: { app: PrivacyApp; city: string }[] = [];
    const results: TransferResult[] = [];
    for (const id of numberIds) {
      const p = byNumber.get(id);
      const result = (moved: boolean, reasonCode: string | null, reason: string | null): TransferResult => ({
        numberId: id,
        e164: p?.e164 ?? null,
        fromAppId: p?.app_id ?? null,
        moved,
        reasonCode,
        reason,
        poolNumberId: p?.id ?? null,
      });
      if (!p) {
        results.push(result(false, 'NOT_IN_POOL', 'not a number of a pool of this tenant'));
        continue;
      }
      if (fromAppId != null && p.app_id !== fromAppId) results.push(result(false, 'NOT_IN_SOURCE_APP', `${p.e164} is not in the pool of the app it is transferred from`));
      else if (p.app_id === to.id) results.push(result(false, 'ALREADY_IN_APP', `${p.e164} is in this app's pool already`));
      else {
        const settled = await settleExpired(tx, p.number_id);
        if (settled.length) await afterEnded(tx, p);
        const active = await activeOnX(tx, p.number_id);
        if (active) results.push(result(false, 'ACTIVE_BINDINGS', `${p.e164} has ${active} active binding${active > 1 ? 's' : ''}: unbind first`));
        else {
          await tx.trx.updateTable('privacy_pool_numbers').set({ app_id: to.id, updated_at: tx.now }).where('id', '=', p.id).execute();
          if (!apps.has(p.app_id)) apps.set(p.app_id, await appOf(tx, p.app_id));
          changed.push({ app: apps.get(p.app_id)!, city: p.city }, { app: to, city: p.city });
          results.push(result(true, null, null));
        }
      }
    }
    for (const app of apps.values()) await emitPoolUsage(tx, app, changed.filter((c) => c.app.id === app.id).map((c) => c.city));
    return results;
  });
}

/**
 * N7: a pool number with active bindings cannot be unsubscribed (its pool row locked: no bind slips
 * in). Bindings past their expiry are marked EXPIRED first, with their events, before the number
 * may go (once released, it leaves its pool: the migration's trigger).
 */
export const activeBindingsCheck: UnsubscribeCheck = async (tx, n) => {
  const pool = await lockX(tx, n.id);
  if (!pool) return null;
  if ((await settleExpired(tx, n.id)).length) await afterEnded(tx, pool);
  const active = await activeOnX(tx, n.id);
  return active ? { code: 'ACTIVE_BINDINGS', reason: `${n.e164} has ${active} active privacy binding${active > 1 ? 's' : ''}: unbind first` } : null;
};

// Reads (through scopedFrom)

export function poolNumbersQuery(ctx: ServiceContext, f: { appId?: string | null; city?: string | null } = {}) {
  let q = scopedFrom(ctx, 'privacy_pool_numbers').selectAll();
  if (f.appId) q = q.where('privacy_pool_numbers.app_id', '=', f.appId);
  if (f.city) q = q.where('privacy_pool_numbers.city', '=', f.city);
  return q;
}
