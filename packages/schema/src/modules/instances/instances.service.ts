// I1, I4, I5: creating, describing, deleting call-center instances and switching their analysis add-on.
import type { ServiceContext } from '../../context.js';
import { lockScoped, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { inTransaction } from '../../db/transaction.js';
import { uniqueViolation } from '../../db/unique-violation.js';
import { ConflictError, ValidationError, type DomainError } from '../../errors.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { numberProblem } from './instances.number.js';
import { PROVISION_TASK } from './instances.provision.js';
import { parseAccessSlug, parseDescription, parseInstanceName } from './instances.slug.js';
import { emitInstanceEvent, emitInstanceStatus, lockInstance } from './instances.status.js';
import type { Instance } from './instances.table.js';

export interface CreateInstanceInput {
  name: string;
  accessSlug: string;
  description?: string | null;
  numberId: string;
}

/**
 * I1: a TENANT_ADMIN creates an instance with an ACTIVE number of its tenant that no other
 * instance uses. It starts CREATING; the provisioning job (due after settings.instanceProvisionSeconds)
 * makes it RUNNING with its defaults (I2), or FAILED. Name (in the tenant), slug (everywhere) and
 * number (one instance each) are unique, also when two creates race: the constraints answer then.
 */
export async function createInstance(ctx: ServiceContext, input: CreateInstanceInput): Promise<Instance> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN creates call-center instances');
  const name = parseInstanceName(input.name);
  const slug = parseAccessSlug(input.accessSlug);
  const description = parseDescription(input.description);
  try {
    return await inTransaction(ctx, async (tx) => {
      const reader = { db: tx.trx, actor: ctx.actor };
      const number = await lockScoped(tx, ctx.actor, 'numbers', input.numberId, 'number', 'input.numberId');
      const problem = await numberProblem(reader, number, tenantId, null);
      if (problem) throw new ConflictError(problem.code, problem.reason, 'input.numberId');
      if (await scopedFrom(reader, 'instances').select('instances.id').where('instances.name', '=', name).executeTakeFirst()) throw nameTaken(name);
      const due = new Date(tx.now.getTime() + ctx.settings.instanceProvisionSeconds * 1000);
      const instance = await tx.trx
        .insertInto('instances')
        .values({
          tenant_id: tenantId,
          name,
          access_slug: slug,
          description,
          number_id: number.id,
          status: 'CREATING',
          failure_reason: null,
          provision_due_at: due,
          created_by: ctx.actor!.userId,
          created_at: tx.now,
          running_at: null,
          updated_at: tx.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await scheduleJob(tx, PROVISION_TASK, { instanceId: instance.id }, { runAt: due, jobKey: `instance-provision:${instance.id}` });
      await emitInstanceStatus(tx, instance, null);
      return instance;
    });
  } catch (e) {
    throw takenValue(e, name, slug) ?? e;
  }
}

const nameTaken = (name: string) => new ConflictError('ALREADY_EXISTS', `the tenant already has an instance named '${name}'`, 'input.name');

/** A unique constraint of instances that a concurrent create won: the same typed error as a create that came second. */
function takenValue(e: unknown, name: string, slug: string): DomainError | null {
  switch (uniqueViolation(e)) {
    case 'instances_tenant_name':
      return nameTaken(name);
    case 'instances_access_slug_key':
      return new ConflictError('ALREADY_EXISTS', `the access slug '${slug}' is taken: choose another`, 'input.accessSlug');
    case 'instances_number_id_key':
      return new ConflictError('NUMBER_IN_USE', 'the number is the number of another instance: choose a number no instance uses', 'input.numberId');
    default:
      return null;
  }
}

export interface UpdateInstanceInput {
  description?: string | null;
  name?: string | null;
  accessSlug?: string | null;
  numberId?: string | null;
}

const IMMUTABLE: readonly [keyof UpdateInstanceInput, string][] = [
  ['name', 'the name'],
  ['accessSlug', 'the access slug'],
  ['numberId', 'the number'],
];

/** I1: only the description changes; giving the name, slug or number is IMMUTABLE_FIELD naming it. */
export async function updateInstance(ctx: ServiceContext, id: string, input: UpdateInstanceInput): Promise<Instance> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN changes instances');
  for (const [key, label] of IMMUTABLE)
    if (input[key] != null)
      throw new ValidationError(`input.${key}`, `${label} of an instance cannot be changed after creation (only the description can)`, 'IMMUTABLE_FIELD');
  if (input.description == null) throw new ValidationError('input.description', 'give the new description (the only field that can change)');
  const description = parseDescription(input.description);
  return inTransaction(ctx, async (tx) => {
    const i = await lockInstance(tx, ctx, id);
    if (i.description === description) return i;
    const updated = await tx.trx
      .updateTable('instances')
      .set({ description, updated_at: tx.now })
      .where('id', '=', i.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitInstanceEvent(tx, 'INSTANCE_UPDATED', updated, { description });
    return updated;
  });
}

/**
 * I4: deleting needs the name typed back exactly. The instance's numbers go back to the tenant
 * unbound (flows unbound, instance cleared; not released to stock); its agents, skill groups and
 * flows go with it (foreign keys cascade). A CREATING instance may be deleted: its job finds nothing.
 */
export async function deleteInstance(ctx: ServiceContext, id: string, confirmName: string): Promise<Instance> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN deletes instances');
  return inTransaction(ctx, async (tx) => {
    const i = await lockInstance(tx, ctx, id);
    if (confirmName !== i.name)
      throw new ValidationError('confirmName', `type the instance's name exactly as it is to delete it`, 'CONFIRMATION_MISMATCH');
    const unbound = await tx.trx.deleteFrom('flow_numbers').where('instance_id', '=', i.id).returning('number_id').execute();
    const freed = await tx.trx
      .updateTable('numbers')
      .set({ instance_id: null, updated_at: tx.now })
      .where('instance_id', '=', i.id)
      .returning('id')
      .execute();
    await tx.trx.deleteFrom('instances').where('id', '=', i.id).execute();
    const numberIds = [...new Set([...(i.number_id ? [i.number_id] : []), ...unbound.map((r) => r.number_id), ...freed.map((r) => r.id)])];
    await emitInstanceEvent(tx, 'INSTANCE_DELETED', i, { accessSlug: i.access_slug, numberIds });
    return i;
  });
}

/** I5: switches the conversation-analysis add-on; a change is an event, the same value is no change. */
export async function setInstanceAnalysis(ctx: ServiceContext, id: string, enabled: boolean): Promise<Instance> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN switches the analysis add-on');
  if (typeof enabled !== 'boolean') throw new ValidationError('enabled', 'enabled is true or false');
  return inTransaction(ctx, async (tx) => {
    const i = await lockInstance(tx, ctx, id);
    if (i.analysis_enabled === enabled) return i;
    const updated = await tx.trx
      .updateTable('instances')
      .set({ analysis_enabled: enabled, updated_at: tx.now })
      .where('id', '=', i.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitInstanceEvent(tx, 'INSTANCE_ANALYSIS_CHANGED', updated, { enabled });
    return updated;
  });
}
