import DataLoader from 'dataloader';
import { createContextCache } from '@pothos/core';
import { resolveCursorConnection, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { UUID } from '../../access/scope.js';
import { ValidationError } from '../../errors.js';
import { AgentRef } from './agents.graphql.js';
import type { AgentSkill } from './instances.table.js';
import { membershipKey, membershipsOf, removeAgentSkill, setAgentSkill, MAX_LEVEL, MIN_LEVEL, type MembershipKey, type MembershipPage, type MembershipSide } from './memberships.service.js';
import { SkillGroupRef } from './skill-groups.graphql.js';

export const SkillMembershipRef = builder.objectRef<AgentSkill>('SkillMembership').implement({
  description: `I3: an agent in a skill group, at a level from ${MIN_LEVEL} (strongest) to ${MAX_LEVEL}.`,
  fields: (t) => ({
    agent: t.field({ type: AgentRef, resolve: (m) => m.agent_id }),
    skillGroup: t.field({ type: SkillGroupRef, resolve: (m) => m.skill_group_id }),
    level: t.exposeInt('level', { description: 'Lower is stronger: 1 is the primary skill.' }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const SkillMembershipConnection = builder.connectionObject({ type: SkillMembershipRef, name: 'SkillMembershipConnection' }, { name: 'SkillMembershipEdge' });

const MAX_PAGE = 100;
const toCursor = (k: MembershipKey) => Buffer.from(`${k.level}|${k.id}`).toString('base64url');

function fromCursor(cursor: string | undefined, field: string): MembershipKey | null {
  if (cursor === undefined) return null;
  const [level, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const n = Number(level);
  if (rest.length || !Number.isInteger(n) || n < MIN_LEVEL || n > MAX_LEVEL || String(n) !== level || !UUID.test(id ?? ''))
    throw new ValidationError(field, `${field} is not a cursor of this list`, 'INVALID_CURSOR');
  return { level: n, id: id! };
}

/**
 * One loader per side and page per request: every parent of a list asks for the same page of its
 * memberships, so a list of agents loads all their skills in one query (no N+1). Not cached
 * (`cache: false`): a subscription's context outlives many changes.
 */
const loaders = createContextCache((_ctx: GraphQLContext) => new Map<string, DataLoader<string, AgentSkill[]>>());

function loadPage(ctx: GraphQLContext, side: MembershipSide, page: MembershipPage, parentId: string): Promise<AgentSkill[]> {
  const key = JSON.stringify([side, page]);
  const map = loaders(ctx);
  let loader = map.get(key);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const byParent = await membershipsOf(ctx, side, ids, page);
      return ids.map((id) => byParent.get(id) ?? []);
    }, { cache: false });
    map.set(key, loader);
  }
  return loader.load(parentId);
}

function membershipConnection(ctx: GraphQLContext, side: MembershipSide, parentId: string, args: DefaultConnectionArguments) {
  if ((args.first ?? 0) > MAX_PAGE || (args.last ?? 0) > MAX_PAGE) throw new ValidationError(args.first ? 'first' : 'last', `at most ${MAX_PAGE} items per page`);
  return resolveCursorConnection<Promise<AgentSkill[]>>(
    { args, toCursor: (m: AgentSkill) => toCursor(membershipKey(m, side)) },
    ({ after, before, limit, inverted }) =>
      loadPage(ctx, side, { after: fromCursor(after, 'after'), before: fromCursor(before, 'before'), limit, inverted }, parentId),
  );
}

const SIDE_FIELDS = [
  { ref: AgentRef, side: 'agent', field: 'skills', description: 'I3: the agent’s skill groups, strongest level first.' },
  { ref: SkillGroupRef, side: 'group', field: 'members', description: 'I3: the group’s agents, strongest level first.' },
] as const;

for (const { ref, side, field, description } of SIDE_FIELDS)
  builder.objectField(ref as typeof AgentRef, field, (t) =>
    t.connection(
      { type: SkillMembershipRef, description, resolve: (parent, args, ctx) => membershipConnection(ctx, side, parent.id, args) },
      SkillMembershipConnection,
    ),
  );

builder.mutationFields((t) => ({
  setAgentSkill: t.field({
    type: SkillMembershipRef,
    description: `I3: puts the agent in the group at \`level\` (${MIN_LEVEL}–${MAX_LEVEL}, lower is stronger), or changes its level there.`,
    args: { agentId: t.arg.globalID({ for: AgentRef }), skillGroupId: t.arg.globalID({ for: SkillGroupRef }), level: t.arg.int() },
    resolve: (_r, args, ctx) => setAgentSkill(ctx, args.agentId.id, args.skillGroupId.id, args.level),
  }),
  removeAgentSkill: t.boolean({
    description: 'I3: takes the agent out of the group; false when it was not in it.',
    args: { agentId: t.arg.globalID({ for: AgentRef }), skillGroupId: t.arg.globalID({ for: SkillGroupRef }) },
    resolve: (_r, args, ctx) => removeAgentSkill(ctx, args.agentId.id, args.skillGroupId.id),
  }),
}));
