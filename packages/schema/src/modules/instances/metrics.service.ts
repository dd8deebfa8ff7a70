// I3: real-time counts per instance and per skill group, named like Amazon Connect's current metrics.
import { sql, type RawBuilder } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';

export interface MetricCounts {
  /** Agents not OFFLINE. */
  agentsOnline: number;
  /** READY. */
  agentsAvailable: number;
  /** RINGING or TALKING. */
  agentsOnContact: number;
  /** AFTER_CALL_WORK. */
  agentsAfterContactWork: number;
  /** Calls of the instance (group) QUEUED (C1). */
  contactsInQueue: number;
  /** Seconds since the oldest queued call was queued, by the injected clock; 0 when none. */
  oldestContactAgeSeconds: number;
}

export interface SkillGroupMetrics extends MetricCounts {
  instanceId: string;
  skillGroupId: string;
}

export interface InstanceMetrics extends MetricCounts {
  instanceId: string;
  /** The default group first, then by name. */
  skillGroups: SkillGroupMetrics[];
}

export const ZERO_COUNTS: MetricCounts = { agentsOnline: 0, agentsAvailable: 0, agentsOnContact: 0, agentsAfterContactWork: 0, contactsInQueue: 0, oldestContactAgeSeconds: 0 };

const none = <T>(type: string) => sql<T | null>`null::${sql.raw(type)}` as RawBuilder<T | null>;

/** The agent counts over the rows of `agents` in a group (left-joined agents count only when present); no calls. */
const agentCounts = () =>
  [
    sql<string>`count(agents.id) filter (where agents.status <> 'OFFLINE')`.as('agents_online'),
    sql<string>`count(agents.id) filter (where agents.status = 'READY')`.as('agents_available'),
    sql<string>`count(agents.id) filter (where agents.status in ('RINGING', 'TALKING'))`.as('agents_on_contact'),
    sql<string>`count(agents.id) filter (where agents.status = 'AFTER_CALL_WORK')`.as('agents_after_contact_work'),
    sql<string>`0::bigint`.as('contacts_in_queue'),
    none<Date>('timestamptz').as('oldest_queued_at'),
  ] as const;

/** C1: the QUEUED calls of a group of `calls` rows (no agents). */
const queueCounts = () =>
  [
    ...(['agents_online', 'agents_available', 'agents_on_contact', 'agents_after_contact_work'] as const).map((k) => sql<string>`0::bigint`.as(k)),
    sql<string>`count(calls.id)`.as('contacts_in_queue'),
    sql<Date | null>`min(calls.queued_at)`.as('oldest_queued_at'),
  ] as unknown as ReturnType<typeof agentCounts>;

/**
 * The metrics of each instance and all its skill groups, in ONE query (a union of the
 * instances' and the groups' agent counts and queued calls), through the read policy of agents,
 * groups and calls. An agent in several groups counts once for the instance and once in each
 * group; a queued call counts for its instance and its skill group (C1). The oldest contact's age
 * is by the injected clock.
 */
export async function metricsOf(ctx: ServiceContext, instanceIds: readonly string[]): Promise<Map<string, InstanceMetrics>> {
  const ids = validIds(instanceIds);
  const out = new Map<string, InstanceMetrics>(instanceIds.map((id) => [id, { instanceId: id, ...ZERO_COUNTS, skillGroups: [] }]));
  if (!ids.length) return out;
  const perInstance = scopedFrom(ctx, 'agents')
    .select(['agents.instance_id', none<string>('uuid').as('skill_group_id'), none<string>('text').as('group_name'), none<boolean>('boolean').as('is_default')])
    .select(agentCounts())
    .where('agents.instance_id', 'in', ids)
    .groupBy('agents.instance_id');
  const perGroup = scopedFrom(ctx, 'skill_groups')
    .leftJoin('agent_skills', 'agent_skills.skill_group_id', 'skill_groups.id')
    .leftJoin('agents', 'agents.id', 'agent_skills.agent_id')
    .select(['skill_groups.instance_id', 'skill_groups.id as skill_group_id', 'skill_groups.name as group_name', 'skill_groups.is_default'])
    .select(agentCounts())
    .where('skill_groups.instance_id', 'in', ids)
    .groupBy(['skill_groups.instance_id', 'skill_groups.id']);
  const queued = () => scopedFrom(ctx, 'calls').where('calls.instance_id', 'in', ids).where('calls.ended_at', 'is', null).where('calls.state', '=', 'QUEUED');
  const queuedPerInstance = queued()
    .select([sql<string>`calls.instance_id`.as('instance_id'), none<string>('uuid').as('skill_group_id'), none<string>('text').as('group_name'), none<boolean>('boolean').as('is_default')])
    .select(queueCounts())
    .groupBy('calls.instance_id');
  const queuedPerGroup = queued()
    .where('calls.skill_group_id', 'is not', null)
    .select([sql<string>`calls.instance_id`.as('instance_id'), sql<string>`calls.skill_group_id`.as('skill_group_id'), none<string>('text').as('group_name'), none<boolean>('boolean').as('is_default')])
    .select(queueCounts())
    .groupBy(['calls.instance_id', 'calls.skill_group_id']);
  const rows = await perInstance
    .unionAll(perGroup as never)
    .unionAll(queuedPerInstance as never)
    .unionAll(queuedPerGroup as never)
    .execute();
  const now = ctx.clock.now().getTime();
  const add = (m: MetricCounts, r: (typeof rows)[number], oldest: { at: number | null }) => {
    m.agentsOnline += Number(r.agents_online);
    m.agentsAvailable += Number(r.agents_available);
    m.agentsOnContact += Number(r.agents_on_contact);
    m.agentsAfterContactWork += Number(r.agents_after_contact_work);
    m.contactsInQueue += Number(r.contacts_in_queue);
    const at = r.oldest_queued_at ? new Date(r.oldest_queued_at).getTime() : null;
    if (at !== null && (oldest.at === null || at < oldest.at)) oldest.at = at;
    m.oldestContactAgeSeconds = oldest.at === null ? 0 : Math.max(0, Math.floor((now - oldest.at) / 1000));
  };
  // the groups the key may see (a queued call of a deleted or unseen group counts for its instance only)
  const groupRows = rows.filter((r) => r.group_name !== null).sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.group_name!.localeCompare(b.group_name!));
  const groups = new Map<string, { m: SkillGroupMetrics; oldest: { at: number | null } }>();
  for (const r of groupRows) {
    const g = { m: { instanceId: r.instance_id, skillGroupId: r.skill_group_id!, ...ZERO_COUNTS }, oldest: { at: null } };
    groups.set(r.skill_group_id!, g);
    out.get(r.instance_id)!.skillGroups.push(g.m);
  }
  const instanceOldest = new Map<string, { at: number | null }>();
  for (const r of rows) {
    if (!r.skill_group_id) {
      if (!instanceOldest.has(r.instance_id)) instanceOldest.set(r.instance_id, { at: null });
      add(out.get(r.instance_id)!, r, instanceOldest.get(r.instance_id)!);
    } else {
      const g = groups.get(r.skill_group_id);
      if (g) add(g.m, r, g.oldest);
    }
  }
  return out;
}
