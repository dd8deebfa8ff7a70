// I3, I6: which flow answers a number. A number is bound to at most one flow (flow_numbers is keyed
// by the number), a flow has many numbers; binding moves a number from its old flow and makes it
// a number of the flow's instance. A 400 number joins an instance this way and stays inbound-only.
import type { ServiceContext } from '../../context.js';
import { findScoped, lockScoped, scopedFrom, validIds } from '../../access/scope.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import { requireInstanceManager } from './agents.guards.js';
import type { FlowDefinition } from './flows.definition.js';
import { voiceNumberUse } from '../voice/voice.numbers.use.js';
import { emitFlowNumbersChanged, leaveInstance, lockFlow } from './flows.service.js';

/**
 * I3: binds an ACTIVE number of the tenant to a flow of a RUNNING instance, moving it from the
 * flow it had. An instance's own number stays with that instance's flows (NUMBER_IN_USE). Two
 * binds of one number at once are taken one after the other (both lock the number): the later wins.
 */
export async function bindNumberToFlow(ctx: ServiceContext, numberId: string, flowId: string): Promise<NumberRow> {
  requireInstanceManager(ctx.actor, 'binds numbers to flows');
  return inTransaction(ctx, async (tx) => {
    const { instance, flow } = await lockFlow(tx, ctx.actor, flowId, 'flowId');
    const number = await lockScoped(tx, ctx.actor, 'numbers', numberId, 'number', 'numberId');
    if (number.tenant_id !== flow.tenant_id)
      throw new ValidationError('numberId', `${number.e164} is not one of the tenant's numbers (buy it first)`, 'NUMBER_NOT_ACTIVE');
    if (number.status !== 'ACTIVE') throw new ValidationError('numberId', `${number.e164} is ${number.status}: only an ACTIVE number is bound to a flow`, 'NUMBER_NOT_ACTIVE');
    const owner = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'instances')
      .select(['instances.id', 'instances.name'])
      .where('instances.number_id', '=', number.id)
      .executeTakeFirst();
    if (owner && owner.id !== instance.id)
      throw new ConflictError('NUMBER_IN_USE', `${number.e164} is the number of instance '${owner.name}': it can only be bound to that instance's flows`, 'numberId');
    const voice = await voiceNumberUse(tx.trx, number);
    if (voice) throw new ConflictError('NUMBER_IN_USE', voice, 'numberId');
    const previous = await tx.trx.selectFrom('flow_numbers').selectAll().where('number_id', '=', number.id).executeTakeFirst();
    if (previous?.flow_id === flow.id) return number;
    const binding = { number_id: number.id, flow_id: flow.id, tenant_id: flow.tenant_id, instance_id: flow.instance_id, bound_at: tx.now };
    await tx.trx
      .insertInto('flow_numbers')
      .values(binding)
      .onConflict((oc) => oc.column('number_id').doUpdateSet({ flow_id: flow.id, instance_id: flow.instance_id, bound_at: tx.now }))
      .execute();
    const bound = await tx.trx
      .updateTable('numbers')
      .set({ instance_id: flow.instance_id, updated_at: tx.now })
      .where('id', '=', number.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (previous)
      await emitFlowNumbersChanged(tx, { id: previous.flow_id, tenant_id: previous.tenant_id, instance_id: previous.instance_id }, 'UNBOUND', [number.id], { nextFlowId: flow.id });
    await emitFlowNumbersChanged(tx, flow, 'BOUND', [number.id], { previousFlowId: previous?.flow_id ?? null });
    return bound;
  });
}

/** I3: the number answers no flow any more; it leaves the instance unless it is the instance's own number. */
export async function unbindNumberFromFlow(ctx: ServiceContext, numberId: string): Promise<NumberRow> {
  requireInstanceManager(ctx.actor, 'unbinds numbers from flows');
  return inTransaction(ctx, async (tx) => {
    const reader = { db: tx.trx, actor: ctx.actor };
    const seen = await findScoped(reader, 'numbers', numberId);
    if (!seen) throw new NotFoundError('number', 'numberId');
    const binding = await scopedFrom(reader, 'flow_numbers').selectAll().where('flow_numbers.number_id', '=', seen.id).executeTakeFirst();
    if (!binding) return seen;
    const { instance, flow } = await lockFlow(tx, ctx.actor, binding.flow_id, 'numberId');
    const number = await lockScoped(tx, ctx.actor, 'numbers', numberId, 'number', 'numberId');
    // a bind that moved the number meanwhile took it to another flow: that binding stays
    const removed = await tx.trx.deleteFrom('flow_numbers').where('number_id', '=', number.id).where('flow_id', '=', flow.id).returning('number_id').executeTakeFirst();
    if (!removed) return number;
    await leaveInstance(tx, instance, [number.id]);
    await emitFlowNumbersChanged(tx, flow, 'UNBOUND', [number.id]);
    return tx.trx.selectFrom('numbers').selectAll().where('id', '=', number.id).executeTakeFirstOrThrow();
  });
}

export interface PublishedFlow {
  flowId: string;
  instanceId: string;
  version: number;
  definition: FlowDefinition;
}

/**
 * For the call module (system work, inside its transaction): the flow bound to a number and its
 * published definition; null when the number is bound to no flow or its flow has no published
 * version. A binding left by a tenant that no longer holds the number counts for nothing.
 */
export async function publishedDefinition(tx: Tx, numberId: string): Promise<PublishedFlow | null> {
  if (!validIds([numberId]).length) return null;
  const row = await tx.trx
    .selectFrom('flow_numbers')
    .innerJoin('ivr_flows', 'ivr_flows.id', 'flow_numbers.flow_id')
    .innerJoin('ivr_flow_versions', (j) =>
      j.onRef('ivr_flow_versions.flow_id', '=', 'ivr_flows.id').onRef('ivr_flow_versions.version', '=', 'ivr_flows.published_version'),
    )
    .innerJoin('numbers', (j) => j.onRef('numbers.id', '=', 'flow_numbers.number_id').onRef('numbers.tenant_id', '=', 'flow_numbers.tenant_id'))
    .select(['ivr_flows.id as flowId', 'ivr_flows.instance_id as instanceId', 'ivr_flow_versions.version', 'ivr_flow_versions.definition'])
    .where('flow_numbers.number_id', '=', numberId)
    .executeTakeFirst();
  return row ? { ...row, definition: row.definition as FlowDefinition } : null;
}

/** The numbers bound to flows, for IvrFlow.numbers (grouped by flow_id). */
export async function numbersOfFlows(ctx: Pick<ServiceContext, 'db' | 'actor'>, flowIds: readonly string[]): Promise<(NumberRow & { flow_id: string })[]> {
  const valid = validIds(flowIds);
  if (!valid.length) return [];
  return scopedFrom(ctx, 'flow_numbers')
    .innerJoin('numbers', (j) => j.onRef('numbers.id', '=', 'flow_numbers.number_id').onRef('numbers.tenant_id', '=', 'flow_numbers.tenant_id'))
    .selectAll('numbers')
    .select('flow_numbers.flow_id')
    .where('flow_numbers.flow_id', 'in', valid)
    .orderBy('flow_numbers.bound_at')
    .orderBy('numbers.e164')
    .execute();
}
