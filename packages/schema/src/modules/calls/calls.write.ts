// C1, C2: the writes of a reportCallEvents batch, one statement per table: the switch's event ids
// (a repeated one is stored once), the calls' new state, and the events' rows.
import { sql } from 'kysely';
import type { Tx } from '../../db/transaction.js';
import type { CheckedEvent } from './calls.input.js';
import type { Call } from './calls.table.js';

/**
 * Inserts rows given as one JSON parameter (jsonb_to_recordset): for a batch's hundreds of rows
 * PostgreSQL parses one parameter instead of thousands, and nothing is compiled per row here.
 * Rows go in the order given (sequence defaults are drawn in that order).
 */
export async function insertJsonRows<R = unknown>(
  tx: Pick<Tx, 'trx'>,
  table: string,
  columns: readonly (readonly [string, string])[],
  rows: readonly Record<string, unknown>[],
  returning?: string,
): Promise<R[]> {
  if (!rows.length) return [];
  const names = sql.raw(columns.map(([k]) => k).join(', '));
  const types = sql.raw(columns.map(([k, type]) => `${k} ${type}`).join(', '));
  const result = await sql<R>`insert into ${sql.table(table)} (${names}) select ${names} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${types})${
    returning ? sql` returning ${sql.raw(returning)}` : sql``
  }`.execute(tx.trx);
  return result.rows;
}

/** A switch event id within its tenant (the key of call_event_ids). */
export const eventKey = (tenantId: string, eventId: string) => `${tenantId} ${eventId}`;

/** Stores the event ids not seen before (each once); returns the keys that were new. */
export async function claimEventIds(tx: Tx, ids: readonly { tenantId: string; eventId: string; occurredAt: Date }[]): Promise<Set<string>> {
  const once = [...new Map(ids.map((i) => [eventKey(i.tenantId, i.eventId), i])).values()];
  if (!once.length) return new Set();
  const rows = await sql<{ tenant_id: string; switch_event_id: string }>`
    insert into call_event_ids (tenant_id, switch_event_id, occurred_at)
    select tenant_id, switch_event_id, occurred_at from jsonb_to_recordset(${JSON.stringify(once.map((i) => ({ tenant_id: i.tenantId, switch_event_id: i.eventId, occurred_at: i.occurredAt })))}::jsonb)
      as v(tenant_id uuid, switch_event_id text, occurred_at timestamptz)
    on conflict (tenant_id, switch_event_id) do nothing
    returning tenant_id, switch_event_id`.execute(tx.trx).then((r) => r.rows);
  return new Set(rows.map((r) => eventKey(r.tenant_id, r.switch_event_id)));
}

/** Gives back event ids claimed for items that turned out bad: a later report of them is stored. */
export async function releaseEventIds(tx: Tx, keys: readonly { tenantId: string; eventId: string }[]): Promise<void> {
  if (!keys.length) return;
  await tx.trx
    .deleteFrom('call_event_ids')
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('tenant_id', '=', k.tenantId), eb('switch_event_id', '=', k.eventId)]))))
    .execute();
}

const CALL_COLUMNS = [
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
  ['updated_at', 'timestamptz'],
] as const;

/** Writes the calls' state as the batch left it, in one statement (the rows are locked by the batch). */
export async function updateCalls(tx: Tx, calls: readonly Call[]): Promise<void> {
  if (!calls.length) return;
  const rows = JSON.stringify(calls.map((c) => Object.fromEntries([['id', c.id], ...CALL_COLUMNS.map(([k]) => [k, c[k]])])));
  const columns = sql.raw(['id uuid', ...CALL_COLUMNS.map(([k, type]) => `${k} ${type}`)].join(', '));
  const assignments = sql.raw(CALL_COLUMNS.map(([k]) => `${k} = v.${k}`).join(', '));
  // the ids again as an array, so that the plan reads the calls by primary key rather than scanning them all
  const ids = calls.map((c) => c.id);
  await sql`update calls set ${assignments} from jsonb_to_recordset(${rows}::jsonb) as v(${columns}) where calls.id = v.id and calls.id = any(${ids}::uuid[])`.execute(tx.trx);
}

/** The stored events' rows (call_events), in one statement. */
export async function insertCallEvents(tx: Tx, stored: readonly { e: CheckedEvent; call: Call }[]): Promise<void> {
  if (!stored.length) return;
  await insertJsonRows(
    tx,
    'call_events',
    CALL_EVENT_COLUMNS,
    stored.map(({ e, call }) => ({
      tenant_id: call.tenant_id,
      app_id: call.app_id,
      instance_id: call.instance_id,
      call_id: call.id,
      switch_event_id: e.eventId,
      type: e.type,
      occurred_at: e.occurredAt,
      received_at: tx.now,
      payload: eventPayload(e),
    })),
  );
}

const CALL_EVENT_COLUMNS = [
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['instance_id', 'uuid'],
  ['call_id', 'uuid'],
  ['switch_event_id', 'text'],
  ['type', 'text'],
  ['occurred_at', 'timestamptz'],
  ['received_at', 'timestamptz'],
  ['payload', 'jsonb'],
] as const;

const eventPayload = (e: CheckedEvent) =>
  Object.fromEntries(
    Object.entries({ caller: e.caller, called: e.called, callee: e.callee, bindingId: e.bindingId, userData: e.userData, skillGroupId: e.skillGroupId, agentId: e.agentId, failureReason: e.failureReason, recordingUrl: e.recordingUrl }).filter(([, v]) => v != null),
  );
