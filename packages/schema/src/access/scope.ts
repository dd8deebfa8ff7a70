import type { SelectQueryBuilder } from 'kysely';
import type { ServiceContext } from '../context.js';
import type { Database } from '../db/database.js';
import { ForbiddenError } from '../errors.js';
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
