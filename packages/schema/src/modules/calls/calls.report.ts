// C1, C2: reportCallEvents. The switch reports up to 500 call events per request; each item is
// STORED, DUPLICATE (its event id was stored before: stored once) or a typed error of that item
// (unknown call, a number the key does not own, bad input), and the rest of the batch is stored.
// Items are applied per call in time order, and a call's state is derived from the times it has,
// so events of a call may come in any order; a DISCONNECT writes the CDR in the same transaction.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, ValidationError } from '../../errors.js';
import { findScoped, requireActor, scopedFrom } from '../../access/scope.js';
import { agentStatusOfCall } from './calls.agents.js';
import { amendCdr, writeCdr } from './calls.cdr.js';
import { checkEvent, MAX_BATCH, MAX_FUTURE_MS, xOf, type CallEventInput, type CheckedEvent, type ItemResult } from './calls.input.js';
import { pushCallStatuses, type StoredCallEvent } from './calls.status.js';
import { ensureMonthsOf, monthsKnown, retentionStart } from './calls.partitions.js';
import type { Updateable } from 'kysely';
import type { Call, CallState, CallsTable } from './calls.table.js';

const ORDER: Record<string, number> = { CALLIN: 0, CALLOUT: 1, QUEUED: 2, ALERTING: 3, ANSWER: 4, DISCONNECT: 5 };

function requireReporter(ctx: ServiceContext) {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'PARTNER' && actor.role !== 'TENANT_ADMIN' && actor.role !== 'OPERATOR')
    throw new ForbiddenError('call events are reported with a PARTNER key of the app (or by a TENANT_ADMIN or OPERATOR)');
}

/** C1: the live state from the times the call has, whatever order its events came in. */
export function stateOf(c: Pick<Call, 'ended_at' | 'answered_at' | 'queued_at' | 'alerting_at'>): CallState {
  if (c.ended_at) return 'ENDED';
  if (c.answered_at) return 'TALKING';
  if (c.queued_at && (!c.alerting_at || c.alerting_at < c.queued_at)) return 'QUEUED';
  return 'RINGING';
}

const itemError = (err: unknown): DomainError => {
  if (err instanceof DomainError) return err;
  throw err;
};

export async function reportCallEvents(ctx: ServiceContext, events: readonly CallEventInput[]): Promise<ItemResult[]> {
  requireReporter(ctx);
  if (events.length > MAX_BATCH) throw new ValidationError('events', `at most ${MAX_BATCH} events per request`);
  const now = ctx.clock.now();
  const range = { from: retentionStart(now, ctx.settings.callRetentionMonths), to: new Date(now.getTime() + MAX_FUTURE_MS) };
  const results: ItemResult[] = new Array(events.length);
  const valid: { index: number; e: CheckedEvent }[] = [];
  events.forEach((raw, index) => {
    try {
      valid.push({ index, e: checkEvent(raw, range) });
    } catch (err) {
      results[index] = { index, eventId: String(raw.eventId ?? ''), status: 'ERROR', error: itemError(err) };
    }
  });
  // per call, in time order (a DISCONNECT reported before its ANSWER in one batch is applied after it)
  valid.sort((a, b) => a.e.callId.localeCompare(b.e.callId) || a.e.occurredAt.getTime() - b.e.occurredAt.getTime() || ORDER[a.e.type]! - ORDER[b.e.type]!);
  // the months' partitions, in a short transaction of their own (DDL; made once per month and process)
  const times = valid.map((v) => v.e.occurredAt);
  if (!monthsKnown(times, ctx.bus)) await inTransaction(ctx, (tx) => ensureMonthsOf(tx.trx, times, ctx.bus));
  await inTransaction(ctx, async (tx) => {
    const stored: StoredCallEvent[] = [];
    for (const { index, e } of valid) {
      await sql`savepoint call_event_item`.execute(tx.trx);
      try {
        const r = await applyEvent(ctx, tx, e);
        results[index] = { index, eventId: e.eventId, status: r.status, callId: r.call.id };
        await sql`release savepoint call_event_item`.execute(tx.trx);
        if (r.status === 'STORED') stored.push({ call: r.call, e });
      } catch (err) {
        await sql`rollback to savepoint call_event_item`.execute(tx.trx);
        results[index] = { index, eventId: e.eventId, status: 'ERROR', error: itemError(err) };
      }
    }
    await pushCallStatuses(tx, stored);
  });
  return results;
}

/** The call of the event, locked: found by the switch's call id among the calls the key may see, or made by a CALLIN / CALLOUT. */
async function callOf(ctx: ServiceContext, tx: Tx, e: CheckedEvent): Promise<{ call: Call; created: boolean }> {
  const found = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'calls').selectAll().where('calls.switch_call_id', '=', e.callId).forUpdate().limit(2).execute();
  if (found.length > 1) throw new ValidationError('callId', 'the call id names calls of several tenants: report with a key of the tenant');
  if (found[0]) return { call: found[0], created: false };
  const x = xOf(e);
  // a CALLOUT starts a call when it names the platform number shown as the caller; else it is the forward leg of a known call
  if (!x) throw new DomainError('UNKNOWN_CALL', `no call ${e.callId} was reported (a CALLIN, or a CALLOUT naming its caller, comes first)`, 'callId');
  const owner = await numberOwner(ctx, tx, x);
  const call = await tx.trx
    .insertInto('calls')
    .values({
      tenant_id: owner.tenantId,
      app_id: owner.appId,
      instance_id: owner.instanceId,
      number_id: owner.numberId,
      switch_call_id: e.callId,
      direction: e.type === 'CALLIN' ? 'IN' : 'OUT',
      state: 'RINGING',
      x_e164: x,
      created_at: tx.now,
      updated_at: tx.now,
    })
    .onConflict((oc) => oc.constraint('calls_switch_call').doNothing())
    .returningAll()
    .executeTakeFirst();
  // a call of that id exists in the tenant but the key may not see it (another app's): not this key's call
  if (!call) throw new DomainError('UNKNOWN_CALL', `the call ${e.callId} is not one of this key’s calls`, 'callId');
  return { call, created: true };
}

/** Whose the platform number is: a PARTNER key's app pool; else the key's tenant (OPERATOR: any tenant's). */
async function numberOwner(ctx: ServiceContext, tx: Tx, x: string) {
  const scoped = { db: tx.trx, actor: ctx.actor };
  const field = 'called';
  const notOwned = () => new DomainError('CALL_NUMBER_NOT_OWNED', `${x} is not a number of this key`, field);
  const pool = await scopedFrom(scoped, 'privacy_pool_numbers').select(['privacy_pool_numbers.tenant_id', 'privacy_pool_numbers.app_id', 'privacy_pool_numbers.number_id']).where('privacy_pool_numbers.e164', '=', x).executeTakeFirst();
  if (ctx.actor!.role === 'PARTNER') {
    if (!pool) throw notOwned();
    return { tenantId: pool.tenant_id, appId: pool.app_id, numberId: pool.number_id, instanceId: null };
  }
  const n = await scopedFrom(scoped, 'numbers').select(['numbers.id', 'numbers.tenant_id', 'numbers.instance_id']).where('numbers.e164', '=', x).where('numbers.tenant_id', 'is not', null).executeTakeFirst();
  if (!n) throw notOwned();
  const flow = n.instance_id ? null : await scopedFrom(scoped, 'flow_numbers').select('flow_numbers.instance_id').where('flow_numbers.number_id', '=', n.id).executeTakeFirst();
  return { tenantId: n.tenant_id!, appId: pool?.app_id ?? null, numberId: n.id, instanceId: n.instance_id ?? flow?.instance_id ?? null };
}

/** The binding named by the event: one of the call's app and number (P5: its user data goes into the call). */
async function bindingOf(ctx: ServiceContext, tx: Tx, call: Call, id: string) {
  const b = await findScoped({ db: tx.trx, actor: ctx.actor }, 'privacy_bindings', id);
  if (!b || b.app_id !== call.app_id || b.x_e164 !== call.x_e164) throw new ValidationError('bindingId', 'the binding is not one of this call’s app and number');
  return b;
}

/** An instance's skill group or agent named by the event. */
async function instanceRow(ctx: ServiceContext, tx: Tx, call: Call, table: 'skill_groups' | 'agents', id: string, field: string) {
  const row = call.instance_id ? await findScoped({ db: tx.trx, actor: ctx.actor }, table, id) : undefined;
  if (!row || row.instance_id !== call.instance_id) throw new ValidationError(field, `not a ${table === 'agents' ? 'agent' : 'skill group'} of this call’s instance`);
  return row.id;
}

const earliest = (a: Date | null, b: Date) => (a && a <= b ? a : b);

async function applyEvent(ctx: ServiceContext, tx: Tx, e: CheckedEvent): Promise<{ status: 'STORED' | 'DUPLICATE'; call: Call }> {
  const { call } = await callOf(ctx, tx, e);
  const fresh = await tx.trx
    .insertInto('call_event_ids')
    .values({ tenant_id: call.tenant_id, switch_event_id: e.eventId, occurred_at: e.occurredAt })
    .onConflict((oc) => oc.columns(['tenant_id', 'switch_event_id']).doNothing())
    .returning('switch_event_id')
    .executeTakeFirst();
  if (!fresh) return { status: 'DUPLICATE', call };

  const set: Updateable<CallsTable> = {};
  if (e.caller && !call.caller_e164) set.caller_e164 = e.caller;
  if (e.called && !call.called_e164) set.called_e164 = e.called;
  if (e.callee) set.callee_e164 = e.callee;
  if (e.bindingId && !call.binding_id) {
    const b = await bindingOf(ctx, tx, call, e.bindingId);
    set.binding_id = b.id;
    if (!call.user_data && !e.userData) set.user_data = b.user_data;
  }
  if (e.userData) set.user_data = e.userData;
  if (e.skillGroupId) set.skill_group_id = await instanceRow(ctx, tx, call, 'skill_groups', e.skillGroupId, 'skillGroupId');
  if (e.agentId) set.agent_id = await instanceRow(ctx, tx, call, 'agents', e.agentId, 'agentId');
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
  const merged = { ...call, ...set } as Call;
  const updated = await tx.trx
    .updateTable('calls')
    .set({ ...set, state: stateOf(merged), updated_at: tx.now })
    .where('id', '=', call.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.trx
    .insertInto('call_events')
    .values({
      tenant_id: updated.tenant_id,
      app_id: updated.app_id,
      instance_id: updated.instance_id,
      call_id: updated.id,
      switch_event_id: e.eventId,
      type: e.type,
      occurred_at: at,
      received_at: tx.now,
      payload: JSON.stringify(eventPayload(e)),
    })
    .execute();
  await tx.emit({
    type: 'CALL_EVENT',
    tenantId: updated.tenant_id,
    appId: updated.app_id,
    subjectId: updated.id,
    payload: { callId: updated.id, event: e.type, state: updated.state, eventId: e.eventId, occurredAt: at.toISOString(), instanceId: updated.instance_id, bindingId: updated.binding_id },
  });
  await agentStatusOfCall(ctx, tx, e.type, call, updated);
  if (e.type === 'DISCONNECT' && !wasEnded) await writeCdr(tx, updated, e.eventId);
  else if (wasEnded && Object.keys(set).length) await amendCdr(tx, updated);
  return { status: 'STORED', call: updated };
}

const eventPayload = (e: CheckedEvent) =>
  Object.fromEntries(
    Object.entries({ caller: e.caller, called: e.called, callee: e.callee, bindingId: e.bindingId, userData: e.userData, skillGroupId: e.skillGroupId, agentId: e.agentId, failureReason: e.failureReason, recordingUrl: e.recordingUrl }).filter(([, v]) => v != null),
  );
