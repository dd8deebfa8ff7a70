// C1, C2: reportCallEvents. The switch reports up to 500 call events per request; each item is
// STORED, DUPLICATE (its call has stored an event of that id: stored once) or a typed error of that item
// (unknown call, a number the key does not own, bad input), and the rest of the batch is stored.
// Items are applied per call in time order, and a call's state is derived from the times it has,
// so events of a call may come in any order; a DISCONNECT writes the CDR in the same transaction.
// The batch is set-based: its calls are found or made and locked once (calls.resolve.ts), the
// events applied in memory (calls.apply.ts), and each table written with one statement
// (calls.write.ts, calls.cdr.ts, calls.outbox.ts), in the order the per-item rules need.
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, ValidationError } from '../../errors.js';
import { requireActor } from '../../access/scope.js';
import type { EventNotice } from '../events/events.bus.js';
import { agentStatusOfCall, movesAgent } from './calls.agents.js';
import { applyToCall, namedRows } from './calls.apply.js';
import { amendCdr, announceCdr, insertCdrs, runCdrHooks, type CdrChange } from './calls.cdr.js';
import { checkEvent, MAX_BATCH, MAX_FUTURE_MS, xOf, type CallEventInput, type ItemResult } from './calls.input.js';
import { bufferedEvents } from './calls.outbox.js';
import { ensureMonthsOf, monthsKnown, retentionStart } from './calls.partitions.js';
import { callsOfBatch, unknownCall, type BatchItem } from './calls.resolve.js';
import { pushCallStatuses, type StoredCallEvent } from './calls.status.js';
import { CallsTaken, callEventsInsert, isoTime, writeCalls } from './calls.write.js';
import type { Call } from './calls.table.js';

const ORDER: Record<string, number> = { CALLIN: 0, CALLOUT: 1, QUEUED: 2, ALERTING: 3, ANSWER: 4, DISCONNECT: 5 };

function requireReporter(ctx: ServiceContext) {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'PARTNER' && actor.role !== 'TENANT_ADMIN' && actor.role !== 'OPERATOR')
    throw new ForbiddenError('call events are reported with a PARTNER key of the app (or by a TENANT_ADMIN or OPERATOR)');
}

const itemError = (err: unknown): DomainError => {
  if (err instanceof DomainError) return err;
  throw err;
};

/** A stored event: the call before and after it, and what it changed. */
interface Applied extends BatchItem, StoredCallEvent {
  before: Call;
  changed: boolean;
}

export async function reportCallEvents(ctx: ServiceContext, events: readonly CallEventInput[]): Promise<ItemResult[]> {
  requireReporter(ctx);
  if (events.length > MAX_BATCH) throw new ValidationError('events', `at most ${MAX_BATCH} events per request`);
  const now = ctx.clock.now();
  const range = { from: retentionStart(now, ctx.settings.callRetentionMonths), to: new Date(now.getTime() + MAX_FUTURE_MS) };
  const results: ItemResult[] = new Array(events.length);
  const valid: BatchItem[] = [];
  events.forEach((raw, index) => {
    try {
      valid.push({ index, e: checkEvent(raw, range) });
    } catch (err) {
      results[index] = { index, eventId: String(raw.eventId ?? ''), status: 'ERROR', error: itemError(err) };
    }
  });
  // per call, in time order (a DISCONNECT reported before its ANSWER in one batch is applied after it)
  valid.sort((a, b) => (a.e.callId < b.e.callId ? -1 : a.e.callId > b.e.callId ? 1 : 0) || a.e.occurredAt.getTime() - b.e.occurredAt.getTime() || ORDER[a.e.type]! - ORDER[b.e.type]!);
  // the months' partitions, in a short transaction of their own (DDL; made once per month and
  // process); two requests making the same month at once: the loser's transaction aborts, and
  // the partition is there when it tries again
  const times = valid.map((v) => v.e.occurredAt);
  for (let attempt = 1; !monthsKnown(times, ctx.bus); attempt++) {
    await inTransaction(ctx, (tx) => ensureMonthsOf(tx.trx, times, ctx.bus)).catch((err) => {
      if (attempt >= 3) throw err;
    });
  }
  // a call made by this batch and, meanwhile, by another request: the batch again, finding it
  const taken = new Set<string>();
  let notices: EventNotice[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      notices = await inTransaction(ctx, (plain) => storeBatch(ctx, plain, valid, results, taken));
      break;
    } catch (err) {
      if (!(err instanceof CallsTaken) || attempt >= 3) throw err;
      for (const key of err.keys) taken.add(key);
    }
  }
  if (notices.length) ctx.bus.notify(notices satisfies EventNotice[]);
  return results;
}

/**
 * The batch's transaction: its calls found or made, the events applied and every table written.
 * `taken`: calls another request made while an earlier attempt ran (CallsTaken).
 */
async function storeBatch(ctx: ServiceContext, plain: Tx, valid: readonly BatchItem[], results: ItemResult[], taken: ReadonlySet<string>): Promise<EventNotice[]> {
  const tx = bufferedEvents(plain);
  const { calls, callOf, made } = await callsOfBatch(ctx, tx, valid, taken);
  const placed: (BatchItem & { callId: string })[] = [];
  for (const item of valid) {
    const c = callOf.get(item.index)!;
    if (c instanceof DomainError) results[item.index] = { index: item.index, eventId: item.e.eventId, status: 'ERROR', error: c };
    else placed.push({ index: item.index, e: item.e, callId: c });
  }
  const named = await namedRows(ctx, tx, placed.map((p) => p.e));
  // each call's row as the database has it (the update writes what changed since)
  const stored = new Map(calls);
  // the events applied in order; a call holds the ids of its stored events (locked, or made by
  // this batch), so a repeat, in this batch or an earlier one, is found on it
  const applied: Applied[] = [];
  // a call made by this batch exists once one of its items naming its number is stored (as when
  // each item had its own savepoint); until then its other items are UNKNOWN_CALL
  const unborn = new Set(made);
  for (const p of placed) {
    const before = calls.get(p.callId)!;
    if (unborn.has(before.id) && !xOf(p.e)) {
      results[p.index] = { index: p.index, eventId: p.e.eventId, status: 'ERROR', error: unknownCall(p.e) };
      continue;
    }
    if (before.event_ids.includes(p.e.eventId)) {
      results[p.index] = { index: p.index, eventId: p.e.eventId, status: 'DUPLICATE', callId: before.id };
      continue;
    }
    try {
      const { set, after } = applyToCall(before, p.e, named, tx.now);
      after.event_ids = [...before.event_ids, p.e.eventId];
      unborn.delete(after.id);
      calls.set(after.id, after);
      applied.push({ index: p.index, e: p.e, before, call: after, changed: Object.keys(set).length > 0 });
      results[p.index] = { index: p.index, eventId: p.e.eventId, status: 'STORED', callId: after.id };
    } catch (err) {
      results[p.index] = { index: p.index, eventId: p.e.eventId, status: 'ERROR', error: itemError(err) };
    }
  }

  // the effects of each stored event, in event order: its CALL_EVENT, the agent's status, the CDR
  const cdrs = await insertCdrs(tx, applied.filter((a) => a.e.type === 'DISCONNECT' && !a.before.ended_at).map((a) => ({ call: a.call, disconnectEventId: a.e.eventId })));
  const cdrChanges: CdrChange[] = [];
  const asOf = new Map<string, Call>();
  const written = async () => (await writeCalls(tx, [...asOf.values()], made, stored), asOf.clear());
  for (const a of applied) {
    const { call, e, before } = a;
    asOf.set(call.id, call);
    await tx.emit({
      type: 'CALL_EVENT',
      tenantId: call.tenant_id,
      appId: call.app_id,
      subjectId: call.id,
      payload: { callId: call.id, event: e.type, state: call.state, eventId: e.eventId, occurredAt: isoTime(e.occurredAt), instanceId: call.instance_id, bindingId: call.binding_id },
    });
    // the agent's check reads the instance's calls: they are written up to this event first
    if (movesAgent(e.type, before, call)) await written().then(() => agentStatusOfCall(ctx, tx, e.type, before, call));
    if (e.type === 'DISCONNECT' && !before.ended_at) cdrChanges.push(await announceCdr(tx, cdrs.get(call.id)!, 'CREATED'));
    else if (before.ended_at && a.changed) {
      const amended = await amendCdr(tx, call);
      if (amended) cdrChanges.push(amended);
    }
  }
  await written();
  await runCdrHooks(tx, cdrChanges);
  await pushCallStatuses(tx, applied);
  // the events' rows go with the outbox's, in one round trip
  return tx.flushEvents(callEventsInsert(tx.now, applied));
}
