// Reads of owned numbers.
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import type { NumberRow, NumberStatus, NumberType } from './numbers.table.js';

/** Numbers the key may see: its tenant's (OPERATOR: all, stock included). */
export function numbersQuery(ctx: ServiceContext, f: { status?: NumberStatus | null; type?: NumberType | null } = {}) {
  let q = scopedFrom(ctx, 'numbers').selectAll();
  // a tenant's keys also see the stock (READ_POLICY); their list is of the numbers they hold
  if (ctx.actor?.role !== 'OPERATOR') q = q.where('numbers.tenant_id', 'is not', null);
  if (f.status) q = q.where('numbers.status', '=', f.status);
  if (f.type) q = q.where('numbers.type', '=', f.type);
  return q;
}

/** By id: the tenant's own numbers and numbers in stock (which every tenant may look at: READ_POLICY). */
export async function numbersById(ctx: ServiceContext, ids: readonly string[]): Promise<NumberRow[]> {
  const valid = validIds(ids);
  if (!valid.length) return [];
  return scopedFrom(ctx, 'numbers').selectAll().where('numbers.id', 'in', valid).execute();
}
