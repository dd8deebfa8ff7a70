// C1: the calls of a reportCallEvents batch, in a few queries for the whole batch: found by the
// switch's call id among the calls the key may see (locked once, in id order), or made by their
// first CALLIN / CALLOUT that names a number of the key.
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { DomainError, ValidationError } from '../../errors.js';
import { scopedFrom } from '../../access/scope.js';
import { xOf, type CheckedEvent } from './calls.input.js';
import type { Call } from './calls.table.js';
import { insertJsonRows, isoTime, jsonColumns } from './calls.write.js';

/** What a new call has not got yet. */
const NOT_YET = {
  binding_id: null,
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
} as const;

const NEW_CALL_COLUMNS = jsonColumns([
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['instance_id', 'uuid'],
  ['number_id', 'uuid'],
  ['switch_call_id', 'text'],
  ['direction', 'text'],
  ['state', 'text'],
  ['x_e164', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
]);

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
  /** The calls this batch made (row ids): one whose items all fail is not kept. */
  made: Set<string>;
}

export const unknownCall = (e: CheckedEvent) => new DomainError('UNKNOWN_CALL', `no call ${e.callId} was reported (a CALLIN, or a CALLOUT naming its caller, comes first)`, 'callId');
const notKeys = (e: CheckedEvent) => new DomainError('UNKNOWN_CALL', `the call ${e.callId} is not one of this key’s calls`, 'callId');

/** The visible calls of these switch call ids, locked in id order (one lock order for every batch). */
function lockVisible(ctx: ServiceContext, tx: Tx, switchIds: string[]) {
  return scopedFrom({ db: tx.trx, actor: ctx.actor }, 'calls').selectAll().where('calls.switch_call_id', 'in', switchIds).orderBy('calls.id').forUpdate().execute();
}

/** The items' calls; `items` are in the batch's order (per call, in time order). */
export async function callsOfBatch(ctx: ServiceContext, tx: Tx, items: readonly BatchItem[]): Promise<BatchCalls> {
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
  if (missing.length) await makeCalls(ctx, tx, missing, calls, callOf, made);
  return { calls, callOf, made };
}

/**
 * Calls not seen before: the first item naming a number of the key makes the call (the items
 * before it are UNKNOWN_CALL, as when reported one by one); all are inserted with one statement.
 */
async function makeCalls(ctx: ServiceContext, tx: Tx, missing: BatchItem[][], calls: Map<string, Call>, callOf: Map<number, string | DomainError>, madeIds: Set<string>) {
  const owners = await ownersOf(ctx, tx, [...new Set(missing.flatMap((list) => list.map((it) => xOf(it.e)).filter((x): x is string => !!x)))]);
  const made: { list: BatchItem[]; first: number; owner: Owner; x: string }[] = [];
  for (const list of missing) {
    const first = list.findIndex((it) => {
      const x = xOf(it.e);
      const owner = x ? owners.get(x)! : unknownCall(it.e);
      if (owner instanceof DomainError) callOf.set(it.index, owner);
      return !(owner instanceof DomainError);
    });
    if (first >= 0) made.push({ list, first, owner: owners.get(xOf(list[first]!.e)!) as Owner, x: xOf(list[first]!.e)! });
  }
  if (!made.length) return;
  // the new calls as inserted: only their ids come back (the rest is known)
  const fresh = made.map(({ list, first, owner, x }): Call => ({
    ...NOT_YET,
    id: '',
    tenant_id: owner.tenantId,
    app_id: owner.appId,
    instance_id: owner.instanceId,
    number_id: owner.numberId,
    switch_call_id: list[first]!.e.callId,
    direction: list[first]!.e.type === 'CALLIN' ? 'IN' : 'OUT',
    state: 'RINGING',
    x_e164: x,
    created_at: tx.now,
    updated_at: tx.now,
  }));
  const now = isoTime(tx.now);
  const ids = await insertJsonRows<{ id: string; switch_call_id: string }>(
    tx,
    'calls',
    NEW_CALL_COLUMNS,
    fresh.map((c) => ({ tenant_id: c.tenant_id, app_id: c.app_id, instance_id: c.instance_id, number_id: c.number_id, switch_call_id: c.switch_call_id, direction: c.direction, state: c.state, x_e164: c.x_e164, created_at: now, updated_at: now })),
    'on conflict on constraint calls_switch_call do nothing returning id, switch_call_id',
  );
  const idOf = new Map(ids.map((r) => [r.switch_call_id, r.id]));
  const inserted = new Map<string, Call>();
  for (const c of fresh) {
    const id = idOf.get(c.switch_call_id);
    if (!id) continue;
    c.id = id;
    inserted.set(c.switch_call_id, c);
    madeIds.add(id);
  }
  // made at the same moment by another request (visible now that it committed), or a call of the tenant this key may not see
  const raced = made.filter((m) => !inserted.has(m.list[0]!.e.callId)).map((m) => m.list[0]!.e.callId);
  const visible = raced.length ? new Map((await lockVisible(ctx, tx, raced)).map((c) => [c.switch_call_id, c])) : new Map<string, Call>();
  for (const { list, first } of made) {
    const call = inserted.get(list[0]!.e.callId) ?? visible.get(list[0]!.e.callId);
    if (call) calls.set(call.id, call);
    list.forEach((it, i) => {
      if (i >= first) callOf.set(it.index, call ? call.id : notKeys(it.e));
    });
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
