// Reads of call-center instances (through scopedFrom) and what later modules ask of them.
import type { Kysely } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { findScoped, scopedFrom, UUID, validIds } from '../../access/scope.js';
import type { Database } from '../../db/database.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import type { Instance, InstanceStatus } from './instances.table.js';

/** The instances the key may see (own tenant; OPERATOR: all). */
export function instancesQuery(ctx: ServiceContext, f: { status?: InstanceStatus | null } = {}) {
  let q = scopedFrom(ctx, 'instances').selectAll();
  if (f.status) q = q.where('instances.status', '=', f.status);
  return q;
}

export async function findInstance(ctx: ServiceContext, id: string): Promise<Instance | null> {
  return (await findScoped(ctx, 'instances', id)) ?? null;
}

/** The numbers that belong to the instances (numbers.instance_id), in one query for all of them. */
export async function numbersOfInstances(ctx: ServiceContext, instanceIds: readonly string[]): Promise<NumberRow[]> {
  const ids = validIds(instanceIds);
  if (!ids.length) return [];
  return scopedFrom(ctx, 'numbers').selectAll().where('numbers.instance_id', 'in', ids).orderBy('numbers.e164').execute();
}

/**
 * I5: whether the instance's conversation-analysis add-on is on: what call records read to mark a
 * recording for quality analysis. System work (pass the transaction's db); a missing instance is off.
 */
export async function instanceAnalysisEnabled(db: Kysely<Database>, instanceId: string): Promise<boolean> {
  if (!UUID.test(instanceId)) return false;
  const row = await db.selectFrom('instances').select('analysis_enabled').where('id', '=', instanceId).executeTakeFirst();
  return row?.analysis_enabled ?? false;
}
