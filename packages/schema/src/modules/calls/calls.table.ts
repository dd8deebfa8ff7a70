import type { ColumnType, Generated, Selectable } from 'kysely';

/** C1: the events the switch reports (QUEUED, and the agent on ALERTING/ANSWER, for instance numbers). */
export const CALL_EVENT_TYPES = ['CALLIN', 'CALLOUT', 'QUEUED', 'ALERTING', 'ANSWER', 'DISCONNECT'] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];
/** C1: the live state of a call, derived from the times it has (whatever order they came in). */
export const CALL_STATES = ['RINGING', 'QUEUED', 'TALKING', 'ENDED'] as const;
export type CallState = (typeof CALL_STATES)[number];
export type CallDirectionKind = 'IN' | 'OUT';

export interface CallsTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string | null;
  instance_id: string | null;
  binding_id: string | null;
  number_id: string | null;
  switch_call_id: string;
  direction: CallDirectionKind;
  state: CallState;
  /** The platform's number of the call (the X, or the instance's number). */
  x_e164: string;
  caller_e164: string | null;
  called_e164: string | null;
  callee_e164: string | null;
  user_data: string | null;
  skill_group_id: string | null;
  agent_id: string | null;
  call_in_at: Date | null;
  forward_start_at: Date | null;
  queued_at: Date | null;
  alerting_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  failure_reason: string | null;
  recording_url: string | null;
  /** C1: the switch's ids of the call's stored events, in the order stored (a repeated report is found here). */
  event_ids: Generated<string[]>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** Partitioned by month on occurred_at. */
export interface CallEventsTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string | null;
  instance_id: string | null;
  call_id: string;
  switch_event_id: string;
  type: CallEventType;
  occurred_at: Date;
  received_at: Date;
  payload: ColumnType<Record<string, unknown>, string, string>;
}

/** C2: one per ended call; partitioned by month on ended_at. */
export interface CdrsTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string | null;
  instance_id: string | null;
  binding_id: string | null;
  call_id: string;
  switch_call_id: string;
  /** The DISCONNECT event's switch id. */
  switch_event_id: string;
  x_e164: string;
  caller_e164: string | null;
  called_e164: string | null;
  callee_e164: string | null;
  user_data: string | null;
  call_in_at: Date | null;
  forward_start_at: Date | null;
  alerting_at: Date | null;
  answered_at: Date | null;
  ended_at: Date;
  failure_reason: string | null;
  recording_url: string | null;
  /** I5: the instance's analysis add-on was on when the call ended. */
  recording_for_analysis: Generated<boolean>;
  billable_minutes: number;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface CallTables {
  calls: CallsTable;
  call_events: CallEventsTable;
  cdrs: CdrsTable;
}

export type Call = Selectable<CallsTable>;
export type Cdr = Selectable<CdrsTable>;
