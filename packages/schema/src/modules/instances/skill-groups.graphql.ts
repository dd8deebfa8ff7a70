import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { InstanceRef } from './instances.graphql.js';
import { MEDIA_TYPES, type SkillGroup } from './instances.table.js';
import { createSkillGroup, deleteSkillGroup, skillGroupsOfInstanceQuery, updateSkillGroup } from './skill-groups.service.js';

export const MediaTypeEnum = builder.enumType('MediaType', { values: MEDIA_TYPES });

export const SkillGroupRef = builder.loadableNode('SkillGroup', {
  description: 'A skill group of a call-center instance: calls are queued for it, its member agents take them (I3).',
  id: { resolve: (g: SkillGroup) => g.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'skill_groups', ids),
  sort: (g) => g.id,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique in the instance.' }),
    description: t.exposeString('description'),
    mediaType: t.field({ type: MediaTypeEnum, resolve: (g) => g.media_type }),
    isDefault: t.exposeBoolean('is_default', { description: 'I2: made with the instance; it cannot be deleted.' }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (g) => g.instance_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.objectField(InstanceRef, 'skillGroups', (t) =>
  t.connection(
    {
      type: SkillGroupRef,
      description: 'The instance’s skill groups, newest first.',
      resolve: (instance, args, ctx) => keysetConnection(args, skillGroupsOfInstanceQuery(ctx, instance.id), 'skill_groups'),
    },
    { name: 'SkillGroupConnection' },
    { name: 'SkillGroupEdge' },
  ),
);

const CreateSkillGroupInput = builder.inputType('CreateSkillGroupInput', {
  fields: (t) => ({
    name: t.string({ description: 'Unique in the instance, at most 100 characters.' }),
    mediaType: t.field({ type: MediaTypeEnum }),
    description: t.string({ required: false, description: 'At most 500 characters.' }),
  }),
});

const UpdateSkillGroupInput = builder.inputType('UpdateSkillGroupInput', {
  description: 'Only what is given changes.',
  fields: (t) => ({
    name: t.string({ required: false }),
    mediaType: t.field({ type: MediaTypeEnum, required: false }),
    description: t.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  createSkillGroup: t.field({
    type: SkillGroupRef,
    description: 'I3: adds a skill group to a RUNNING instance.',
    args: { instanceId: t.arg.globalID({ for: InstanceRef }), input: t.arg({ type: CreateSkillGroupInput }) },
    resolve: (_r, { instanceId, input }, ctx) => createSkillGroup(ctx, instanceId.id, input),
  }),
  updateSkillGroup: t.field({
    type: SkillGroupRef,
    args: { id: t.arg.globalID({ for: SkillGroupRef }), input: t.arg({ type: UpdateSkillGroupInput }) },
    resolve: (_r, { id, input }, ctx) => updateSkillGroup(ctx, id.id, input),
  }),
  deleteSkillGroup: t.globalID({
    description:
      'I3: removes the group and its memberships. The default group (DEFAULT_SKILL_GROUP) and a group a published flow transfers to (SKILL_GROUP_IN_USE) stay. Returns its id.',
    args: { id: t.arg.globalID({ for: SkillGroupRef }) },
    resolve: async (_r, { id }, ctx) => ({ type: 'SkillGroup', id: (await deleteSkillGroup(ctx, id.id)).id }),
  }),
}));
