import type { ColumnType, Generated, Selectable } from 'kysely';

export interface EventsTable {
  /** Position within the transaction; order across transactions comes from txid (RT1). */
  seq: Generated<string>;
  /** pg_current_xact_id() of the writing transaction, as text (xid8). */
  txid: ColumnType<string, never, never>;
  type: string;
  tenant_id: string | null;
  /** The privacy or voice app the event concerns: what a PARTNER key of that app sees. */
  app_id: ColumnType<string | null, string | null | undefined, never>;
  subject_id: string;
  payload: ColumnType<unknown, string, never>;
  occurred_at: ColumnType<Date, Date, never>;
  /**
   * null: the row is one event. Else a run of events of one transaction with the row's type,
   * tenant and app, as [subjectId, payload] pairs (the call ingest writes a batch's CALL_EVENTs
   * so): the i-th of n is at seq − n + 1 + i. The sequence steps by 1024 (at most 1024 per row),
   * so the runs of two rows never overlap (events.service.ts `eventsOfRow`).
   */
  batch: ColumnType<[string, Record<string, unknown>][] | null, string | null | undefined, never>;
}

export type EventRow = Selectable<EventsTable>;
