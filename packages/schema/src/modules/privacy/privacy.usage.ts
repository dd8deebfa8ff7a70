// P1, P4: pool usage per city (total, bound, free) and the bind quota of each X, counted by the
// injected clock: a binding past its expiry is not bound, whether or not the job has run (P5).
import { sql, type ExpressionBuilder } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { SYSTEM } from '../../access/actor.js';
import type { Tx } from '../../db/transaction.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import { extensionCapacity } from './privacy.input.js';
import type { PrivacyApp, PrivacyMode } from './privacy.table.js';

/** P3: an X holds at most 5 000 AXB pairs and one AX binding; an A at most 5 AX numbers (per app). */
export const MAX_AXB_PAIRS_PER_X = 5000;
export const MAX_AX_NUMBERS_PER_A = 5;

/** A binding is active while not ended and not past its expiry at `now` (P5: at the exact second). */
export const activeAt =
  (now: Date) =>
  (eb: ExpressionBuilder<Database, 'privacy_bindings'>) =>
    eb.and([
      eb('privacy_bindings.ended_at', 'is', null),
      eb.or([eb('privacy_bindings.expires_at', 'is', null), eb('privacy_bindings.expires_at', '>', now)]),
    ]);

/** The same, as SQL over a row of privacy_bindings named `b`. */
export const activeSql = (now: Date) => sql<boolean>`(b.ended_at is null and (b.expires_at is null or b.expires_at > ${now}))`;

/** P4: how many bindings an X holds at most, by its app's mode (null: X mode, no stored bindings). */
export function quotaOf(app: Pick<PrivacyApp, 'mode' | 'extension_length'>): number | null {
  switch (app.mode) {
    case 'AXB':
      return MAX_AXB_PAIRS_PER_X;
    case 'AX':
      return 1;
    case 'AXE':
      return extensionCapacity(app.extension_length ?? 1);
    default:
      return null;
  }
}

export interface CityUsage {
  app_id: string;
  province: string;
  city: string;
  total: number;
  bound: number;
  free: number;
}

/** Per app and city: numbers in the pool, those with an active binding, the others (X-mode apps have none: P1). */
function usageQuery(q: ReturnType<typeof scopedFrom<'privacy_pool_numbers'>>, now: Date) {
  return q
    .innerJoin('privacy_apps', 'privacy_apps.id', 'privacy_pool_numbers.app_id')
    .where('privacy_apps.mode', '<>', 'X')
    .select([
      'privacy_pool_numbers.app_id',
      'privacy_pool_numbers.city',
      sql<string>`min(privacy_pool_numbers.province)`.as('province'),
      sql<number>`count(*)::int`.as('total'),
      sql<number>`(count(*) filter (where exists (select 1 from privacy_bindings b
        where b.x_number_id = privacy_pool_numbers.number_id and b.app_id = privacy_pool_numbers.app_id and ${activeSql(now)})))::int`.as('bound'),
    ])
    .groupBy(['privacy_pool_numbers.app_id', 'privacy_pool_numbers.city'])
    .orderBy('privacy_pool_numbers.city');
}

const withFree = (rows: Omit<CityUsage, 'free'>[]): CityUsage[] => rows.map((r) => ({ ...r, free: r.total - r.bound }));

/** Pool usage of the apps the key may read, per city. */
export async function poolUsageOf(ctx: ServiceContext, appIds: readonly string[]): Promise<CityUsage[]> {
  const ids = validIds(appIds);
  if (!ids.length) return [];
  return withFree(await usageQuery(scopedFrom(ctx, 'privacy_pool_numbers'), ctx.clock.now()).where('privacy_pool_numbers.app_id', 'in', ids).execute());
}

/**
 * POOL_USAGE_CHANGED for each of the app's cities given: the new total / bound / free, in the
 * change's transaction. X-mode apps show no usage (P1) and emit none.
 */
export async function emitPoolUsage(tx: Tx, app: Pick<PrivacyApp, 'id' | 'tenant_id' | 'mode'>, cities: Iterable<string>): Promise<void> {
  if (app.mode === 'X') return;
  for (const city of new Set(cities)) {
    const row = await usageQuery(scopedFrom({ db: tx.trx, actor: SYSTEM }, 'privacy_pool_numbers'), tx.now)
      .where('privacy_pool_numbers.app_id', '=', app.id)
      .where('privacy_pool_numbers.city', '=', city)
      .executeTakeFirst();
    const usage = row ? withFree([row])[0]! : { app_id: app.id, province: '', city, total: 0, bound: 0, free: 0 };
    await tx.emit({
      type: 'POOL_USAGE_CHANGED',
      tenantId: app.tenant_id,
      appId: app.id,
      subjectId: app.id,
      payload: { appId: app.id, city, province: usage.province, total: usage.total, bound: usage.bound, free: usage.free },
    });
  }
}

/** Active bindings on each X (by number id), for the quota of P4. */
export async function boundCounts(ctx: ServiceContext, numberIds: readonly string[]): Promise<Map<string, number>> {
  const ids = validIds(numberIds);
  if (!ids.length) return new Map();
  const rows = await scopedFrom(ctx, 'privacy_bindings')
    .select(['privacy_bindings.x_number_id', sql<number>`count(*)::int`.as('n')])
    .where('privacy_bindings.x_number_id', 'in', ids)
    .where(activeAt(ctx.clock.now()))
    .groupBy('privacy_bindings.x_number_id')
    .execute();
  return new Map(rows.map((r) => [r.x_number_id, r.n]));
}

/** Active bindings on one X inside a change (its pool row locked by the caller). */
export async function activeOnX(tx: Tx, xNumberId: string, mode?: PrivacyMode): Promise<number> {
  let q = tx.trx
    .selectFrom('privacy_bindings')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('x_number_id', '=', xNumberId)
    .where(activeAt(tx.now));
  if (mode) q = q.where('mode', '=', mode as never);
  return (await q.executeTakeFirstOrThrow()).n;
}

export interface XQuota {
  number_id: string;
  bound: number;
  /** null: X mode (no stored bindings). */
  limit: number | null;
  remaining: number | null;
}

/** P4: per X, its active bindings and how many more it takes, by its app's mode. */
export async function quotasOf(ctx: ServiceContext, numberIds: readonly string[]): Promise<XQuota[]> {
  const ids = validIds(numberIds);
  if (!ids.length) return [];
  const pools = await scopedFrom(ctx, 'privacy_pool_numbers')
    .innerJoin('privacy_apps', 'privacy_apps.id', 'privacy_pool_numbers.app_id')
    .select(['privacy_pool_numbers.number_id', 'privacy_apps.mode', 'privacy_apps.extension_length'])
    .where('privacy_pool_numbers.number_id', 'in', ids)
    .execute();
  const counts = await boundCounts(ctx, ids);
  return pools.map((p) => {
    const limit = quotaOf(p);
    const bound = counts.get(p.number_id) ?? 0;
    return { number_id: p.number_id, bound, limit, remaining: limit === null ? null : Math.max(limit - bound, 0) };
  });
}
