// I3: agents and skill groups are many-to-many; each membership has a level 1–10 (lower is stronger).
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { findScoped, fromScopedSubquery, scopedFrom, validIds } from '../../access/scope.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { emitAgentsChanged } from './agents.service.js';
import { lockInInstance, requireInstanceManager } from './agents.guards.js';
import type { AgentSkill } from './instances.table.js';

export const MIN_LEVEL = 1;
export const MAX_LEVEL = 10;

function skillLevel(level: number): number {
  if (!Number.isInteger(level) || level < MIN_LEVEL || level > MAX_LEVEL)
    throw new ValidationError('level', `the level is a whole number from ${MIN_LEVEL} (strongest) to ${MAX_LEVEL}`);
  return level;
}

/** The agent and the group, both visible, of one RUNNING instance; the instance locked. */
async function lockPair(ctx: ServiceContext, tx: Tx, agentId: string, skillGroupId: string) {
  const { instance, row: agent } = await lockInInstance(tx, ctx.actor, 'agents', agentId, 'agent', 'agentId');
  const group = await findScoped({ db: tx.trx, actor: ctx.actor }, 'skill_groups', skillGroupId);
  if (!group) throw new NotFoundError('skill group', 'skillGroupId');
  if (group.instance_id !== instance.id) throw new ValidationError('skillGroupId', 'the skill group belongs to another instance than the agent');
  return { instance, agent, group };
}

/** I3: adds the agent to the group at `level`, or changes its level there. */
export async function setAgentSkill(ctx: ServiceContext, agentId: string, skillGroupId: string, level: number): Promise<AgentSkill> {
  requireInstanceManager(ctx.actor, 'sets agent skills');
  const lvl = skillLevel(level);
  return inTransaction(ctx, async (tx) => {
    const { instance, agent, group } = await lockPair(ctx, tx, agentId, skillGroupId);
    const before = await tx.trx.selectFrom('agent_skills').select('level').where('agent_id', '=', agent.id).where('skill_group_id', '=', group.id).executeTakeFirst();
    if (before?.level === lvl)
      return tx.trx.selectFrom('agent_skills').selectAll().where('agent_id', '=', agent.id).where('skill_group_id', '=', group.id).executeTakeFirstOrThrow();
    const row = await tx.trx
      .insertInto('agent_skills')
      .values({ agent_id: agent.id, skill_group_id: group.id, tenant_id: instance.tenant_id, instance_id: instance.id, level: lvl, created_at: tx.now, updated_at: tx.now })
      .onConflict((oc) => oc.columns(['agent_id', 'skill_group_id']).doUpdateSet({ level: lvl, updated_at: tx.now }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAgentsChanged(tx, instance, agent.id, before ? 'SKILL_LEVEL_CHANGED' : 'SKILL_ADDED', {
      agentId: agent.id,
      skillGroupId: group.id,
      level: lvl,
      previousLevel: before?.level ?? null,
    });
    return row;
  });
}

/** I3: takes the agent out of the group; false when it was not in it. */
export async function removeAgentSkill(ctx: ServiceContext, agentId: string, skillGroupId: string): Promise<boolean> {
  requireInstanceManager(ctx.actor, 'removes agent skills');
  return inTransaction(ctx, async (tx) => {
    const { instance, agent, group } = await lockPair(ctx, tx, agentId, skillGroupId);
    const gone = await tx.trx.deleteFrom('agent_skills').where('agent_id', '=', agent.id).where('skill_group_id', '=', group.id).executeTakeFirst();
    if (!Number(gone.numDeletedRows)) return false;
    await emitAgentsChanged(tx, instance, agent.id, 'SKILL_REMOVED', { agentId: agent.id, skillGroupId: group.id });
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads: a page of memberships for many agents (or many groups) in one query

/** Which side the memberships are listed from: an agent's skills, or a group's members. */
export type MembershipSide = 'agent' | 'group';

/** A position in a membership list: its level, then the id of the other side. */
export interface MembershipKey {
  level: number;
  id: string;
}

export interface MembershipPage {
  after?: MembershipKey | null;
  before?: MembershipKey | null;
  limit: number;
  /** Read backwards (last/before); the caller puts them back in order. */
  inverted: boolean;
}

const SIDES = {
  agent: { parent: 'agent_id', other: 'skill_group_id' },
  group: { parent: 'skill_group_id', other: 'agent_id' },
} as const;

/** The membership's key in a list seen from `side`: ordered by level (strongest first), then id. */
export const membershipKey = (m: AgentSkill, side: MembershipSide): MembershipKey => ({ level: m.level, id: side === 'agent' ? m.skill_group_id : m.agent_id });

/**
 * A page of the memberships of each parent (agents, or groups), in one query: the parents' rows
 * ranked per parent (window function) and cut at `limit`, through the read policy.
 */
export async function membershipsOf(ctx: ServiceContext, side: MembershipSide, parentIds: readonly string[], page: MembershipPage): Promise<Map<string, AgentSkill[]>> {
  const { parent, other } = SIDES[side];
  const out = new Map<string, AgentSkill[]>(parentIds.map((id) => [id, []]));
  const ids = validIds(parentIds);
  if (!ids.length) return out;
  const key = sql`(agent_skills.level, ${sql.ref(`agent_skills.${other}`)})`;
  const dir = page.inverted ? sql`desc` : sql`asc`;
  let inner = scopedFrom(ctx, 'agent_skills')
    .selectAll('agent_skills')
    .select(sql<number>`row_number() over (partition by ${sql.ref(`agent_skills.${parent}`)} order by agent_skills.level ${dir}, ${sql.ref(`agent_skills.${other}`)} ${dir})`.as('rank'))
    .where(sql.ref(`agent_skills.${parent}`), 'in', ids);
  if (page.after) inner = inner.where(sql<boolean>`${key} > (${page.after.level}, ${page.after.id}::uuid)`);
  if (page.before) inner = inner.where(sql<boolean>`${key} < (${page.before.level}, ${page.before.id}::uuid)`);
  // the ranked rows are scopedFrom's; the outer query only cuts each parent's list at the limit
  const rows = await fromScopedSubquery(ctx, inner.as('ranked'))
    .selectAll('ranked')
    .where('ranked.rank', '<=', page.limit)
    .orderBy('ranked.rank')
    .execute();
  for (const { rank: _rank, ...m } of rows) out.get(m[parent])?.push(m);
  return out;
}
