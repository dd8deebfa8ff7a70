import { clearAllDataLoaders, dataloaderGetter } from '@pothos/plugin-dataloader';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { subscribeEvents } from '../events/events.graphql.js';
import { visibleInstance } from './agents.guards.js';
import { InstanceRef } from './instances.graphql.js';
import { METRICS_EVENTS, metricsChanges } from './metrics.live.js';
import { metricsOf, ZERO_COUNTS, type InstanceMetrics, type MetricCounts, type SkillGroupMetrics } from './metrics.service.js';
import { SkillGroupRef } from './skill-groups.graphql.js';

type CountFields = { [K in keyof MetricCounts]: string };
const COUNT_DESCRIPTIONS: CountFields = {
  agentsOnline: 'Agents not OFFLINE.',
  agentsAvailable: 'Agents READY to take a contact.',
  agentsOnContact: 'Agents RINGING or TALKING.',
  agentsAfterContactWork: 'Agents in AFTER_CALL_WORK.',
  contactsInQueue: 'Calls QUEUED for the instance (or the skill group) and not yet alerting an agent.',
  oldestContactAgeSeconds: 'Seconds the oldest waiting contact has waited (0 when none).',
};

const SkillGroupMetricsRef = builder.objectRef<SkillGroupMetrics>('SkillGroupMetrics').implement({
  description: 'I3: the current metrics of one skill group (an agent counts in every group it is a member of).',
  fields: (t) => ({
    skillGroup: t.field({ type: SkillGroupRef, resolve: (m) => m.skillGroupId }),
    ...Object.fromEntries(Object.entries(COUNT_DESCRIPTIONS).map(([k, description]) => [k, t.exposeInt(k as keyof MetricCounts, { description })])),
  }),
});

export const InstanceMetricsRef = builder.objectRef<InstanceMetrics>('InstanceMetrics').implement({
  description: 'I3: the current metrics of an instance and each of its skill groups, named like Amazon Connect’s, read in one query.',
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (m) => m.instanceId }),
    ...Object.fromEntries(Object.entries(COUNT_DESCRIPTIONS).map(([k, description]) => [k, t.exposeInt(k as keyof MetricCounts, { description })])),
    skillGroups: t.field({ type: [SkillGroupMetricsRef], description: 'The default group first, then by name.', resolve: (m) => m.skillGroups }),
  }),
});

/**
 * The metrics of every instance a response asks for, in one query, kept for the request (the
 * instance's and its groups' fields share it); subscriptions clear it per change (clearAllDataLoaders).
 */
const metricsLoader = dataloaderGetter<string, InstanceMetrics, string>(
  undefined,
  async (ids, ctx) => {
    const byId = await metricsOf(ctx as GraphQLContext, ids);
    return ids.map((id) => byId.get(id)!);
  },
  undefined,
  false,
);

builder.objectField(InstanceRef, 'metrics', (t) =>
  t.field({ type: InstanceMetricsRef, resolve: (instance, _args, ctx) => metricsLoader(ctx).load(instance.id) }),
);

builder.objectField(SkillGroupRef, 'metrics', (t) =>
  t.field({
    type: SkillGroupMetricsRef,
    resolve: async (group, _args, ctx) => {
      const m = await metricsLoader(ctx).load(group.instance_id);
      return m.skillGroups.find((g) => g.skillGroupId === group.id) ?? { instanceId: group.instance_id, skillGroupId: group.id, ...ZERO_COUNTS };
    },
  }),
);

builder.subscriptionField('instanceMetricsChanged', (t) =>
  t.field({
    type: InstanceMetricsRef,
    description:
      'I3: the instance’s metrics each time an agent status or its agents, groups or memberships change (the same counts are not pushed twice); ends when the instance is deleted. With `after`, the changes after that cursor are replayed first.',
    authScopes: { authenticated: true },
    args: {
      instanceId: t.arg.globalID({ for: InstanceRef }),
      after: t.arg.string({ required: false, description: 'A cursor (eventCursor) read before loading the metrics: nothing in between is missed.' }),
    },
    subscribe: async (_root, args, ctx) => {
      await visibleInstance(ctx, args.instanceId.id);
      return metricsChanges(ctx, args.instanceId.id, subscribeEvents(ctx, args.after, [...METRICS_EVENTS, 'INSTANCE_DELETED']));
    },
    resolve: (m, _args, ctx) => {
      // the subscription's context lives as long as it does: load the groups fresh per change
      clearAllDataLoaders(ctx);
      return m;
    },
  }),
);
