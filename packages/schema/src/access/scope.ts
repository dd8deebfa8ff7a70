import { sql, type AliasedSelectQueryBuilder, type CompiledQuery, type Expression, type Kysely, type ExpressionBuilder, type Selectable, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { ServiceContext } from '../context.js';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { SYSTEM, type Actor } from './actor.js';
import { READ_POLICY, ruleFor, type PolicyTable, type RowRule, type TablePolicy } from './policy.js';

/** Tables whose rows belong to one tenant (they have a tenant_id column). */
export type TenantTable = {
  [T in keyof Database]: Database[T] extends { tenant_id: unknown } ? T : never;
}[keyof Database];

/**
 * Every read of the caller starts here: the rows of `table` that READ_POLICY lets the key see
 * (OPERATOR: all; TENANT_ADMIN and SUPERVISOR: their tenant's; PARTNER: its app's; no key: none).
 */
export function scopedFrom<T extends PolicyTable>(ctx: Pick<ServiceContext, 'db' | 'actor'>, table: T) {
  const actor = requireActor(ctx.actor);
  const q = ctx.db.selectFrom(table as PolicyTable) as unknown as SelectQueryBuilder<Database, T, {}>;
  const rule = ruleFor(table, actor.role);
  if (rule === 'ALL') return q;
  return q.where((eb) => visibleRows(eb as ExpressionBuilder<any, any>, table, rule, actor));
}

function visibleRows(eb: ExpressionBuilder<any, any>, table: PolicyTable, rule: RowRule, actor: Actor): Expression<SqlBool> {
  const policy: TablePolicy = READ_POLICY[table];
  const tenant = eb(sql.ref(`${table}.${policy.tenantColumn ?? 'tenant_id'}`), '=', actor.tenantId);
  switch (rule) {
    case 'TENANT':
      return actor.tenantId ? tenant : sql<SqlBool>`false`;
    case 'TENANT_OR_STOCK':
      return eb.or([...(actor.tenantId ? [tenant] : []), eb(sql.ref(`${table}.status`), '=', 'AVAILABLE')]);
    case 'APP':
      return actor.appId && actor.tenantId ? eb.and([tenant, eb(sql.ref(`${table}.${policy.appColumn ?? 'app_id'}`), '=', actor.appId)]) : sql<SqlBool>`false`;
    default:
      return sql<SqlBool>`${rule === 'ALL'}`;
  }
}

/**
 * A query over a subquery built from scopedFrom (e.g. rows ranked by a window function, then cut):
 * the rows are already the policy's, the outer query only reshapes them.
 */
export function fromScopedSubquery<O, A extends string>(ctx: Pick<ServiceContext, 'db'>, sub: AliasedSelectQueryBuilder<O, A>) {
  return ctx.db.selectFrom(sub);
}

/**
 * A query compiled once from scopedFrom (the policy applied when it was built, with stand-in
 * values) and run with this call's values: for hot paths that cache their compiled SQL.
 */
export function executeCompiledScoped<R>(ctx: Pick<ServiceContext, 'db'>, compiled: CompiledQuery<R>) {
  return ctx.db.executeQuery<R>(compiled);
}

/**
 * Rows that no key may read but that the platform uses on a key's behalf, never returned to it
 * (an app's signing secrets, to sign what is sent to the app's own URLs). Each use names why.
 */
export function platformReads(ctx: Pick<ServiceContext, 'db'>, _why: 'signing secrets'): Kysely<Database> {
  return ctx.db;
}

/** Row ids are UUIDs: anything else names no row, and is never sent to the database. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids that can name a row; the others match nothing and are not sent to the database. */
export const validIds = (ids: readonly string[]): string[] => ids.filter((id) => UUID.test(id));

export type ScopedRow<T extends PolicyTable> = Selectable<Database[T]>;

/**
 * One tenant-owned row by id, through scopedFrom: another tenant's row, like a missing one or a
 * malformed id, is undefined. `forUpdate` locks it (pass the transaction's db).
 */
export async function findScoped<T extends PolicyTable>(
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
export async function lockScoped<T extends PolicyTable>(
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

/**
 * The database without the read policy, for system work only: jobs, the CLI, migrations and the
 * check of a presented key. A key's context never gets it, so a grep for systemDb lists every read
 * that bypasses READ_POLICY.
 */
export function systemDb(ctx: { db: Kysely<Database>; actor?: Actor | null }): Kysely<Database> {
  if (ctx.actor && ctx.actor !== SYSTEM) throw new Error('systemDb is for system work, never for a key’s request');
  return ctx.db;
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

/** The events a key may see, from the events policy: tenant and app filters, or none at all. */
export function eventScope(actor: Actor | null): { tenantId?: string; appId?: string; visible: boolean } {
  const a = requireActor(actor);
  switch (ruleFor('events', a.role)) {
    case 'ALL':
      return { visible: true };
    case 'TENANT':
      return a.tenantId ? { tenantId: a.tenantId, visible: true } : { visible: false };
    case 'APP':
      return a.tenantId && a.appId ? { tenantId: a.tenantId, appId: a.appId, visible: true } : { visible: false };
    default:
      return { visible: false };
  }
}

/** Tenants are visible by the same policy: OPERATOR keys see every tenant, a tenant's keys their own. */
export function visibleTenants(ctx: Pick<ServiceContext, 'db' | 'actor'>) {
  return scopedFrom(ctx, 'tenants');
}
