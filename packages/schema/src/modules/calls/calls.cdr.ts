// C2, I5: the CDR of a call, written in the transaction of its DISCONNECT, and amended when an
// earlier event of the call (an ANSWER, say) arrives after it.
import type { Tx } from '../../db/transaction.js';
import { instanceAnalysisEnabled } from '../instances/instances.queries.js';
import type { Call, Cdr } from './calls.table.js';
import { insertJsonRows, isoTime, isoTimeOrMissing, jsonColumns, orMissing } from './calls.write.js';

/** C2: ceil((end − forward answer) / 60 s); a call never answered bills 0 (and so does one that ended as it was answered). */
export function billableMinutes(answeredAt: Date | null, endedAt: Date): number {
  if (!answeredAt) return 0;
  return Math.max(0, Math.ceil((endedAt.getTime() - answeredAt.getTime()) / 60_000));
}

/** A CDR written or amended, as the hooks get it. */
export interface CdrChange {
  cdr: Cdr;
  change: 'CREATED' | 'AMENDED';
}

/**
 * What runs in the CDRs' transaction once they are written or amended (webhooks push them: C3):
 * once for all the CDRs of a report, in event order, so that a hook can write them set-based.
 */
export type CdrHook = (tx: Tx, changes: readonly CdrChange[]) => Promise<void>;
const hooks = new Map<string, CdrHook>();

/** Registers what new or amended CDRs trigger, by name (once per name). */
export function onCdrCreated(name: string, hook: CdrHook): void {
  hooks.set(name, hook);
}

const cdrFields = (call: Call) => ({
  app_id: call.app_id,
  instance_id: call.instance_id,
  binding_id: call.binding_id,
  x_e164: call.x_e164,
  caller_e164: call.caller_e164,
  called_e164: call.called_e164,
  callee_e164: call.callee_e164,
  user_data: call.user_data,
  call_in_at: call.call_in_at,
  forward_start_at: call.forward_start_at,
  alerting_at: call.alerting_at,
  answered_at: call.answered_at,
  failure_reason: call.failure_reason,
  recording_url: call.recording_url,
  billable_minutes: billableMinutes(call.answered_at, call.ended_at!),
});

const CDR_COLUMNS = [
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['instance_id', 'uuid'],
  ['binding_id', 'uuid'],
  ['call_id', 'uuid'],
  ['switch_call_id', 'text'],
  ['switch_event_id', 'text'],
  ['x_e164', 'text'],
  ['caller_e164', 'text'],
  ['called_e164', 'text'],
  ['callee_e164', 'text'],
  ['user_data', 'text'],
  ['call_in_at', 'timestamptz'],
  ['forward_start_at', 'timestamptz'],
  ['alerting_at', 'timestamptz'],
  ['answered_at', 'timestamptz'],
  ['ended_at', 'timestamptz'],
  ['failure_reason', 'text'],
  ['recording_url', 'text'],
  ['recording_for_analysis', 'boolean'],
  ['billable_minutes', 'integer'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;
const CDR_RECORDSET = jsonColumns(CDR_COLUMNS);

/** A CDR's row for the insert (every column of CDR_COLUMNS, times as text). */
const cdrRow = (c: Cdr): Record<(typeof CDR_COLUMNS)[number][0], string | number | boolean | undefined> => ({
  tenant_id: c.tenant_id,
  app_id: orMissing(c.app_id),
  instance_id: orMissing(c.instance_id),
  binding_id: orMissing(c.binding_id),
  call_id: c.call_id,
  switch_call_id: c.switch_call_id,
  switch_event_id: c.switch_event_id,
  x_e164: c.x_e164,
  caller_e164: orMissing(c.caller_e164),
  called_e164: orMissing(c.called_e164),
  callee_e164: orMissing(c.callee_e164),
  user_data: orMissing(c.user_data),
  call_in_at: isoTimeOrMissing(c.call_in_at),
  forward_start_at: isoTimeOrMissing(c.forward_start_at),
  alerting_at: isoTimeOrMissing(c.alerting_at),
  answered_at: isoTimeOrMissing(c.answered_at),
  ended_at: isoTime(c.ended_at),
  failure_reason: orMissing(c.failure_reason),
  recording_url: orMissing(c.recording_url),
  recording_for_analysis: c.recording_for_analysis,
  billable_minutes: c.billable_minutes,
  created_at: isoTime(c.created_at),
  updated_at: isoTime(c.updated_at),
});

/** Announces a new or amended CDR (CDR_CREATED), in the CDR's transaction; the hooks run later, for all (runCdrHooks). */
export async function announceCdr(tx: Tx, cdr: Cdr, change: CdrChange['change']): Promise<CdrChange> {
  await tx.emit({
    type: 'CDR_CREATED',
    tenantId: cdr.tenant_id,
    appId: cdr.app_id,
    subjectId: cdr.id,
    payload: { cdrId: cdr.id, callId: cdr.call_id, change, endedAt: isoTime(cdr.ended_at), billableMinutes: cdr.billable_minutes, instanceId: cdr.instance_id },
  });
  return { cdr, change };
}

/** Runs the hooks once for the CDRs a transaction announced, in their order. */
export async function runCdrHooks(tx: Tx, changes: readonly CdrChange[]): Promise<void> {
  if (!changes.length) return;
  for (const hook of hooks.values()) await hook(tx, changes);
}

/**
 * C2: the CDRs of calls that have just ended, in one insert (I5: a recording marked when its
 * instance's analysis is on); by call id. The caller announces each (announceCdr) in event order.
 */
export async function insertCdrs(tx: Tx, ended: readonly { call: Call; disconnectEventId: string }[]): Promise<Map<string, Cdr>> {
  if (!ended.length) return new Map();
  const analysed = new Map<string, boolean>();
  for (const { call } of ended)
    if (call.instance_id && call.recording_url && !analysed.has(call.instance_id)) analysed.set(call.instance_id, await instanceAnalysisEnabled(tx.trx, call.instance_id));
  // the CDRs as written: only their ids come back (parsing every row's times again costs more than the insert's work here)
  const cdrs = ended.map(({ call, disconnectEventId }): Cdr => ({
    id: '',
    ...cdrFields(call),
    tenant_id: call.tenant_id,
    call_id: call.id,
    switch_call_id: call.switch_call_id,
    switch_event_id: disconnectEventId,
    ended_at: call.ended_at!,
    recording_for_analysis: !!call.instance_id && !!call.recording_url && analysed.get(call.instance_id) === true,
    created_at: tx.now,
    updated_at: tx.now,
  }));
  const ids = await insertJsonRows<{ id: string; call_id: string }>(tx, 'cdrs', CDR_RECORDSET, cdrs.map(cdrRow), 'returning id, call_id');
  const idOf = new Map(ids.map((r) => [r.call_id, r.id]));
  return new Map(cdrs.map((c) => [c.call_id, { ...c, id: idOf.get(c.call_id)! }]));
}

/** An event of an ended call that arrived late: the CDR takes the call's times again (and its minutes), announced. */
export async function amendCdr(tx: Tx, call: Call): Promise<CdrChange | undefined> {
  const cdr = await tx.trx
    .updateTable('cdrs')
    .set({ ...cdrFields(call), updated_at: tx.now })
    .where('call_id', '=', call.id)
    .where('ended_at', '=', call.ended_at!)
    .returningAll()
    .executeTakeFirst();
  return cdr && announceCdr(tx, cdr, 'AMENDED');
}
