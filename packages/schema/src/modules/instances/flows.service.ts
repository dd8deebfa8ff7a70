// I3: an instance's IVR flows: created with a first version, saved as new versions (the newest is
// the draft), one version published (what calls use), deleted (not the default Welcome flow).
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Actor } from '../../access/actor.js';
import { findScoped, lockScoped, scopedFrom, validIds } from '../../access/scope.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { uniqueViolation } from '../../db/unique-violation.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../errors.js';
import { requiredText } from '../../shared/input-fields.js';
import { characterCount } from '../../shared/text.js';
import { lockRunningInstance, requireInstanceManager } from './agents.guards.js';
import type { FlowDefinition } from './flows.definition.js';
import { parseFlowDefinition } from './flows.validate.js';
import type { Instance, IvrFlow, IvrFlowVersion, MediaType } from './instances.table.js';

export const FLOW_NAME_MAX = 100;
export const FLOW_DESCRIPTION_MAX = 500;

export interface CreateFlowInput {
  name: string;
  description?: string | null;
  definition: unknown;
}

/** I3: a new flow of a RUNNING instance with its definition as version 1 (the draft; not yet published). */
export async function createFlow(ctx: ServiceContext, instanceId: string, input: CreateFlowInput): Promise<IvrFlow> {
  requireInstanceManager(ctx.actor, 'creates flows');
  const name = requiredText(input.name, 'input.name', 'the name', FLOW_NAME_MAX);
  const description = (input.description ?? '').trim();
  if (characterCount(description) > FLOW_DESCRIPTION_MAX)
    throw new ValidationError('input.description', `the description has at most ${FLOW_DESCRIPTION_MAX} characters`);
  return inTransaction(ctx, async (tx) => {
    const instance = await lockRunningInstance(tx, ctx.actor, instanceId);
    const definition = parseFlowDefinition(input.definition, await skillGroupsOf(tx, ctx.actor, instance.id));
    const taken = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'ivr_flows')
      .select('ivr_flows.id')
      .where('ivr_flows.instance_id', '=', instance.id)
      .where('ivr_flows.name', '=', name)
      .executeTakeFirst();
    if (taken) throw nameTaken(name);
    const flow = await tx.trx
      .insertInto('ivr_flows')
      .values({ tenant_id: instance.tenant_id, instance_id: instance.id, name, description, latest_version: 1, created_at: tx.now, updated_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((e) => {
        throw uniqueViolation(e) === 'ivr_flows_instance_name' ? nameTaken(name) : e;
      });
    await insertVersion(tx, ctx.actor, flow, 1, definition);
    await emitFlowChanged(tx, flow, 'CREATED', { version: 1 });
    return flow;
  });
}

const nameTaken = (name: string) => new ConflictError('ALREADY_EXISTS', `a flow named '${name}' exists in this instance`, 'input.name');

/** I3: the definition saved as the next version (latest + 1), the new draft; the published version stays. */
export async function saveFlowDefinition(ctx: ServiceContext, flowId: string, input: unknown): Promise<IvrFlow> {
  requireInstanceManager(ctx.actor, 'changes flows');
  return inTransaction(ctx, async (tx) => {
    const { instance, flow } = await lockFlow(tx, ctx.actor, flowId, 'flowId');
    const definition = parseFlowDefinition(input, await skillGroupsOf(tx, ctx.actor, instance.id));
    const version = flow.latest_version + 1;
    await insertVersion(tx, ctx.actor, flow, version, definition);
    const saved = await tx.trx
      .updateTable('ivr_flows')
      .set({ latest_version: version, updated_at: tx.now })
      .where('id', '=', flow.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitFlowChanged(tx, saved, 'SAVED', { version });
    return saved;
  });
}

/**
 * I3: makes a saved version (default: the latest) the one calls use. It is checked again against
 * the instance as it is now (a skill group it transfers to may have been deleted since the save).
 */
export async function publishFlow(ctx: ServiceContext, flowId: string, version?: number | null): Promise<IvrFlow> {
  requireInstanceManager(ctx.actor, 'publishes flows');
  return inTransaction(ctx, async (tx) => {
    const { instance, flow } = await lockFlow(tx, ctx.actor, flowId, 'flowId');
    const v = version ?? flow.latest_version;
    if (!Number.isInteger(v) || v < 1 || v > flow.latest_version)
      throw new ValidationError('version', `the flow has versions 1 to ${flow.latest_version}: there is no version ${v}`);
    if (flow.published_version === v) return flow;
    const saved = await versionsQuery({ db: tx.trx, actor: ctx.actor }, flow.id).where('ivr_flow_versions.version', '=', v).executeTakeFirstOrThrow();
    parseFlowDefinition(saved.definition, await skillGroupsOf(tx, ctx.actor, instance.id));
    const published = await tx.trx
      .updateTable('ivr_flows')
      .set({ published_version: v, published_at: tx.now, updated_at: tx.now })
      .where('id', '=', flow.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitFlowChanged(tx, published, 'PUBLISHED', { version: v, previousVersion: flow.published_version });
    return published;
  });
}

/** I3: deletes a flow and its versions; its numbers become unbound (an instance's own number stays its own). */
export async function deleteFlow(ctx: ServiceContext, flowId: string): Promise<IvrFlow> {
  requireInstanceManager(ctx.actor, 'deletes flows');
  return inTransaction(ctx, async (tx) => {
    const { instance, flow } = await lockFlow(tx, ctx.actor, flowId, 'id');
    if (flow.is_default)
      throw new DomainError('DEFAULT_FLOW', `'${flow.name}' is the instance's default flow and cannot be deleted (bind its numbers elsewhere instead)`, 'id');
    // the bound numbers are locked (as a bind locks them), then read again: a bind may have moved one meanwhile
    const bound = await tx.trx.selectFrom('flow_numbers').select('number_id').where('flow_id', '=', flow.id).execute();
    const numberIds = bound.map((b) => b.number_id).sort();
    if (numberIds.length) await tx.trx.selectFrom('numbers').select('id').where('id', 'in', numberIds).orderBy('id').forUpdate().execute();
    const unbound = (await tx.trx.deleteFrom('flow_numbers').where('flow_id', '=', flow.id).returning('number_id').execute()).map((b) => b.number_id);
    await leaveInstance(tx, instance, unbound);
    await tx.trx.deleteFrom('ivr_flows').where('id', '=', flow.id).execute();
    if (unbound.length) await emitFlowNumbersChanged(tx, flow, 'UNBOUND', unbound);
    await emitFlowChanged(tx, flow, 'DELETED', { unboundNumberIds: unbound });
    return flow;
  });
}

/** Numbers no longer bound to a flow of `instance` leave it, except the instance's own number (I1, I6). */
export async function leaveInstance(tx: Tx, instance: Instance, numberIds: string[]): Promise<void> {
  const leaving = numberIds.filter((id) => id !== instance.number_id);
  if (leaving.length)
    await tx.trx.updateTable('numbers').set({ instance_id: null, updated_at: tx.now }).where('id', 'in', leaving).where('instance_id', '=', instance.id).execute();
}

/**
 * The visible flow locked for a change, after its instance (always the instance first, as every
 * change of an instance's rows), which must be RUNNING. Another tenant's flow is NOT_FOUND naming `field`.
 */
export async function lockFlow(tx: Tx, actor: Actor | null, flowId: string, field: string): Promise<{ instance: Instance; flow: IvrFlow }> {
  const seen = await findScoped({ db: tx.trx, actor }, 'ivr_flows', flowId);
  if (!seen) throw new NotFoundError('flow', field);
  const instance = await lockRunningInstance(tx, actor, seen.instance_id, field);
  const flow = await lockScoped(tx, actor, 'ivr_flows', flowId, 'flow', field);
  return { instance, flow };
}

async function skillGroupsOf(tx: Tx, actor: Actor | null, instanceId: string): Promise<Map<string, MediaType>> {
  const groups = await scopedFrom({ db: tx.trx, actor }, 'skill_groups')
    .select(['skill_groups.id', 'skill_groups.media_type'])
    .where('skill_groups.instance_id', '=', instanceId)
    .execute();
  return new Map(groups.map((g) => [g.id, g.media_type]));
}

async function insertVersion(tx: Tx, actor: Actor | null, flow: IvrFlow, version: number, definition: FlowDefinition): Promise<void> {
  await tx.trx
    .insertInto('ivr_flow_versions')
    .values({ flow_id: flow.id, version, tenant_id: flow.tenant_id, definition: JSON.stringify(definition), created_by: actor?.userId ?? null, created_at: tx.now })
    .execute();
}

/** FLOW_CHANGED: created, saved (a new version), published, deleted. */
async function emitFlowChanged(tx: Tx, flow: IvrFlow, change: 'CREATED' | 'SAVED' | 'PUBLISHED' | 'DELETED', extra: Record<string, unknown>) {
  await tx.emit({ type: 'FLOW_CHANGED', tenantId: flow.tenant_id, subjectId: flow.id, payload: { instanceId: flow.instance_id, flowId: flow.id, name: flow.name, change, ...extra } });
}

/** FLOW_NUMBERS_CHANGED: numbers bound to or unbound from a flow (`previousFlowId`: where a bound number came from). */
export async function emitFlowNumbersChanged(tx: Tx, flow: Pick<IvrFlow, 'id' | 'tenant_id' | 'instance_id'>, change: 'BOUND' | 'UNBOUND', numberIds: string[], extra: Record<string, unknown> = {}) {
  await tx.emit({
    type: 'FLOW_NUMBERS_CHANGED',
    tenantId: flow.tenant_id,
    subjectId: flow.id,
    payload: { instanceId: flow.instance_id, flowId: flow.id, change, numberIds, ...extra },
  });
}

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

export function flowsOfInstanceQuery(ctx: Pick<ServiceContext, 'db' | 'actor'>, instanceId: string) {
  return scopedFrom(ctx, 'ivr_flows').selectAll().where('ivr_flows.instance_id', '=', instanceId);
}

export async function flowsById(ctx: Pick<ServiceContext, 'db' | 'actor'>, ids: readonly string[]): Promise<IvrFlow[]> {
  const valid = validIds(ids);
  return valid.length ? scopedFrom(ctx, 'ivr_flows').selectAll().where('ivr_flows.id', 'in', valid).execute() : [];
}

/** The flows of numbers, by number id (a number has at most one: I3). */
export async function flowsOfNumbers(ctx: Pick<ServiceContext, 'db' | 'actor'>, numberIds: readonly string[]): Promise<(IvrFlow | null)[]> {
  const valid = validIds(numberIds);
  const rows = valid.length
    ? await scopedFrom(ctx, 'flow_numbers')
        .innerJoin('ivr_flows', 'ivr_flows.id', 'flow_numbers.flow_id')
        .innerJoin('numbers', (j) => j.onRef('numbers.id', '=', 'flow_numbers.number_id').onRef('numbers.tenant_id', '=', 'flow_numbers.tenant_id'))
        .selectAll('ivr_flows')
        .select('flow_numbers.number_id')
        .where('flow_numbers.number_id', 'in', valid)
        .execute()
    : [];
  const byNumber = new Map(rows.map(({ number_id, ...flow }) => [number_id, flow as IvrFlow]));
  return numberIds.map((id) => byNumber.get(id) ?? null);
}

export function versionsQuery(ctx: Pick<ServiceContext, 'db' | 'actor'>, flowId: string) {
  return scopedFrom(ctx, 'ivr_flow_versions').selectAll().where('ivr_flow_versions.flow_id', '=', flowId);
}

/** The visible versions of `flowId:version` keys, for the draft and published fields. */
export async function versionsByKey(ctx: Pick<ServiceContext, 'db' | 'actor'>, keys: readonly string[]): Promise<IvrFlowVersion[]> {
  const parsed = keys.map((k) => k.split(':')).filter(([flowId, version]) => validIds([flowId!]).length && /^\d{1,9}$/.test(version ?? ''));
  if (!parsed.length) return [];
  return scopedFrom(ctx, 'ivr_flow_versions')
    .selectAll()
    .where(sql<boolean>`(ivr_flow_versions.flow_id, ivr_flow_versions.version) in (${sql.join(parsed.map(([f, v]) => sql`(${f}::uuid, ${Number(v)}::int)`))})`)
    .execute();
}
