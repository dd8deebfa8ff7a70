import type { ServiceContext } from '../context.js';
import { scopedFrom, validIds, type ScopedRow } from '../access/scope.js';
import type { PolicyTable } from '../access/policy.js';

/**
 * Batch loader for tenant-owned rows by id, through the one isolation point: ids of another
 * tenant's rows load as null, exactly like ids that do not exist.
 */
export async function loadScoped<T extends PolicyTable>(ctx: ServiceContext, table: T, ids: readonly string[]): Promise<(ScopedRow<T> | null)[]> {
  const valid = validIds(ids);
  const rows = valid.length
    ? ((await (scopedFrom(ctx, table) as any).selectAll().where(`${table}.id`, 'in', valid).execute()) as { id: string }[])
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => (byId.get(id) as ScopedRow<T> | undefined) ?? null);
}

/** The visible rows of `ids`, for a loadableNode's `load` (its `sort` puts them in order). */
export async function loadScopedRows<T extends PolicyTable>(ctx: ServiceContext, table: T, ids: readonly string[]): Promise<ScopedRow<T>[]> {
  return (await loadScoped(ctx, table, ids)).filter((r): r is ScopedRow<T> => r !== null);
}
