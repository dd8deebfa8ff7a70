import type { ColumnType, Generated, Selectable } from 'kysely';

export const DELIVERY_KINDS = ['CDR', 'CALL_STATUS', 'SMS', 'VOICE_STATUS'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'DEAD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** Whose delivery: a privacy app's (CDR, CALL_STATUS, SMS) or a voice app's (VOICE_STATUS); migration 0017. */
export const APP_KINDS = ['PRIVACY', 'VOICE'] as const;
export type AppKind = (typeof APP_KINDS)[number];

/** C3: one signed request to an app's URL, retried on the fixed schedule under the same id. */
export interface DeliveriesTable {
  id: Generated<string>;
  tenant_id: string;
  /** The privacy or voice app (app_kind says which): the column the APP read rule scopes by. */
  app_id: string;
  app_kind: ColumnType<AppKind, AppKind | undefined, never>;
  kind: DeliveryKind;
  url: string;
  /** The items of the request body (a CDR batch: at most 50). */
  payload: ColumnType<unknown[], string, string>;
  item_count: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface DeliveryAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  tenant_id: string;
  app_id: string;
  /** 1 to 7 since the delivery was (re)queued. */
  attempt: number;
  attempted_at: Date;
  /** null when no HTTP answer came (timeout, refused). */
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  created_at: ColumnType<Date, Date, never>;
}

/** C3: how many deliveries of a tenant's app are DELIVERED, in 8 rows (shards) summed on read; kept by triggers on deliveries (migration 0028). */
export interface DeliveryCountsTable {
  tenant_id: string;
  app_id: string;
  shard: number;
  delivered: ColumnType<string, never, never>;
}

export interface WebhookTables {
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  delivery_counts: DeliveryCountsTable;
}

export type Delivery = Selectable<DeliveriesTable>;
export type DeliveryAttempt = Selectable<DeliveryAttemptsTable>;
