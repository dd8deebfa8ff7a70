// C1, I3: for instance calls the switch's events drive the agent's status: ALERTING → RINGING,
// ANSWER → TALKING, DISCONNECT → AFTER_CALL_WORK (talked) or READY (rang, never answered); the
// agent then goes READY by setAgentStatus. Each change is an AGENT_STATUS_CHANGED event written in
// the transaction of the call event, so the agent board and the metrics follow the calls.
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { lockScoped, scopedFrom } from '../../access/scope.js';
import { changeAgentStatus } from '../instances/agents.status.js';
import type { AgentStatus } from '../instances/instances.table.js';
import type { Call, CallEventType } from './calls.table.js';

const ON_CONTACT: readonly AgentStatus[] = ['RINGING', 'TALKING'];

/** The status the event gives the call's agent; null: none (the call was already ended, or no agent status follows). */
function statusFor(type: CallEventType, before: Call, after: Call): AgentStatus | 'ENDED' | null {
  // an event of a call that had ended (reported late) leaves the agent alone: it may be on another call
  if (before.ended_at || !after.agent_id || !after.instance_id) return null;
  if (after.state === 'ENDED') return 'ENDED';
  if (type !== 'ALERTING' && type !== 'ANSWER') return null;
  if (after.state === 'TALKING') return 'TALKING';
  return after.state === 'RINGING' ? 'RINGING' : null;
}

/** Whether the event may change the call's agent's status (the batch writes its calls first then: the check reads them). */
export const movesAgent = (type: CallEventType, before: Call, after: Call): boolean => statusFor(type, before, after) !== null;

/**
 * The agent's status after the call event `type` changed the call from `before` to `after`, in the
 * event's transaction. A call that ends moves its agent only while the agent is on it (RINGING or
 * TALKING, and on no other live call of the instance).
 */
export async function agentStatusOfCall(ctx: ServiceContext, tx: Tx, type: CallEventType, before: Call, after: Call): Promise<void> {
  const next = statusFor(type, before, after);
  if (!next) return;
  const agent = await lockScoped(tx, ctx.actor, 'agents', after.agent_id!, 'agent', 'agentId');
  if (next !== 'ENDED') {
    await changeAgentStatus(tx, agent, next);
    return;
  }
  // a call that rang and ended unanswered frees only an agent still ringing
  if (after.answered_at ? !ON_CONTACT.includes(agent.status) : agent.status !== 'RINGING') return;
  const otherCall = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'calls')
    .select('calls.id')
    .where('calls.instance_id', '=', after.instance_id!)
    .where('calls.ended_at', 'is', null)
    .where('calls.agent_id', '=', agent.id)
    .where('calls.id', '<>', after.id)
    .executeTakeFirst();
  if (otherCall) return;
  await changeAgentStatus(tx, agent, after.answered_at ? 'AFTER_CALL_WORK' : 'READY');
}
