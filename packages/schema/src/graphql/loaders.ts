import type { ServiceContext } from '../context.js';
import { scopedFrom, type TenantTable } from '../access/scope.js';

/**
 * Batch loader for tenant-owned rows by id, through the one isolation point: ids of another
 * tenant's rows load as null, exactly like ids that do not exist.
 */
export async function loadScoped<T extends TenantTable>(ctx: ServiceContext, table: T, ids: readonly string[]) {
  const valid = ids.filter((id) => UUID.test(id));
  const rows = valid.length
    ? ((await (scopedFrom(ctx, table) as any).selectAll().where(`${table}.id`, 'in', valid).execute()) as { id: string }[])
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
