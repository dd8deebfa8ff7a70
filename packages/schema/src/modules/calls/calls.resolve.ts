// C1: the calls of a reportCallEvents batch, in a few queries for the whole batch: found by the
// switch's call id among the calls the key may see (locked once, in id order), or made by their
// first CALLIN / CALLOUT that names a number of the key. A made call is inserted when the batch
// first writes it, with the state its events gave it (calls.write.ts): not inserted and then
// updated in the same transaction (two row versions, the keys checked twice).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { DomainError, ValidationError } from '../../errors.js';
import { scopedFrom } from '../../access/scope.js';
import { xOf, type CheckedEvent } from './calls.input.js';
import type { Call } from './calls.table.js';
import { takenKey } from './calls.write.js';

/** An item of the batch that passed its own checks, by its index in the request. */
export interface BatchItem {
  index: number;
  e: CheckedEvent;
}

interface Owner {
  tenantId: string;
  appId: string | null;
  numberId: string;
  instanceId: string | null;
}

export interface BatchCalls {
  /** The batch's calls by row id, as locked or made. */
  calls: Map<string, Call>;
  /** Each item's call (row id), or the typed error of the item. */
  callOf: Map<number, string | DomainError>;
  /** The calls this batch made (row ids), not inserted yet: one whose items all fail is never written. */
  made: Set<string>;
}

export const unknownCall = (e: CheckedEvent) => new DomainError('UNKNOWN_CALL', `no call ${e.callId} was reported (a CALLIN, or a CALLOUT naming its caller, comes first)`, 'callId');
const notKeys = (e: CheckedEvent) => new DomainError('UNKNOWN_CALL', `the call ${e.callId} is not one of this key’s calls`, 'callId');

/**
 * The visible calls of these switch call ids, locked in one order for every batch (by switch call
 * id, then row id). Each id is its own index probe (a lateral subquery, which locks its rows and so
 * is never merged into a join): with `switch_call_id = any(…)` the planner may read all the
 * tenant's calls instead, when its statistics still count the few calls of a tenant that grew
 * since (measured: 2.5 → 14 ms per batch over 60 000 calls in a minute). The unique index leads
 * with the switch call id (migration 0025), so an OPERATOR's probe, with no tenant, is one too.
 */
function lockVisible(ctx: ServiceContext, tx: Tx, switchIds: string[]) {
  const ofId = scopedFrom({ db: tx.trx, actor: ctx.actor }, 'calls').selectAll().where(sql<boolean>`calls.switch_call_id = s.switch_call_id`).orderBy('calls.id').forUpdate();
  // the ids as one array parameter: a list of hundreds of parameters costs PostgreSQL more to parse and plan
  return sql<Call>`select c.* from unnest(${[...switchIds].sort()}::text[]) as s(switch_call_id) cross join lateral (${ofId}) as c`.execute(tx.trx).then((r) => r.rows);
}

/**
 * The items' calls; `items` are in the batch's order (per call, in time order). `taken`: calls
 * (calls.write.ts `takenKey`) that another request made while an earlier attempt of this batch ran, and that this
 * key did not find: a call of the tenant the key may not see.
 */
export async function callsOfBatch(ctx: ServiceContext, tx: Tx, items: readonly BatchItem[], taken: ReadonlySet<string> = new Set()): Promise<BatchCalls> {
  const calls = new Map<string, Call>();
  const callOf = new Map<number, string | DomainError>();
  const made = new Set<string>();
  const bySwitchId = new Map<string, BatchItem[]>();
  for (const item of items) (bySwitchId.get(item.e.callId) ?? bySwitchId.set(item.e.callId, []).get(item.e.callId)!).push(item);
  if (!items.length) return { calls, callOf, made };

  const found = new Map<string, Call[]>();
  for (const c of await lockVisible(ctx, tx, [...bySwitchId.keys()])) (found.get(c.switch_call_id) ?? found.set(c.switch_call_id, []).get(c.switch_call_id)!).push(c);
  const missing: BatchItem[][] = [];
  for (const [switchId, list] of bySwitchId) {
    const rows = found.get(switchId) ?? [];
    if (rows.length > 1) for (const it of list) callOf.set(it.index, new ValidationError('callId', 'the call id names calls of several tenants: report with a key of the tenant'));
    else if (rows[0]) {
      calls.set(rows[0].id, rows[0]);
      for (const it of list) callOf.set(it.index, rows[0].id);
    } else missing.push(list);
  }
  if (missing.length) await makeCalls(ctx, tx, missing, taken, calls, callOf, made);
  return { calls, callOf, made };
}

/**
 * Calls not seen before: the first item naming a number of the key makes the call (the items
 * before it are UNKNOWN_CALL, as when reported one by one). Made in memory with their ids; the
 * batch inserts them when it writes them.
 */
async function makeCalls(ctx: ServiceContext, tx: Tx, missing: BatchItem[][], taken: ReadonlySet<string>, calls: Map<string, Call>, callOf: Map<number, string | DomainError>, made: Set<string>) {
  const owners = await ownersOf(ctx, tx, [...new Set(missing.flatMap((list) => list.map((it) => xOf(it.e)).filter((x): x is string => !!x)))]);
  for (const list of missing) {
    const first = list.findIndex((it) => {
      const x = xOf(it.e);
      const owner = x ? owners.get(x)! : unknownCall(it.e);
      if (owner instanceof DomainError) callOf.set(it.index, owner);
      return !(owner instanceof DomainError);
    });
    if (first < 0) continue;
    const e = list[first]!.e;
    const x = xOf(e)!;
    const owner = owners.get(x) as Owner;
    if (taken.has(takenKey(owner.tenantId, e.callId))) {
      for (const it of list.slice(first)) callOf.set(it.index, notKeys(it.e));
      continue;
    }
    const call: Call = {
      id: randomUUID(),
      tenant_id: owner.tenantId,
      app_id: owner.appId,
      instance_id: owner.instanceId,
      binding_id: null,
      number_id: owner.numberId,
      switch_call_id: e.callId,
      direction: e.type === 'CALLIN' ? 'IN' : 'OUT',
      state: 'RINGING',
      x_e164: x,
      caller_e164: null,
      called_e164: null,
      callee_e164: null,
      user_data: null,
      skill_group_id: null,
      agent_id: null,
      call_in_at: null,
      forward_start_at: null,
      queued_at: null,
      alerting_at: null,
      answered_at: null,
      ended_at: null,
      failure_reason: null,
      recording_url: null,
      event_ids: [],
      created_at: tx.now,
      updated_at: tx.now,
    };
    calls.set(call.id, call);
    made.add(call.id);
    for (const it of list.slice(first)) callOf.set(it.index, call.id);
  }
}

/** Whose each platform number is: a PARTNER key's app pool; else the key's tenant (OPERATOR: any tenant's). */
async function ownersOf(ctx: ServiceContext, tx: Tx, xs: string[]): Promise<Map<string, Owner | DomainError>> {
  const owners = new Map<string, Owner | DomainError>(xs.map((x) => [x, new DomainError('CALL_NUMBER_NOT_OWNED', `${x} is not a number of this key`, 'called')]));
  if (!xs.length) return owners;
  const scoped = { db: tx.trx, actor: ctx.actor };
  const pool = new Map(
    (await scopedFrom(scoped, 'privacy_pool_numbers').select(['privacy_pool_numbers.e164', 'privacy_pool_numbers.tenant_id', 'privacy_pool_numbers.app_id', 'privacy_pool_numbers.number_id']).where('privacy_pool_numbers.e164', 'in', xs).execute()).map((p) => [p.e164, p]),
  );
  if (ctx.actor!.role === 'PARTNER') {
    for (const [x, p] of pool) owners.set(x, { tenantId: p.tenant_id, appId: p.app_id, numberId: p.number_id, instanceId: null });
    return owners;
  }
  const numbers = await scopedFrom(scoped, 'numbers').select(['numbers.id', 'numbers.e164', 'numbers.tenant_id', 'numbers.instance_id']).where('numbers.e164', 'in', xs).where('numbers.tenant_id', 'is not', null).execute();
  const unplaced = numbers.filter((n) => !n.instance_id).map((n) => n.id);
  const flows = unplaced.length ? await scopedFrom(scoped, 'flow_numbers').select(['flow_numbers.number_id', 'flow_numbers.instance_id']).where('flow_numbers.number_id', 'in', unplaced).execute() : [];
  const flowOf = new Map(flows.map((f) => [f.number_id, f.instance_id]));
  for (const n of numbers) owners.set(n.e164, { tenantId: n.tenant_id!, appId: pool.get(n.e164)?.app_id ?? null, numberId: n.id, instanceId: n.instance_id ?? flowOf.get(n.id) ?? null });
  return owners;
}
