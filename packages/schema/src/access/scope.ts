import type { Selectable, SelectQueryBuilder } from 'kysely';
import type { ServiceContext } from '../context.js';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Actor } from './actor.js';

/** Tables whose rows belong to one tenant (they have a tenant_id column). */
export type TenantTable = {
  [T in keyof Database]: Database[T] extends { tenant_id: unknown } ? T : never;
}[keyof Database];

/**
 * Tenant isolation, in one place: every read of tenant-owned rows starts here. OPERATOR
 * keys see every tenant; any other key sees only rows of its own tenant; no key sees none.
 */
export function scopedFrom<T extends TenantTable>(ctx: Pick<ServiceContext, 'db' | 'actor'>, table: T) {
  const actor = requireActor(ctx.actor);
  const q = ctx.db.selectFrom(table as TenantTable) as unknown as SelectQueryBuilder<Database, T, {}>;
  if (actor.role === 'OPERATOR') return q;
  return q.where(`${table}.tenant_id` as never, '=', actor.tenantId as never);
}

/** Row ids are UUIDs: anything else names no row, and is never sent to the database. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids that can name a row; the others match nothing and are not sent to the database. */
export const validIds = (ids: readonly string[]): string[] => ids.filter((id) => UUID.test(id));

export type ScopedRow<T extends TenantTable> = Selectable<Database[T]>;

/**
 * One tenant-owned row by id, through scopedFrom: another tenant's row, like a missing one or a
 * malformed id, is undefined. `forUpdate` locks it (pass the transaction's db).
 */
export async function findScoped<T extends TenantTable>(
  ctx: Pick<ServiceContext, 'db' | 'actor'>,
  table: T,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ScopedRow<T> | undefined> {
  if (!UUID.test(id)) return undefined;
  let q = (scopedFrom(ctx, table) as any).selectAll().where(`${table}.id`, '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** A visible row locked for a change in `tx`; not visible is NOT_FOUND naming `what` and the id's `field`. */
export async function lockScoped<T extends TenantTable>(
  tx: Tx,
  actor: Actor | null,
  table: T,
  id: string,
  what: string,
  field: string,
): Promise<ScopedRow<T>> {
  const row = await findScoped({ db: tx.trx, actor }, table, id, { forUpdate: true });
  if (!row) throw new NotFoundError(what, field);
  return row;
}

/** Only a key of that role does this: "only an OPERATOR <what>". */
export function requireOperator(actor: Actor | null, what: string): Actor {
  const a = requireActor(actor);
  if (a.role !== 'OPERATOR') throw new ForbiddenError(`only an OPERATOR ${what}`);
  return a;
}

/** A tenant write by its TENANT_ADMIN; returns the acting tenant. `message` says who may. */
export function requireTenantAdmin(actor: Actor | null, message: string): string {
  const tenantId = actingTenant(actor);
  if (actor!.role !== 'TENANT_ADMIN') throw new ForbiddenError(message);
  return tenantId;
}

export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new ForbiddenError('an API key is required');
  return actor;
}

/** The tenant a tenant-owned write goes to: the key's own tenant. */
export function actingTenant(actor: Actor | null): string {
  const a = requireActor(actor);
  if (!a.tenantId) throw new ForbiddenError('this action is taken by a tenant key, not an OPERATOR key');
  return a.tenantId;
}

/** Event visibility follows the same rule: operators see all, others their tenant. */
export function eventTenantFilter(actor: Actor | null): string | undefined {
  const a = requireActor(actor);
  return a.role === 'OPERATOR' ? undefined : (a.tenantId as string);
}

/** Tenants are visible the same way: OPERATOR keys see every tenant, any other key its own. */
export function visibleTenants(ctx: Pick<ServiceContext, 'db' | 'actor'>) {
  const actor = requireActor(ctx.actor);
  const q = ctx.db.selectFrom('tenants');
  return actor.role === 'OPERATOR' ? q : q.where('tenants.id', '=', actor.tenantId as string);
}
