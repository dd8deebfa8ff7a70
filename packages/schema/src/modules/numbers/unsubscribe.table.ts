import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NumberType } from './numbers.table.js';

/** N7: a batch checks every number, then ends by how many passed. */
export const UNSUBSCRIBE_BATCH_STATUSES = ['CHECKING', 'COMPLETED', 'PARTIAL_SUCCESS', 'CHECK_FAILED'] as const;
export type UnsubscribeBatchStatus = (typeof UNSUBSCRIBE_BATCH_STATUSES)[number];
export const UNSUBSCRIBE_RESULTS = ['CHECKING', 'RELEASED', 'FAILED'] as const;
export type UnsubscribeResult = (typeof UNSUBSCRIBE_RESULTS)[number];

export interface UnsubscribeBatchesTable {
  id: Generated<string>;
  tenant_id: string;
  status: UnsubscribeBatchStatus;
  requested_by: string | null;
  created_at: ColumnType<Date, Date, never>;
  completed_at: Date | null;
  updated_at: Date;
}

export interface UnsubscribeItemsTable {
  id: Generated<string>;
  batch_id: string;
  tenant_id: string;
  position: number;
  number_id: string;
  e164: string;
  number_type: NumberType;
  result: UnsubscribeResult;
  /** The failed check's code, e.g. UNPAID_ORDER. */
  reason_code: string | null;
  reason: string | null;
  /** YYYY-MM-01: the first month without fees (tenant's time zone). */
  fees_end_month: ColumnType<string | null, string | null, string | null>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface UnsubscribeTables {
  unsubscribe_batches: UnsubscribeBatchesTable;
  unsubscribe_items: UnsubscribeItemsTable;
}

export type UnsubscribeBatch = Selectable<UnsubscribeBatchesTable>;
export type UnsubscribeItem = Selectable<UnsubscribeItemsTable>;
