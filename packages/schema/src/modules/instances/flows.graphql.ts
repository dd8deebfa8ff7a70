import { encodeGlobalID, resolveCursorConnection, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.js';
import { keysetConnection, MAX_PAGE } from '../../graphql/connection.js';
import { ValidationError } from '../../errors.js';
import { NumberRef } from '../numbers/numbers.graphql.js';
import { bindNumberToFlow, numbersOfFlows, unbindNumberFromFlow } from './flows.bindings.js';
import { createFlow, deleteFlow, flowsById, flowsOfInstanceQuery, flowsOfNumbers, publishFlow, saveFlowDefinition, versionsByKey, versionsQuery } from './flows.service.js';
import { FLOW_LIMITS } from './flows.validate.js';
import { InstanceRef } from './instances.graphql.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import type { IvrFlow, IvrFlowVersion } from './instances.table.js';

/**
 * The API names rows by global ids, in a definition too: a TRANSFER's skillGroupId is the
 * SkillGroup's global id here, the row id in the database. Anything else is left as given, for
 * the validator to name.
 */
function mapSkillGroupIds(definition: unknown, map: (id: string) => string): unknown {
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return definition;
  return {
    ...(definition as object),
    nodes: nodes.map((n) => (n && typeof n === 'object' && n.type === 'TRANSFER' && typeof n.skillGroupId === 'string' ? { ...n, skillGroupId: map(n.skillGroupId) } : n)),
  };
}

const SKILL_GROUP_GID = /^SkillGroup:([0-9a-f-]{36})$/i;
const fromApi = (definition: unknown) => mapSkillGroupIds(definition, (id) => SKILL_GROUP_GID.exec(Buffer.from(id, 'base64').toString())?.[1] ?? id);
const toApi = (definition: unknown) => mapSkillGroupIds(definition, (id) => encodeGlobalID('SkillGroup', id));

const DEFINITION_DOC =
  'The flow as a graph: { "nodes": [ { "id", "type": START | PLAY_PROMPT | MENU | TRANSFER | VOICEMAIL | HANG_UP, … } ] }; a TRANSFER names its skill group by the SkillGroup id.';

/** Loaded by `flowId:version` keys, one loader for the draft and published fields of every flow of a request. */
export const IvrFlowVersionRef = builder.loadableObject('IvrFlowVersion', {
  load: (keys: string[], ctx) => versionsByKey(ctx, keys),
  sort: (v: IvrFlowVersion) => `${v.flow_id}:${v.version}`,
  description: 'A saved version of a flow’s definition (I3): each save adds one; one of them is published.',
  fields: (t) => ({
    version: t.exposeInt('version'),
    definition: t.field({ type: 'JSON', description: DEFINITION_DOC, resolve: (v) => toApi(v.definition) }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

const versionKey = (flow: IvrFlow, version: number | null) => (version ? `${flow.id}:${version}` : null);

export const IvrFlowRef = builder.loadableNode('IvrFlow', {
  description: 'An IVR flow of an instance (I3): what callers of its numbers hear; calls use the published version.',
  id: { resolve: (f: IvrFlow) => f.id },
  load: (ids: string[], ctx) => flowsById(ctx, ids),
  sort: (f) => f.id,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique in the instance.' }),
    description: t.exposeString('description'),
    isDefault: t.exposeBoolean('is_default', { description: 'I2: the Welcome flow made with the instance; it cannot be deleted.' }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (f) => f.instance_id }),
    latestVersion: t.exposeInt('latest_version', { description: 'The newest saved version: the draft.' }),
    publishedVersion: t.exposeInt('published_version', { nullable: true, description: 'The version calls use; null until published.' }),
    publishedAt: t.expose('published_at', { type: 'DateTime', nullable: true }),
    draft: t.field({
      type: IvrFlowVersionRef,
      nullable: true,
      description: 'The newest saved version (it may be the published one too).',
      resolve: (f) => versionKey(f, f.latest_version),
    }),
    published: t.field({ type: IvrFlowVersionRef, nullable: true, description: 'The version calls use.', resolve: (f) => versionKey(f, f.published_version) }),
    versions: t.connection(
      {
        type: IvrFlowVersionRef,
        description: 'Every saved version, newest first.',
        resolve: (f, args, ctx) => {
          if ((args.first ?? 0) > MAX_PAGE || (args.last ?? 0) > MAX_PAGE) throw new ValidationError(args.first ? 'first' : 'last', `at most ${MAX_PAGE} items per page`);
          return resolveCursorConnection({ args, toCursor: (v: IvrFlowVersion) => String(v.version) }, ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
            let q = versionsQuery(ctx, f.id);
            if (after) q = q.where('ivr_flow_versions.version', '<', versionCursor(after, 'after'));
            if (before) q = q.where('ivr_flow_versions.version', '>', versionCursor(before, 'before'));
            return q.orderBy('ivr_flow_versions.version', inverted ? 'asc' : 'desc').limit(limit).execute();
          });
        },
      },
      { name: 'IvrFlowVersionConnection' },
      { name: 'IvrFlowVersionEdge' },
    ),
    numbers: t.loadableGroup({
      type: NumberRef,
      description: 'The numbers bound to this flow (a number has at most one flow).',
      load: (ids: string[], ctx) => numbersOfFlows(ctx, ids),
      group: (n) => (n as NumberRow & { flow_id: string }).flow_id,
      resolve: (f) => f.id,
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

function versionCursor(cursor: string, field: string): number {
  if (!/^[1-9]\d{0,8}$/.test(cursor)) throw new ValidationError(field, `${field} is not a cursor of this list`, 'INVALID_CURSOR');
  return Number(cursor);
}

builder.objectField(InstanceRef, 'flows', (t) =>
  t.connection(
    {
      type: IvrFlowRef,
      description: 'The instance’s IVR flows, newest first.',
      resolve: (instance, args, ctx) => keysetConnection(args, flowsOfInstanceQuery(ctx, instance.id), 'ivr_flows'),
    },
    { name: 'IvrFlowConnection' },
    { name: 'IvrFlowEdge' },
  ),
);

builder.objectField(NumberRef, 'flow', (t) =>
  t.loadable({
    type: IvrFlowRef,
    nullable: true,
    description: 'The IVR flow that answers calls to this number (I3: at most one).',
    load: (ids: string[], ctx) => flowsOfNumbers(ctx, ids),
    resolve: (n) => n.id,
  }),
);

const CreateFlowInput = builder.inputType('CreateIvrFlowInput', {
  fields: (t) => ({
    name: t.string({ description: 'Unique in the instance, at most 100 characters.' }),
    description: t.string({ required: false, description: 'At most 500 characters.' }),
    definition: t.field({ type: 'JSON', description: `${DEFINITION_DOC} At most ${FLOW_LIMITS.nodes} nodes.` }),
  }),
});

builder.mutationFields((t) => ({
  createFlow: t.field({
    type: IvrFlowRef,
    description: 'I3: a new flow of a RUNNING instance; its definition is saved as version 1 (FLOW_INVALID lists every problem). Publish it with publishFlow.',
    args: { instanceId: t.arg.globalID({ for: InstanceRef }), input: t.arg({ type: CreateFlowInput }) },
    resolve: (_r, { instanceId, input }, ctx) => createFlow(ctx, instanceId.id, { ...input, definition: fromApi(input.definition) }),
  }),
  saveFlowDefinition: t.field({
    type: IvrFlowRef,
    description: 'I3: saves the definition as the next version (the new draft); the published version stays until publishFlow.',
    args: { flowId: t.arg.globalID({ for: IvrFlowRef }), definition: t.arg({ type: 'JSON' }) },
    resolve: (_r, { flowId, definition }, ctx) => saveFlowDefinition(ctx, flowId.id, fromApi(definition)),
  }),
  publishFlow: t.field({
    type: IvrFlowRef,
    description: 'I3: makes a saved version (default: the latest) the one calls use; it is checked again first.',
    args: { flowId: t.arg.globalID({ for: IvrFlowRef }), version: t.arg.int({ required: false }) },
    resolve: (_r, { flowId, version }, ctx) => publishFlow(ctx, flowId.id, version),
  }),
  deleteFlow: t.globalID({
    description: 'I3: deletes a flow and its versions; its numbers become unbound. The default Welcome flow stays (DEFAULT_FLOW). Returns its id.',
    args: { id: t.arg.globalID({ for: IvrFlowRef }) },
    resolve: async (_r, { id }, ctx) => ({ type: 'IvrFlow', id: (await deleteFlow(ctx, id.id)).id }),
  }),
  bindNumberToFlow: t.field({
    type: NumberRef,
    description:
      'I3, I6: binds an ACTIVE number of the tenant to a flow, moving it from its old flow; the number joins the flow’s instance. Another instance’s own number is NUMBER_IN_USE. A 400 number stays inbound-only.',
    args: { numberId: t.arg.globalID({ for: NumberRef }), flowId: t.arg.globalID({ for: IvrFlowRef }) },
    resolve: (_r, { numberId, flowId }, ctx) => bindNumberToFlow(ctx, numberId.id, flowId.id),
  }),
  unbindNumberFromFlow: t.field({
    type: NumberRef,
    description: 'I3: the number answers no flow; it leaves the instance unless it is the instance’s own number.',
    args: { numberId: t.arg.globalID({ for: NumberRef }) },
    resolve: (_r, { numberId }, ctx) => unbindNumberFromFlow(ctx, numberId.id),
  }),
}));
