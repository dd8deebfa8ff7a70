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
  /** Calls waiting: 0 until calls arrive (a later module). */
  contactsInQueue: number;
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

/** The agent counts over the rows of `agents` in a group (left-joined agents count only when present). */
const counts = () =>
  [
    sql<string>`count(agents.id) filter (where agents.status <> 'OFFLINE')`.as('agents_online'),
    sql<string>`count(agents.id) filter (where agents.status = 'READY')`.as('agents_available'),
    sql<string>`count(agents.id) filter (where agents.status in ('RINGING', 'TALKING'))`.as('agents_on_contact'),
    sql<string>`count(agents.id) filter (where agents.status = 'AFTER_CALL_WORK')`.as('agents_after_contact_work'),
  ] as const;

const none = <T>(type: string) => sql<T | null>`null::${sql.raw(type)}` as RawBuilder<T | null>;

/**
 * The metrics of each instance and all its skill groups, in ONE query (a union of the
 * instances' counts and the groups' counts), through the read policy of agents and groups.
 * An agent in several groups counts once for the instance and once in each group.
 */
export async function metricsOf(ctx: ServiceContext, instanceIds: readonly string[]): Promise<Map<string, InstanceMetrics>> {
  const ids = validIds(instanceIds);
  const out = new Map<string, InstanceMetrics>(instanceIds.map((id) => [id, { instanceId: id, ...ZERO_COUNTS, skillGroups: [] }]));
  if (!ids.length) return out;
  const perInstance = scopedFrom(ctx, 'agents')
    .select(['agents.instance_id', none<string>('uuid').as('skill_group_id'), none<string>('text').as('group_name'), none<boolean>('boolean').as('is_default')])
    .select(counts())
    .where('agents.instance_id', 'in', ids)
    .groupBy('agents.instance_id');
  const perGroup = scopedFrom(ctx, 'skill_groups')
    .leftJoin('agent_skills', 'agent_skills.skill_group_id', 'skill_groups.id')
    .leftJoin('agents', 'agents.id', 'agent_skills.agent_id')
    .select(['skill_groups.instance_id', 'skill_groups.id as skill_group_id', 'skill_groups.name as group_name', 'skill_groups.is_default'])
    .select(counts())
    .where('skill_groups.instance_id', 'in', ids)
    .groupBy(['skill_groups.instance_id', 'skill_groups.id']);
  const rows = await perInstance.unionAll(perGroup as never).execute();
  const groups = rows.filter((r) => r.skill_group_id).sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.group_name!.localeCompare(b.group_name!));
  const countsOf = (r: (typeof rows)[number]): MetricCounts => ({
    ...ZERO_COUNTS,
    agentsOnline: Number(r.agents_online),
    agentsAvailable: Number(r.agents_available),
    agentsOnContact: Number(r.agents_on_contact),
    agentsAfterContactWork: Number(r.agents_after_contact_work),
  });
  for (const r of rows) if (!r.skill_group_id) Object.assign(out.get(r.instance_id)!, countsOf(r));
  for (const r of groups) out.get(r.instance_id)!.skillGroups.push({ instanceId: r.instance_id, skillGroupId: r.skill_group_id!, ...countsOf(r) });
  return out;
}
