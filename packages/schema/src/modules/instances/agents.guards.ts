// Who may change an instance's agents, skill groups and memberships, and in which state (I3).
import type { Actor } from '../../access/actor.js';
import { findScoped, lockScoped, requireActor } from '../../access/scope.js';
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, NotFoundError } from '../../errors.js';
import type { PolicyTable } from '../../access/policy.js';
import { findInstance } from './instances.queries.js';
import { lockInstance } from './instances.status.js';
import type { Instance } from './instances.table.js';

/** Agents, skill groups and memberships are changed by the tenant's admin (or an OPERATOR). */
export function requireInstanceManager(actor: Actor | null, what: string): Actor {
  const a = requireActor(actor);
  if (a.role !== 'TENANT_ADMIN' && a.role !== 'OPERATOR') throw new ForbiddenError(`a TENANT_ADMIN ${what}`);
  return a;
}

/** The instance must be RUNNING to take changes: CREATING and FAILED ones are refused. */
export function assertRunning(instance: Instance, field: string): void {
  if (instance.status !== 'RUNNING')
    throw new DomainError('INSTANCE_NOT_RUNNING', `the instance is ${instance.status}: only a RUNNING instance takes changes`, field);
}

/**
 * The visible instance locked for a change of its agents or groups (one change at a time per
 * instance, so that "the last ADMIN" and name checks hold), RUNNING or INSTANCE_NOT_RUNNING.
 */
export async function lockRunningInstance(tx: Tx, actor: Actor | null, instanceId: string, field = 'instanceId'): Promise<Instance> {
  const instance = await lockInstance(tx, { actor }, instanceId, field);
  assertRunning(instance, field);
  return instance;
}

/**
 * A visible row of an instance's table, locked after its instance (the instance first, always:
 * deleting an instance locks it, then its rows), RUNNING or INSTANCE_NOT_RUNNING.
 */
export async function lockInInstance<T extends 'agents' | 'skill_groups'>(
  tx: Tx,
  actor: Actor | null,
  table: T,
  id: string,
  what: string,
  field: string,
): Promise<{ instance: Instance; row: NonNullable<Awaited<ReturnType<typeof findScoped<T>>>> }> {
  const seen = await findScoped({ db: tx.trx, actor }, table as PolicyTable, id);
  if (!seen) throw new NotFoundError(what, field);
  const instance = await lockRunningInstance(tx, actor, (seen as { instance_id: string }).instance_id, field);
  const row = await lockScoped(tx, actor, table, id, what, field);
  return { instance, row: row as never };
}

/** A visible instance for a read or a subscription; NOT_FOUND naming `field` otherwise. */
export async function visibleInstance(ctx: ServiceContext, instanceId: string, field = 'instanceId'): Promise<Instance> {
  const instance = await findInstance(ctx, instanceId);
  if (!instance) throw new NotFoundError('instance', field);
  return instance;
}
