// C1, C2: the writes of a reportCallEvents batch, one statement per table: the calls' new state
// with the ids of their stored events (made calls inserted and the others updated in one round
// trip), and the events' rows (sent with the outbox's, calls.outbox.ts).
import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../db/transaction.js';
import type { CheckedEvent } from './calls.input.js';
import type { Call } from './calls.table.js';

/** ISO texts of instants written lately: a batch writes each instant in several rows (the event, its call, its CDR, the outbox). */
const isoTexts = new Map<number, string>();

/**
 * A time as ISO text, for the rows of a JSON parameter: rows holding Date objects take
 * JSON.stringify's slow path (toJSON per value), and Date→ISO is costly, so each instant is
 * formatted once (a bounded memo).
 */
export function isoTime(d: Date): string {
  const ms = d.getTime();
  let text = isoTexts.get(ms);
  if (text === undefined) {
    if (isoTexts.size >= 10_000) isoTexts.clear();
    isoTexts.set(ms, (text = d.toISOString()));
  }
  return text;
}

/**
 * A nullable value of a JSON row: null is left out (undefined: JSON.stringify drops the key, the
 * row keeps its shape), and jsonb_to_recordset reads a missing key as NULL. Most of a call's
 * columns are null; leaving them out makes the parameter PostgreSQL parses about a third smaller.
 */
export const orMissing = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
export const isoTimeOrMissing = (d: Date | null): string | undefined => (d ? isoTime(d) : undefined);

/** The columns of a JSON-rows statement: names for the insert, `name type` for the recordset. */
export function jsonColumns(columns: readonly (readonly [string, string])[]) {
  return { names: sql.raw(columns.map(([k]) => k).join(', ')), types: sql.raw(columns.map(([k, type]) => `${k} ${type}`).join(', ')) };
}

/**
 * An insert of rows given as one JSON parameter (jsonb_to_recordset): for a batch's hundreds of
 * rows PostgreSQL parses one parameter instead of thousands, and nothing is compiled per row here.
 * Rows go in the order given (sequence defaults are drawn in that order).
 */
export function jsonRowsInsert<R = unknown>(
  table: string,
  columns: ReturnType<typeof jsonColumns>,
  rows: readonly Record<string, unknown>[],
  /** What follows the insert's select: `returning …`, `on conflict … do nothing returning …`. */
  tail?: string,
): RawBuilder<R> {
  const { names, types } = columns;
  return sql<R>`insert into ${sql.table(table)} (${names}) select ${names} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${types})${tail ? sql` ${sql.raw(tail)}` : sql``}`;
}

/** Runs jsonRowsInsert (nothing for no rows). */
export async function insertJsonRows<R = unknown>(tx: Pick<Tx, 'trx'>, ...insert: Parameters<typeof jsonRowsInsert>): Promise<R[]> {
  if (!insert[2].length) return [];
  return (await jsonRowsInsert<R>(...insert).execute(tx.trx)).rows;
}

/** A call by its unique key (tenant, switch call id). */
export const takenKey = (tenantId: string, switchCallId: string) => `${tenantId} ${switchCallId}`;

/** Another request made calls this batch made (by takenKey) while the batch ran: the batch is tried again, finding them. */
export class CallsTaken extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`calls made by another request meanwhile: ${keys.join(', ')}`);
  }
}

const CALL_COLUMNS = [
  ['id', 'uuid'],
  ['state', 'text'],
  ['binding_id', 'uuid'],
  ['caller_e164', 'text'],
  ['called_e164', 'text'],
  ['callee_e164', 'text'],
  ['user_data', 'text'],
  ['skill_group_id', 'uuid'],
  ['agent_id', 'uuid'],
  ['call_in_at', 'timestamptz'],
  ['forward_start_at', 'timestamptz'],
  ['queued_at', 'timestamptz'],
  ['alerting_at', 'timestamptz'],
  ['answered_at', 'timestamptz'],
  ['ended_at', 'timestamptz'],
  ['failure_reason', 'text'],
  ['recording_url', 'text'],
  ['event_ids', 'text[]'],
  ['updated_at', 'timestamptz'],
] as const;
const CALL_RECORDSET = jsonColumns(CALL_COLUMNS).types;

/** A made call's insert: the state columns and what a call is made with. */
const NEW_CALL_COLUMNS = [
  ...CALL_COLUMNS,
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['instance_id', 'uuid'],
  ['number_id', 'uuid'],
  ['switch_call_id', 'text'],
  ['direction', 'text'],
  ['x_e164', 'text'],
  ['created_at', 'timestamptz'],
] as const;
const NEW_CALL_RECORDSET = jsonColumns(NEW_CALL_COLUMNS);

/** A made call's row for the insert (NEW_CALL_COLUMNS, times as text; a null column left out). */
const newCallRow = (c: Call): Record<(typeof NEW_CALL_COLUMNS)[number][0], string | string[] | undefined> => ({
  id: c.id,
  state: c.state,
  binding_id: orMissing(c.binding_id),
  caller_e164: orMissing(c.caller_e164),
  called_e164: orMissing(c.called_e164),
  callee_e164: orMissing(c.callee_e164),
  user_data: orMissing(c.user_data),
  skill_group_id: orMissing(c.skill_group_id),
  agent_id: orMissing(c.agent_id),
  call_in_at: isoTimeOrMissing(c.call_in_at),
  forward_start_at: isoTimeOrMissing(c.forward_start_at),
  queued_at: isoTimeOrMissing(c.queued_at),
  alerting_at: isoTimeOrMissing(c.alerting_at),
  answered_at: isoTimeOrMissing(c.answered_at),
  ended_at: isoTimeOrMissing(c.ended_at),
  failure_reason: orMissing(c.failure_reason),
  recording_url: orMissing(c.recording_url),
  event_ids: c.event_ids,
  updated_at: isoTime(c.updated_at),
  tenant_id: c.tenant_id,
  app_id: orMissing(c.app_id),
  instance_id: orMissing(c.instance_id),
  number_id: orMissing(c.number_id),
  switch_call_id: c.switch_call_id,
  direction: c.direction,
  x_e164: c.x_e164,
  created_at: isoTime(c.created_at),
});

/**
 * Writes the calls' state as the batch left it, in one statement: the calls in `unwritten` (made
 * by the batch) are inserted and leave the set, the others (locked by the batch) updated with what
 * changed since `stored` (each call's row as the database has it, kept up to date here). A made
 * call whose key another request took meanwhile throws CallsTaken.
 */
export async function writeCalls(tx: Tx, calls: readonly Call[], unwritten: Set<string>, stored: Map<string, Call>): Promise<void> {
  const made: Call[] = [];
  const found: Call[] = [];
  for (const c of calls) (unwritten.has(c.id) ? made : found).push(c);
  const update = found.length ? updateCalls(found, stored) : null;
  if (!made.length) {
    if (update) await update.execute(tx.trx);
  } else {
    const insert = jsonRowsInsert<{ id: string }>('calls', NEW_CALL_RECORDSET, made.map(newCallRow), 'on conflict on constraint calls_switch_call do nothing returning id');
    // both in one round trip: the update's rows are not the insert's (data-modifying WITH queries run once, on one snapshot)
    const statement = update ? sql<{ id: string }>`with made as (${insert}), found as (${update}) select id from made` : insert;
    const inserted = new Set((await statement.execute(tx.trx)).rows.map((r) => r.id));
    if (inserted.size < made.length) throw new CallsTaken(made.filter((c) => !inserted.has(c.id)).map((c) => takenKey(c.tenant_id, c.switch_call_id)));
    for (const c of made) unwritten.delete(c.id);
  }
  for (const c of calls) stored.set(c.id, c);
}

/** The state columns an update may set; a batch only ever sets them, never clears one (C1: times and references are kept once known). */
const SET_ONLY = CALL_COLUMNS.map(([k]) => k).filter((k) => k !== 'id' && k !== 'state' && k !== 'event_ids' && k !== 'updated_at') as Exclude<CallColumn, 'id' | 'state' | 'event_ids' | 'updated_at'>[];
type CallColumn = (typeof CALL_COLUMNS)[number][0];
const UPDATE_ASSIGNMENTS = sql.raw(['state = v.state', 'updated_at = v.updated_at', 'event_ids = calls.event_ids || v.event_ids', ...SET_ONLY.map((k) => `${k} = coalesce(v.${k}, calls.${k})`)].join(', '));

const same = (a: unknown, b: unknown) => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * A found call's update row: its state, the time, the ids of the events stored since `was` (the
 * row as the database has it), and only the columns that changed (most of an update's row is
 * left out of the JSON PostgreSQL parses).
 */
function changedRow(c: Call, was: Call): Record<string, unknown> {
  const row: Record<string, unknown> = { id: c.id, state: c.state, updated_at: isoTime(c.updated_at), event_ids: c.event_ids.slice(was.event_ids.length) };
  for (const k of SET_ONLY) {
    const v = c[k];
    if (same(v, was[k])) continue;
    if (v === null) throw new Error(`call ${c.id}: ${k} would be cleared, and a batch only sets a call's columns`);
    row[k] = v instanceof Date ? isoTime(v) : v;
  }
  return row;
}

/** The update of calls that exist (locked by the batch), with what changed since `stored`. */
function updateCalls(calls: readonly Call[], stored: ReadonlyMap<string, Call>) {
  const rows = JSON.stringify(calls.map((c) => changedRow(c, stored.get(c.id)!)));
  // the ids again as an array, so that the plan reads the calls by primary key rather than scanning them all
  const ids = calls.map((c) => c.id);
  return sql`update calls set ${UPDATE_ASSIGNMENTS} from jsonb_to_recordset(${rows}::jsonb) as v(${CALL_RECORDSET}) where calls.id = v.id and calls.id = any(${ids}::uuid[])`;
}

/** The recordset of the events' rows: what differs per event (the rest is the batch's: callEventsInsert). */
const CALL_EVENT_RECORDSET = sql.raw('tenant_id uuid, app_id uuid, instance_id uuid, call_id uuid, switch_event_id text, type text, occurred_at timestamptz, payload jsonb');

/** The value every row has for a column, or undefined when rows differ (then each row carries its own). */
function shared<T>(rows: readonly T[], of: (r: T) => string | null): string | null | undefined {
  const first = of(rows[0]!);
  for (const r of rows) if (of(r) !== first) return undefined;
  return first;
}

/**
 * The insert of the stored events' rows (call_events), one statement; null for none (run by
 * flushEvents, alongside the outbox's). What all of a batch's events share (its tenant, app and
 * instance, usually; the time received) goes once as a parameter, and an empty payload is left
 * out: each row carries only its call, id, type and time (a third of the JSON PostgreSQL parses).
 */
export function callEventsInsert(now: Date, stored: readonly { e: CheckedEvent; call: Call }[]): RawBuilder<unknown> | null {
  if (!stored.length) return null;
  const common = { tenant: shared(stored, (s) => s.call.tenant_id), app: shared(stored, (s) => s.call.app_id), instance: shared(stored, (s) => s.call.instance_id) };
  const rows = stored.map(({ e, call }) => ({
    tenant_id: common.tenant === undefined ? call.tenant_id : undefined,
    app_id: common.app === undefined ? orMissing(call.app_id) : undefined,
    instance_id: common.instance === undefined ? orMissing(call.instance_id) : undefined,
    call_id: call.id,
    switch_event_id: e.eventId,
    type: e.type,
    occurred_at: isoTime(e.occurredAt),
    payload: eventPayload(e),
  }));
  return sql`
    insert into call_events (tenant_id, app_id, instance_id, call_id, switch_event_id, type, occurred_at, received_at, payload)
    select coalesce(v.tenant_id, ${common.tenant ?? null}::uuid), coalesce(v.app_id, ${common.app ?? null}::uuid), coalesce(v.instance_id, ${common.instance ?? null}::uuid),
      v.call_id, v.switch_event_id, v.type, v.occurred_at, ${isoTime(now)}::timestamptz, coalesce(v.payload, '{}')
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${CALL_EVENT_RECORDSET})`;
}

/** What the event carried besides its type and time (the fields it has); undefined (left out) for nothing. */
function eventPayload(e: CheckedEvent): Record<string, string> | undefined {
  const p: Record<string, string> = {};
  if (e.caller != null) p.caller = e.caller;
  if (e.called != null) p.called = e.called;
  if (e.callee != null) p.callee = e.callee;
  if (e.bindingId != null) p.bindingId = e.bindingId;
  if (e.userData != null) p.userData = e.userData;
  if (e.skillGroupId != null) p.skillGroupId = e.skillGroupId;
  if (e.agentId != null) p.agentId = e.agentId;
  if (e.failureReason != null) p.failureReason = e.failureReason;
  if (e.recordingUrl != null) p.recordingUrl = e.recordingUrl;
  for (const _ in p) return p;
  return undefined;
}
