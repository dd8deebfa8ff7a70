// I2, I3: an instance's skill groups (Amazon Connect's routing profiles/queues): name unique in the
// instance, a media type, a description. The default group (made with the instance) stays.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom } from '../../access/scope.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, ValidationError } from '../../errors.js';
import { requiredText } from '../../shared/input-fields.js';
import { characterCount } from '../../shared/text.js';
import { emitAgentsChanged } from './agents.service.js';
import { lockInInstance, lockRunningInstance, requireInstanceManager } from './agents.guards.js';
import { MEDIA_TYPES, type Instance, type MediaType, type SkillGroup } from './instances.table.js';

export interface SkillGroupInput {
  name?: string | null;
  mediaType?: MediaType | null;
  description?: string | null;
}

function mediaType(raw: string): MediaType {
  if (!(MEDIA_TYPES as readonly string[]).includes(raw)) throw new ValidationError('input.mediaType', `the media type is one of ${MEDIA_TYPES.join(', ')}`);
  return raw as MediaType;
}

function description(raw: string): string {
  const v = raw.trim();
  if (characterCount(v) > 500) throw new ValidationError('input.description', 'the description has at most 500 characters');
  return v;
}

async function assertNameFree(tx: Tx, instance: Instance, name: string, groupId: string | null) {
  let q = tx.trx.selectFrom('skill_groups').select('id').where('instance_id', '=', instance.id).where('name', '=', name);
  if (groupId) q = q.where('id', '<>', groupId);
  if (await q.executeTakeFirst()) throw new ConflictError('ALREADY_EXISTS', `a skill group named '${name}' exists in this instance`, 'input.name');
}

/** I3: a new skill group of a RUNNING instance. */
export async function createSkillGroup(ctx: ServiceContext, instanceId: string, input: SkillGroupInput): Promise<SkillGroup> {
  requireInstanceManager(ctx.actor, 'adds skill groups');
  const name = requiredText(input.name, 'input.name', 'the name', 100);
  const media = mediaType(input.mediaType ?? 'VOICE');
  const desc = description(input.description ?? '');
  return inTransaction(ctx, async (tx) => {
    const instance = await lockRunningInstance(tx, ctx.actor, instanceId);
    await assertNameFree(tx, instance, name, null);
    const group = await tx.trx
      .insertInto('skill_groups')
      .values({ tenant_id: instance.tenant_id, instance_id: instance.id, name, media_type: media, description: desc, created_at: tx.now, updated_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAgentsChanged(tx, instance, group.id, 'SKILL_GROUP_CREATED', { skillGroupId: group.id });
    return group;
  });
}

/** I3: changes what is given (name, media type, description). */
export async function updateSkillGroup(ctx: ServiceContext, groupId: string, input: SkillGroupInput): Promise<SkillGroup> {
  requireInstanceManager(ctx.actor, 'changes skill groups');
  const set: Partial<Pick<SkillGroup, 'name' | 'media_type' | 'description'>> = {};
  if (input.name != null) set.name = requiredText(input.name, 'input.name', 'the name', 100);
  if (input.mediaType != null) set.media_type = mediaType(input.mediaType);
  if (input.description != null) set.description = description(input.description);
  return inTransaction(ctx, async (tx) => {
    const { instance, row: group } = await lockInInstance(tx, ctx.actor, 'skill_groups', groupId, 'skill group', 'id');
    if (set.name) await assertNameFree(tx, instance, set.name, group.id);
    const updated = await tx.trx
      .updateTable('skill_groups')
      .set({ ...set, updated_at: tx.now })
      .where('id', '=', group.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAgentsChanged(tx, instance, group.id, 'SKILL_GROUP_UPDATED', { skillGroupId: group.id });
    return updated;
  });
}

/**
 * I3: removes a skill group and its memberships. The default group cannot be deleted (the
 * Welcome flow queues for it, like Amazon Connect's BasicQueue), nor a group that a published
 * flow transfers to (SKILL_GROUP_IN_USE, naming the flow).
 */
export async function deleteSkillGroup(ctx: ServiceContext, groupId: string): Promise<SkillGroup> {
  requireInstanceManager(ctx.actor, 'deletes skill groups');
  return inTransaction(ctx, async (tx) => {
    const { instance, row: group } = await lockInInstance(tx, ctx.actor, 'skill_groups', groupId, 'skill group', 'id');
    if (group.is_default) throw new DomainError('DEFAULT_SKILL_GROUP', `'${group.name}' is the instance's default skill group and cannot be deleted`, 'id');
    const user = await tx.trx
      .selectFrom('ivr_flows')
      .innerJoin('ivr_flow_versions', (j) =>
        j.onRef('ivr_flow_versions.flow_id', '=', 'ivr_flows.id').onRef('ivr_flow_versions.version', '=', 'ivr_flows.published_version'),
      )
      .select('ivr_flows.name')
      .where('ivr_flows.instance_id', '=', instance.id)
      .where(sql<boolean>`ivr_flow_versions.definition @> ${JSON.stringify({ nodes: [{ type: 'TRANSFER', skillGroupId: group.id }] })}::jsonb`)
      .orderBy('ivr_flows.name')
      .executeTakeFirst();
    if (user) throw new DomainError('SKILL_GROUP_IN_USE', `the published flow '${user.name}' transfers calls to this skill group: change the flow first`, 'id');
    await tx.trx.deleteFrom('skill_groups').where('id', '=', group.id).execute();
    await emitAgentsChanged(tx, instance, group.id, 'SKILL_GROUP_DELETED', { skillGroupId: group.id });
    return group;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

export function skillGroupsOfInstanceQuery(ctx: ServiceContext, instanceId: string) {
  return scopedFrom(ctx, 'skill_groups').selectAll().where('skill_groups.instance_id', '=', instanceId);
}
