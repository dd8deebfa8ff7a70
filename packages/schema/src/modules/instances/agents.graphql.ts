import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { subscribeEvents } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { UserRef } from '../tenants/tenants.graphql.js';
import { visibleInstance } from './agents.guards.js';
import { agentsOfInstanceQuery, createAgent, deleteAgent, updateAgent } from './agents.service.js';
import { secondsInStatus, setAgentStatus } from './agents.status.js';
import { InstanceRef } from './instances.graphql.js';
import { AGENT_ROLES, AGENT_STATUSES, type Agent, type AgentStatus } from './instances.table.js';

export const AgentRoleEnum = builder.enumType('AgentRole', { values: AGENT_ROLES, description: 'An agent’s role in its instance: ADMIN manages it.' });
export const AgentStatusEnum = builder.enumType('AgentStatus', {
  values: AGENT_STATUSES,
  description: 'Amazon Connect’s agent states; BREAK carries a reason (`statusReason`).',
});

export const AgentRef = builder.loadableNode('Agent', {
  description: 'An agent of a call-center instance (I3).',
  id: { resolve: (a: Agent) => a.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'agents', ids),
  sort: (a) => a.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    agentNumber: t.exposeString('agent_number', { description: 'Unique in the instance.' }),
    role: t.field({ type: AgentRoleEnum, resolve: (a) => a.role }),
    user: t.field({ type: UserRef, nullable: true, description: 'The user whose key may set this agent’s status.', resolve: (a) => a.user_id }),
    status: t.field({ type: AgentStatusEnum, resolve: (a) => a.status }),
    statusReason: t.exposeString('status_reason', { nullable: true, description: 'Why the agent is on BREAK; null in every other status.' }),
    statusSince: t.expose('status_since', { type: 'DateTime' }),
    secondsInStatus: t.int({ description: 'Whole seconds since the last status change.', resolve: (a, _args, ctx) => secondsInStatus(ctx, a) }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (a) => a.instance_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.objectField(InstanceRef, 'agents', (t) =>
  t.connection(
    {
      type: AgentRef,
      description: 'The instance’s agents, newest first.',
      resolve: (instance, args, ctx) => keysetConnection(args, agentsOfInstanceQuery(ctx, instance.id), 'agents'),
    },
    { name: 'AgentConnection' },
    { name: 'AgentEdge' },
  ),
);

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({
    name: t.string(),
    email: t.string(),
    agentNumber: t.string({ description: '1–32 letters, digits, ".", "_" or "-"; unique in the instance.' }),
    role: t.field({ type: AgentRoleEnum, required: false, defaultValue: 'AGENT' }),
    userId: t.globalID({ for: UserRef, required: false, description: 'A user of the tenant, linked to no other agent of the instance.' }),
  }),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Only what is given changes; `userId: null` unlinks the user.',
  fields: (t) => ({
    name: t.string({ required: false }),
    email: t.string({ required: false }),
    agentNumber: t.string({ required: false }),
    role: t.field({ type: AgentRoleEnum, required: false }),
    userId: t.globalID({ for: UserRef, required: false }),
  }),
});

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: AgentRef,
    description: 'I3: adds an agent (OFFLINE) to a RUNNING instance.',
    args: { instanceId: t.arg.globalID({ for: InstanceRef }), input: t.arg({ type: CreateAgentInput }) },
    resolve: (_r, { instanceId, input }, ctx) => createAgent(ctx, instanceId.id, { ...input, userId: input.userId?.id ?? null }),
  }),
  updateAgent: t.field({
    type: AgentRef,
    description: 'I3: the last ADMIN agent cannot become an AGENT (LAST_ADMIN_AGENT).',
    args: { id: t.arg.globalID({ for: AgentRef }), input: t.arg({ type: UpdateAgentInput }) },
    resolve: (_r, { id, input }, ctx) =>
      updateAgent(ctx, id.id, { ...input, userId: input.userId === undefined ? undefined : (input.userId?.id ?? null) }),
  }),
  deleteAgent: t.globalID({
    description: 'I3: removes the agent and its memberships; the last ADMIN agent stays (LAST_ADMIN_AGENT). Returns its id.',
    args: { id: t.arg.globalID({ for: AgentRef }) },
    resolve: async (_r, { id }, ctx) => ({ type: 'Agent', id: (await deleteAgent(ctx, id.id)).id }),
  }),
  setAgentStatus: t.field({
    type: AgentRef,
    description:
      'I3: by a TENANT_ADMIN (or OPERATOR), or by the user linked to the agent with its own key whatever its role. BREAK needs a `reason`; other statuses clear it.',
    args: {
      agentId: t.arg.globalID({ for: AgentRef }),
      status: t.arg({ type: AgentStatusEnum }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => setAgentStatus(ctx, args.agentId.id, args.status, args.reason),
  }),
}));

const AgentStatusChange = builder.objectRef<StoredEvent>('AgentStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    agentId: t.globalID({ resolve: (e) => ({ type: 'Agent', id: e.subjectId }) }),
    agent: t.field({ type: AgentRef, nullable: true, description: 'The agent now; null once deleted.', resolve: (e) => e.subjectId }),
    instanceId: t.globalID({ resolve: (e) => ({ type: 'Instance', id: String(e.payload.instanceId) }) }),
    status: t.field({ type: AgentStatusEnum, resolve: (e) => e.payload.status as AgentStatus }),
    previousStatus: t.field({ type: AgentStatusEnum, nullable: true, resolve: (e) => (e.payload.previous as AgentStatus | null) ?? null }),
    reason: t.string({ nullable: true, description: 'The BREAK reason.', resolve: (e) => (e.payload.reason as string | null) ?? null }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

/** The key's agent status changes, of one instance when `instanceId` is given (which must be visible). */
async function* agentStatusChanges(ctx: GraphQLContext, after: string | null | undefined, instanceId: string | null) {
  if (instanceId) await visibleInstance(ctx, instanceId);
  const events = subscribeEvents(ctx, after, ['AGENT_STATUS_CHANGED']);
  try {
    for await (const e of events) if (!instanceId || e.payload.instanceId === instanceId) yield e;
  } finally {
    await events.return();
  }
}

builder.subscriptionField('agentStatusChanged', (t) =>
  t.field({
    type: AgentStatusChange,
    description: 'I3: agent status changes the key may see (own tenant; OPERATOR: all), of one instance if given; replayed after `after`, then live.',
    authScopes: { authenticated: true },
    args: {
      after: t.arg.string({ required: false, description: 'The cursor of the last change received.' }),
      instanceId: t.arg.globalID({ for: InstanceRef, required: false }),
    },
    subscribe: (_root, args, ctx) => agentStatusChanges(ctx, args.after, args.instanceId?.id ?? null),
    resolve: (e, _args, ctx) => {
      // the subscription's context lives as long as it does: load the agent fresh per change
      clearAllDataLoaders(ctx);
      return e;
    },
  }),
);
