// C1, P5: one event applied to its call in memory: the times it sets (whatever order the events
// came in), the binding, skill group and agent it names (checked against rows loaded once per
// batch), and the call's state after it. The batch writes the calls afterwards (calls.write.ts).
import type { Updateable } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { ValidationError } from '../../errors.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import type { CheckedEvent } from './calls.input.js';
import type { Call, CallState, CallsTable } from './calls.table.js';

/** The rows the batch's events name, each read once through the policy. */
export interface NamedRows {
  bindings: Map<string, { id: string; app_id: string; x_e164: string; user_data: string | null }>;
  skillGroups: Map<string, { id: string; instance_id: string }>;
  agents: Map<string, { id: string; instance_id: string }>;
}

/** Loads the bindings, skill groups and agents named in the events (one query per kind named). */
export async function namedRows(ctx: ServiceContext, tx: Tx, events: readonly CheckedEvent[]): Promise<NamedRows> {
  const scoped = { db: tx.trx, actor: ctx.actor };
  const ids = (k: 'bindingId' | 'skillGroupId' | 'agentId') => validIds([...new Set(events.map((e) => e[k]).filter((id): id is string => !!id))]);
  const [b, s, a] = [ids('bindingId'), ids('skillGroupId'), ids('agentId')];
  const bindings = b.length ? await scopedFrom(scoped, 'privacy_bindings').select(['privacy_bindings.id', 'privacy_bindings.app_id', 'privacy_bindings.x_e164', 'privacy_bindings.user_data']).where('privacy_bindings.id', 'in', b).execute() : [];
  const groups = s.length ? await scopedFrom(scoped, 'skill_groups').select(['skill_groups.id', 'skill_groups.instance_id']).where('skill_groups.id', 'in', s).execute() : [];
  const agents = a.length ? await scopedFrom(scoped, 'agents').select(['agents.id', 'agents.instance_id']).where('agents.id', 'in', a).execute() : [];
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  return { bindings: byId(bindings), skillGroups: byId(groups), agents: byId(agents) };
}

/** C1: the live state from the times the call has, whatever order its events came in. */
export function stateOf(c: Pick<Call, 'ended_at' | 'answered_at' | 'queued_at' | 'alerting_at'>): CallState {
  if (c.ended_at) return 'ENDED';
  if (c.answered_at) return 'TALKING';
  if (c.queued_at && (!c.alerting_at || c.alerting_at < c.queued_at)) return 'QUEUED';
  return 'RINGING';
}

const earliest = (a: Date | null, b: Date) => (a && a <= b ? a : b);

/** An instance's skill group or agent named by the event. */
function instanceRow(call: Call, rows: Map<string, { id: string; instance_id: string }>, id: string, field: string, what: string) {
  const row = call.instance_id ? rows.get(id) : undefined;
  if (!row || row.instance_id !== call.instance_id) throw new ValidationError(field, `not a ${what} of this call’s instance`);
  return row.id;
}

/** The event applied to the call: what it changes (`set`) and the call after it; a bad reference is a typed error of the item. */
export function applyToCall(call: Call, e: CheckedEvent, named: NamedRows, now: Date): { set: Updateable<CallsTable>; after: Call } {
  const set: Updateable<CallsTable> = {};
  if (e.caller && !call.caller_e164) set.caller_e164 = e.caller;
  if (e.called && !call.called_e164) set.called_e164 = e.called;
  if (e.callee) set.callee_e164 = e.callee;
  if (e.bindingId && !call.binding_id) {
    // P5: the binding's user data goes into the call
    const b = named.bindings.get(e.bindingId);
    if (!b || b.app_id !== call.app_id || b.x_e164 !== call.x_e164) throw new ValidationError('bindingId', 'the binding is not one of this call’s app and number');
    set.binding_id = b.id;
    if (!call.user_data && !e.userData) set.user_data = b.user_data;
  }
  if (e.userData) set.user_data = e.userData;
  if (e.skillGroupId) set.skill_group_id = instanceRow(call, named.skillGroups, e.skillGroupId, 'skillGroupId', 'skill group');
  if (e.agentId) set.agent_id = instanceRow(call, named.agents, e.agentId, 'agentId', 'agent');
  if (e.failureReason) set.failure_reason = e.failureReason;
  if (e.recordingUrl) set.recording_url = e.recordingUrl;
  const at = e.occurredAt;
  const wasEnded = !!call.ended_at;
  switch (e.type) {
    case 'CALLIN':
      set.call_in_at = earliest(call.call_in_at, at);
      break;
    case 'CALLOUT':
      set.forward_start_at = earliest(call.forward_start_at, at);
      break;
    case 'QUEUED':
      set.queued_at = at;
      break;
    case 'ALERTING':
      set.alerting_at = earliest(call.alerting_at, at);
      break;
    case 'ANSWER':
      set.answered_at = earliest(call.answered_at, at);
      break;
    case 'DISCONNECT':
      if (!wasEnded) set.ended_at = at;
      break;
  }
  // an event of an ended call that is later than its end changes no time of it
  if (wasEnded && at > call.ended_at!) for (const k of ['call_in_at', 'forward_start_at', 'queued_at', 'alerting_at', 'answered_at'] as const) delete set[k];
  const after = { ...call, ...set } as Call;
  after.state = stateOf(after);
  after.updated_at = now;
  return { set, after };
}
