// I3: agent status (Amazon Connect's agent states), set by the tenant's admin or by the agent's own user.
import type { Actor } from '../../access/actor.js';
import { findScoped, lockScoped, requireActor, UUID } from '../../access/scope.js';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { requiredText } from '../../shared/input-fields.js';
import { assertRunning } from './agents.guards.js';
import { AGENT_STATUSES, type Agent, type AgentStatus } from './instances.table.js';

/**
 * The agent whose status the key sets, locked. A TENANT_ADMIN (or OPERATOR) sets any agent it may
 * read; any other key only the agent linked to its own user, whatever its role. Another agent is
 * FORBIDDEN when the key may read it (SUPERVISOR) and NOT_FOUND when it may not (PARTNER).
 */
async function lockAgentForStatus(tx: Tx, actor: Actor, agentId: string): Promise<Agent> {
  if (actor.role === 'TENANT_ADMIN' || actor.role === 'OPERATOR') return lockScoped(tx, actor, 'agents', agentId, 'agent', 'agentId');
  // the caller's own agent: its tenant's row linked to the caller's user (a PARTNER may act on it
  // though READ_POLICY lets it read no agent)
  const own =
    UUID.test(agentId) && actor.tenantId && actor.userId
      ? await tx.trx
          .selectFrom('agents')
          .selectAll()
          .where('id', '=', agentId)
          .where('tenant_id', '=', actor.tenantId)
          .where('user_id', '=', actor.userId)
          .forUpdate()
          .executeTakeFirst()
      : undefined;
  if (own) return own;
  if (await findScoped({ db: tx.trx, actor }, 'agents', agentId))
    throw new ForbiddenError('only a TENANT_ADMIN or the user linked to the agent sets its status', 'agentId');
  throw new NotFoundError('agent', 'agentId');
}

/**
 * I3: the agent's new status. BREAK needs a reason (`reason`); every other status clears it.
 * Each change is an AGENT_STATUS_CHANGED event; setting the status it has already changes nothing.
 */
export async function setAgentStatus(ctx: ServiceContext, agentId: string, status: AgentStatus, reason?: string | null): Promise<Agent> {
  const actor = requireActor(ctx.actor);
  if (!(AGENT_STATUSES as readonly string[]).includes(status)) throw new ValidationError('status', `the status is one of ${AGENT_STATUSES.join(', ')}`);
  const why = status === 'BREAK' ? requiredText(reason, 'reason', 'a BREAK reason', 200) : null;
  return inTransaction(ctx, async (tx) => {
    const agent = await lockAgentForStatus(tx, actor, agentId);
    // the agent's own instance (the key may act on the agent, so on its status in it)
    const instance = await tx.trx.selectFrom('instances').selectAll().where('id', '=', agent.instance_id).executeTakeFirstOrThrow();
    assertRunning(instance, 'agentId');
    return changeAgentStatus(tx, agent, status, why);
  });
}

/**
 * The locked agent's new status in `tx`, with its AGENT_STATUS_CHANGED event (also driven by call
 * events, C1); the status it has already changes nothing.
 */
export async function changeAgentStatus(tx: Tx, agent: Agent, status: AgentStatus, why: string | null = null): Promise<Agent> {
  if (agent.status === status && agent.status_reason === why) return agent;
  const updated = await tx.trx
    .updateTable('agents')
    .set({ status, status_reason: why, status_since: tx.now, updated_at: tx.now })
    .where('id', '=', agent.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.emit({
    type: 'AGENT_STATUS_CHANGED',
    tenantId: agent.tenant_id,
    subjectId: agent.id,
    payload: { instanceId: agent.instance_id, status, previous: agent.status, reason: why },
  });
  return updated;
}

/** Whole seconds in the current status by the injected clock. */
export function secondsInStatus(ctx: Pick<ServiceContext, 'clock'>, agent: Pick<Agent, 'status_since'>): number {
  return Math.max(0, Math.floor((ctx.clock.now().getTime() - agent.status_since.getTime()) / 1000));
}
