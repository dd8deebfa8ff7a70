import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { textLength } from '../../shared/text.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { NumberRef } from '../numbers/numbers.graphql.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { NumberApplicationRef } from '../applications/applications.graphql.js';
import { findInstance, instancesQuery, numbersOfInstances } from './instances.queries.js';
import { createInstance, deleteInstance, setInstanceAnalysis, updateInstance } from './instances.service.js';
import { MAX_INSTANCE_DESCRIPTION, MAX_INSTANCE_NAME, SLUG_MAX } from './instances.slug.js';
import { INSTANCE_STATUSES, type Instance, type InstanceStatus } from './instances.table.js';

export const InstanceStatusEnum = builder.enumType('InstanceStatus', {
  values: INSTANCE_STATUSES,
  description: 'CREATING → RUNNING (provisioned with its defaults) | FAILED (failureReason says why) (I1).',
});

export const InstanceRef = builder.loadableNode('Instance', {
  description: 'A call-center instance (I1): its agents, skill groups and IVR flows answer calls to its numbers.',
  id: { resolve: (i: Instance) => i.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'instances', ids),
  sort: (i) => i.id,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique in the tenant; cannot change.' }),
    accessSlug: t.exposeString('access_slug', { description: 'Unique everywhere, URL-safe; cannot change.' }),
    description: t.exposeString('description', { description: 'The only field that can change (updateInstance).' }),
    status: t.field({ type: InstanceStatusEnum, resolve: (i) => i.status }),
    failureReason: t.exposeString('failure_reason', { nullable: true }),
    analysisEnabled: t.exposeBoolean('analysis_enabled', { description: 'I5: while on, every recording of the instance is marked for quality analysis.' }),
    number: t.field({
      type: NumberRef,
      nullable: true,
      description: 'The number the instance was created with (cannot change); bound to the Welcome flow once RUNNING; null once it went back to stock.',
      resolve: (i) => i.number_id,
    }),
    numbers: t.loadableGroup({
      type: NumberRef,
      description: 'The numbers that belong to the instance: its own once RUNNING, and those bought or applied for it.',
      load: (ids: string[], ctx) => numbersOfInstances(ctx, ids),
      group: (n) => (n as NumberRow).instance_id!,
      resolve: (i) => i.id,
    }),
    tenant: t.field({ type: TenantRef, resolve: (i) => i.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    runningAt: t.expose('running_at', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.objectField(NumberRef, 'instance', (t) =>
  t.field({ type: InstanceRef, nullable: true, description: 'The call-center instance the number belongs to.', resolve: (n) => n.instance_id }),
);
builder.objectField(NumberApplicationRef, 'instance', (t) =>
  t.field({ type: InstanceRef, nullable: true, description: 'The instance the numbers are for (null once it is deleted).', resolve: (a) => a.instance_id }),
);

const CreateInput = builder.inputType('CreateInstanceInput', {
  fields: (t) => ({
    name: t.string({ description: `Unique in the tenant, at most ${MAX_INSTANCE_NAME} characters; cannot change.` }),
    accessSlug: t.string({ description: `Lower-case letters, digits and hyphens, 3–${SLUG_MAX} characters, unique everywhere; cannot change.` }),
    description: t.string({ required: false }),
    numberId: t.globalID({ description: 'An ACTIVE number of the tenant that no other instance uses; cannot change.' }),
  }),
});

const UpdateInput = builder.inputType('UpdateInstanceInput', {
  fields: (t) => ({
    description: t.string({ description: `At most ${MAX_INSTANCE_DESCRIPTION} characters.` }),
    name: t.string({ required: false, description: 'Cannot change: giving it is IMMUTABLE_FIELD.' }),
    accessSlug: t.string({ required: false, description: 'Cannot change: giving it is IMMUTABLE_FIELD.' }),
    numberId: t.id({ required: false, description: 'Cannot change: giving it is IMMUTABLE_FIELD.' }),
  }),
});

builder.queryFields((t) => ({
  instances: t.connection({
    type: InstanceRef,
    description: 'The call-center instances the key may see (own tenant; OPERATOR: all), newest first.',
    authScopes: { authenticated: true },
    args: { status: t.arg({ type: InstanceStatusEnum, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, instancesQuery(ctx, args), 'instances'),
  }),
  instance: t.field({
    type: InstanceRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: InstanceRef }) },
    resolve: (_r, args, ctx) => findInstance(ctx, args.id.id),
  }),
}));

builder.mutationFields((t) => ({
  createInstance: t.field({
    type: InstanceRef,
    description: 'I1: starts CREATING; the provisioning job makes it RUNNING with its admin agent, Default skill group and Welcome flow (I2), or FAILED.',
    args: { input: t.arg({ type: CreateInput }) },
    resolve: (_r, { input }, ctx) => createInstance(ctx, { ...input, numberId: input.numberId.id }),
  }),
  updateInstance: t.field({
    type: InstanceRef,
    description: 'I1: changes the description; the name, slug and number cannot change.',
    args: { id: t.arg.globalID({ for: InstanceRef }), input: t.arg({ type: UpdateInput }) },
    resolve: (_r, args, ctx) => updateInstance(ctx, args.id.id, { ...args.input, numberId: args.input.numberId == null ? null : String(args.input.numberId) }),
  }),
  deleteInstance: t.globalID({
    description: 'I4: needs the name typed back exactly; the numbers stay the tenant’s, unbound; agents, skill groups and flows are removed. Returns the deleted id.',
    args: { id: t.arg.globalID({ for: InstanceRef }), confirmName: t.arg.string({ validate: textLength(MAX_INSTANCE_NAME * 4) }) },
    resolve: async (_r, args, ctx) => ({ type: 'Instance', id: (await deleteInstance(ctx, args.id.id, args.confirmName)).id }),
  }),
  setInstanceAnalysis: t.field({
    type: InstanceRef,
    description: 'I5: switches the conversation-analysis add-on on or off.',
    args: { id: t.arg.globalID({ for: InstanceRef }), enabled: t.arg.boolean() },
    resolve: (_r, args, ctx) => setInstanceAnalysis(ctx, args.id.id, args.enabled),
  }),
}));

const InstanceStatusChange = builder.objectRef<StoredEvent>('InstanceStatusChange').implement({
  description: 'One status change of a call-center instance.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    instanceId: t.globalID({ resolve: (e) => ({ type: 'Instance', id: e.subjectId }) }),
    instance: t.field({ type: InstanceRef, nullable: true, description: 'null once the instance is deleted.', resolve: (e) => e.subjectId }),
    name: t.string({ resolve: (e) => e.payload.name as string }),
    accessSlug: t.string({ resolve: (e) => e.payload.accessSlug as string }),
    status: t.field({ type: InstanceStatusEnum, resolve: (e) => e.payload.status as InstanceStatus }),
    previousStatus: t.field({ type: InstanceStatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as InstanceStatus | null) ?? null }),
    reason: t.string({ nullable: true, description: 'Why it FAILED.', resolve: (e) => (e.payload.reason as string | null) ?? null }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('instanceStatusChanged', {
  type: InstanceStatusChange,
  eventType: 'INSTANCE_STATUS_CHANGED',
  description: 'Status changes of call-center instances (own tenant; OPERATOR: all), replayed after `after`, then live.',
  afterDescription: 'The cursor of the last change received.',
});
