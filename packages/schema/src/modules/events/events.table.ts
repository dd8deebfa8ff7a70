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
}

export type EventRow = Selectable<EventsTable>;
