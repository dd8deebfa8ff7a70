// I3: an instance's agents: who they are, their role in the instance and the user they are linked to.
import type { ServiceContext } from '../../context.js';
import { findScoped, scopedFrom } from '../../access/scope.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../errors.js';
import { parseEmail, requiredText } from '../../shared/input-fields.js';
import { lockInInstance, lockRunningInstance, requireInstanceManager } from './agents.guards.js';
import { AGENT_ROLES, type Agent, type AgentRole, type Instance } from './instances.table.js';

export interface AgentInput {
  name?: string | null;
  email?: string | null;
  agentNumber?: string | null;
  role?: AgentRole | null;
  /** undefined: unchanged; null: unlinked. */
  userId?: string | null;
}

/** An agent number (the seed's 工号): 1–32 letters, digits, '.', '_' or '-'. */
const AGENT_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

function agentNumber(raw: string): string {
  const v = raw.trim();
  if (!AGENT_NUMBER.test(v)) throw new ValidationError('input.agentNumber', 'the agent number has 1–32 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return v;
}

function agentRole(raw: string): AgentRole {
  if (!(AGENT_ROLES as readonly string[]).includes(raw)) throw new ValidationError('input.role', `the role is one of ${AGENT_ROLES.join(', ')}`);
  return raw as AgentRole;
}

/** AGENTS_CHANGED: the instance's agents, groups or memberships changed (metrics subscribers listen). */
export function emitAgentsChanged(tx: Tx, instance: Instance, subjectId: string, change: string, more: Record<string, unknown> = {}) {
  return tx.emit({ type: 'AGENTS_CHANGED', tenantId: instance.tenant_id, subjectId, payload: { instanceId: instance.id, change, ...more } });
}

/** The linked user: a user of the instance's tenant, linked to no other agent of the instance. */
async function linkableUser(tx: Tx, ctx: ServiceContext, instance: Instance, userId: string, agentId: string | null): Promise<string> {
  const user = await findScoped({ db: tx.trx, actor: ctx.actor }, 'users', userId);
  if (!user || user.tenant_id !== instance.tenant_id) throw new NotFoundError('user', 'input.userId');
  let other = tx.trx.selectFrom('agents').select('agent_number').where('instance_id', '=', instance.id).where('user_id', '=', user.id);
  if (agentId) other = other.where('id', '<>', agentId);
  const taken = await other.executeTakeFirst();
  if (taken) throw new ConflictError('ALREADY_EXISTS', `the user is linked to agent ${taken.agent_number} of this instance already`, 'input.userId');
  return user.id;
}

async function assertNumberFree(tx: Tx, instance: Instance, number: string, agentId: string | null) {
  let q = tx.trx.selectFrom('agents').select('id').where('instance_id', '=', instance.id).where('agent_number', '=', number);
  if (agentId) q = q.where('id', '<>', agentId);
  if (await q.executeTakeFirst()) throw new ConflictError('ALREADY_EXISTS', `agent number ${number} is taken in this instance`, 'input.agentNumber');
}

/** I3: a new agent of a RUNNING instance, OFFLINE. */
export async function createAgent(ctx: ServiceContext, instanceId: string, input: AgentInput): Promise<Agent> {
  requireInstanceManager(ctx.actor, 'adds agents');
  const name = requiredText(input.name, 'input.name', 'the name', 100);
  const email = parseEmail(input.email ?? '', 'input.email');
  const number = agentNumber(input.agentNumber ?? '');
  const role = agentRole(input.role ?? 'AGENT');
  return inTransaction(ctx, async (tx) => {
    const instance = await lockRunningInstance(tx, ctx.actor, instanceId);
    await assertNumberFree(tx, instance, number, null);
    const userId = input.userId ? await linkableUser(tx, ctx, instance, input.userId, null) : null;
    const agent = await tx.trx
      .insertInto('agents')
      .values({
        tenant_id: instance.tenant_id,
        instance_id: instance.id,
        name,
        email,
        agent_number: number,
        role,
        user_id: userId,
        status_since: tx.now,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAgentsChanged(tx, instance, agent.id, 'AGENT_CREATED', { agentId: agent.id });
    return agent;
  });
}

async function otherAdmins(tx: Tx, agent: Agent): Promise<number> {
  const row = await tx.trx
    .selectFrom('agents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('instance_id', '=', agent.instance_id)
    .where('role', '=', 'ADMIN')
    .where('id', '<>', agent.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** I3: changes what is given; making the last ADMIN an AGENT is LAST_ADMIN_AGENT. */
export async function updateAgent(ctx: ServiceContext, agentId: string, input: AgentInput): Promise<Agent> {
  requireInstanceManager(ctx.actor, 'changes agents');
  const set: Partial<Pick<Agent, 'name' | 'email' | 'agent_number' | 'role' | 'user_id'>> = {};
  if (input.name != null) set.name = requiredText(input.name, 'input.name', 'the name', 100);
  if (input.email != null) set.email = parseEmail(input.email, 'input.email');
  if (input.agentNumber != null) set.agent_number = agentNumber(input.agentNumber);
  if (input.role != null) set.role = agentRole(input.role);
  return inTransaction(ctx, async (tx) => {
    const { instance, row: agent } = await lockInInstance(tx, ctx.actor, 'agents', agentId, 'agent', 'id');
    if (set.agent_number) await assertNumberFree(tx, instance, set.agent_number, agent.id);
    if (input.userId !== undefined) set.user_id = input.userId === null ? null : await linkableUser(tx, ctx, instance, input.userId, agent.id);
    if (agent.role === 'ADMIN' && set.role === 'AGENT' && !(await otherAdmins(tx, agent)))
      throw new DomainError('LAST_ADMIN_AGENT', 'this is the last ADMIN agent of the instance: make another agent ADMIN first', 'input.role');
    const updated = await tx.trx
      .updateTable('agents')
      .set({ ...set, updated_at: tx.now })
      .where('id', '=', agent.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAgentsChanged(tx, instance, agent.id, 'AGENT_UPDATED', { agentId: agent.id });
    return updated;
  });
}

/** I3: removes an agent and its memberships; the last ADMIN agent stays (LAST_ADMIN_AGENT). */
export async function deleteAgent(ctx: ServiceContext, agentId: string): Promise<Agent> {
  requireInstanceManager(ctx.actor, 'deletes agents');
  return inTransaction(ctx, async (tx) => {
    const { instance, row: agent } = await lockInInstance(tx, ctx.actor, 'agents', agentId, 'agent', 'id');
    if (agent.role === 'ADMIN' && !(await otherAdmins(tx, agent)))
      throw new DomainError('LAST_ADMIN_AGENT', 'the last ADMIN agent of an instance cannot be deleted', 'id');
    await tx.trx.deleteFrom('agents').where('id', '=', agent.id).execute();
    await emitAgentsChanged(tx, instance, agent.id, 'AGENT_DELETED', { agentId: agent.id });
    return agent;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

/** The agents of an instance the key may see. */
export function agentsOfInstanceQuery(ctx: ServiceContext, instanceId: string) {
  return scopedFrom(ctx, 'agents').selectAll().where('agents.instance_id', '=', instanceId);
}
