// I1, I2, I6: the provisioning job that takes a CREATING instance to RUNNING (with its defaults) or FAILED.
import type { ServiceContext } from '../../context.js';
import { SYSTEM } from '../../access/actor.js';
import { systemDb } from '../../access/scope.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import type { Sweep } from '../../jobs/sweep.js';
import { welcomeFlowDefinition } from './flows.definition.js';
import { numberProblem } from './instances.number.js';
import { emitInstanceStatus, lockInstanceById } from './instances.status.js';
import type { Instance } from './instances.table.js';

/** The job's name; its handler is registered by the module list (modules.ts). */
export const PROVISION_TASK = 'instances.provision';

/** I2: the creator's agent number in the new instance, and the names of the defaults. */
export const ADMIN_AGENT_NUMBER = '1000';
export const DEFAULT_SKILL_GROUP = 'Default';
export const DEFAULT_FLOW = 'Welcome';

/**
 * The job at provision_due_at: a CREATING instance becomes RUNNING with its creator as ADMIN
 * agent, a default VOICE skill group (the admin in it at level 1) and the default Welcome flow,
 * published, with the instance's number bound to it (I2, I6), all in one transaction. A number
 * no longer usable (released, expired, taken meanwhile) makes it FAILED with the reason. Anything
 * else (deleted, already done, not yet due) leaves it as it is.
 */
export async function provisionInstance(ctx: ServiceContext, id: string): Promise<Instance | null> {
  return inTransaction(ctx, async (tx) => {
    const i = await lockInstanceById(tx, id);
    if (!i || i.status !== 'CREATING' || (i.provision_due_at && i.provision_due_at > tx.now)) return i ?? null;
    const n = i.number_id ? await lockRow(tx, 'numbers', i.number_id) : undefined;
    const problem = n ? await numberProblem({ db: tx.trx, actor: SYSTEM }, n, i.tenant_id, i.id) : { reason: 'it went back to stock' };
    if (problem || !n) return finish(tx, i, { status: 'FAILED', failure_reason: `the instance's number cannot be used: ${problem?.reason}` });
    await createDefaults(tx, i, n.id);
    return finish(tx, i, { status: 'RUNNING', running_at: tx.now });
  });
}

async function finish(tx: Tx, i: Instance, change: Partial<Pick<Instance, 'status' | 'failure_reason' | 'running_at'>>): Promise<Instance> {
  const done = await tx.trx
    .updateTable('instances')
    .set({ ...change, provision_due_at: null, updated_at: tx.now })
    .where('id', '=', i.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await emitInstanceStatus(tx, done, i.status);
  return done;
}

async function createDefaults(tx: Tx, i: Instance, numberId: string): Promise<void> {
  const owned = { tenant_id: i.tenant_id, instance_id: i.id };
  const stamps = { created_at: tx.now, updated_at: tx.now };
  const creator = i.created_by
    ? await tx.trx.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', i.created_by).executeTakeFirst()
    : undefined;
  const admin = await tx.trx
    .insertInto('agents')
    .values({
      ...owned,
      ...stamps,
      name: creator?.name ?? 'Administrator',
      email: creator?.email ?? '',
      agent_number: ADMIN_AGENT_NUMBER,
      role: 'ADMIN',
      user_id: creator?.id ?? null,
      status_reason: null,
      status_since: tx.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const group = await tx.trx
    .insertInto('skill_groups')
    .values({ ...owned, ...stamps, name: DEFAULT_SKILL_GROUP, description: 'Calls the Welcome flow queues', media_type: 'VOICE', is_default: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx.trx.insertInto('agent_skills').values({ ...owned, ...stamps, agent_id: admin.id, skill_group_id: group.id, level: 1 }).execute();
  const flow = await tx.trx
    .insertInto('ivr_flows')
    .values({ ...owned, ...stamps, name: DEFAULT_FLOW, description: 'Greets the caller and queues the call for the default skill group', is_default: true, latest_version: 1, published_version: 1, published_at: tx.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx.trx
    .insertInto('ivr_flow_versions')
    .values({ flow_id: flow.id, version: 1, tenant_id: i.tenant_id, definition: JSON.stringify(welcomeFlowDefinition(group.id)), created_by: i.created_by, created_at: tx.now })
    .execute();
  await tx.trx.insertInto('flow_numbers').values({ ...owned, number_id: numberId, flow_id: flow.id, bound_at: tx.now }).execute();
  await tx.trx.updateTable('numbers').set({ instance_id: i.id, updated_at: tx.now }).where('id', '=', numberId).execute();
}

/** Safety net of the provisioning job (and what finishes an instance whose job was lost): CREATING instances past due. */
export const sweepCreatingInstances: Sweep = async (ctx) => {
  const overdue = await systemDb(ctx)
    .selectFrom('instances')
    .select('id')
    .where('status', '=', 'CREATING')
    .where('provision_due_at', '<=', ctx.clock.now())
    .execute();
  for (const i of overdue) await provisionInstance(ctx, i.id);
  return overdue.length;
};
