// Reads of owned numbers.
import type { ServiceContext } from '../../context.js';
import { requireActor, scopedFrom, validIds } from '../../access/scope.js';
import type { NumberRow, NumberStatus, NumberType } from './numbers.table.js';

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
  const valid = validIds(ids);
  if (!valid.length) return [];
  let q = ctx.db.selectFrom('numbers').selectAll().where('id', 'in', valid);
  if (actor.role !== 'OPERATOR') q = q.where((eb) => eb.or([eb('tenant_id', '=', actor.tenantId), eb('status', '=', 'AVAILABLE')]));
  return q.execute();
}
