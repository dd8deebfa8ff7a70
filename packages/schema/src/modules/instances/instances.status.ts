// What every step of an instance's life shares: locking it, and its status events.
import type { ServiceContext } from '../../context.js';
import { lockScoped, UUID } from '../../access/scope.js';
import { lockRow, type Tx } from '../../db/transaction.js';
import type { Instance, InstanceStatus } from './instances.table.js';

/** The key's instance locked for a change; another tenant's, a missing or a malformed id is NOT_FOUND naming `field`. */
export const lockInstance = (tx: Tx, ctx: Pick<ServiceContext, 'actor'>, id: string, field = 'id'): Promise<Instance> =>
  lockScoped(tx, ctx.actor, 'instances', id, 'instance', field);

/** System work (the provisioning job) locks by id without a key's scope. */
export async function lockInstanceById(tx: Tx, id: string): Promise<Instance | undefined> {
  if (!UUID.test(id)) return undefined;
  return lockRow(tx, 'instances', id);
}

/** INSTANCE_STATUS_CHANGED: the instance's new status, the previous one (null when created) and a failure's reason. */
export async function emitInstanceStatus(tx: Tx, i: Instance, previousStatus: InstanceStatus | null): Promise<void> {
  await tx.emit({
    type: 'INSTANCE_STATUS_CHANGED',
    tenantId: i.tenant_id,
    subjectId: i.id,
    payload: { instanceId: i.id, name: i.name, accessSlug: i.access_slug, status: i.status, previousStatus, reason: i.failure_reason },
  });
}

/** Events of an instance other than its status (updated, deleted, analysis switched): subject and payload name it. */
export async function emitInstanceEvent(
  tx: Tx,
  type: 'INSTANCE_UPDATED' | 'INSTANCE_DELETED' | 'INSTANCE_ANALYSIS_CHANGED',
  i: Instance,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await tx.emit({ type, tenantId: i.tenant_id, subjectId: i.id, payload: { instanceId: i.id, name: i.name, ...extra } });
}
