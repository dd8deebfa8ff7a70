import type { ColumnType, Generated, Selectable } from 'kysely';

/** P2: how calls to an app's numbers are routed; fixed for the app's life. */
export const PRIVACY_MODES = ['AXB', 'AX', 'AXE', 'X'] as const;
export type PrivacyMode = (typeof PRIVACY_MODES)[number];
/** The modes with stored bindings (X mode asks the call-control URL instead). */
export type BindingMode = Exclude<PrivacyMode, 'X'>;
/** P5: which calls of an AXB binding connect. */
export const CALL_DIRECTIONS = ['BOTH', 'A_TO_B', 'B_TO_A'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];
export const BINDING_END_REASONS = ['UNBOUND', 'EXPIRED', 'NUMBER_RELEASED'] as const;
export type BindingEndReason = (typeof BINDING_END_REASONS)[number];

export interface PrivacyAppsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  mode: PrivacyMode;
  /** AXE only: 1–4 digits (P6). */
  extension_length: number | null;
  status_url: string | null;
  cdr_url: string | null;
  sms_url: string | null;
  /** X mode: asked where to connect each call (P2). */
  call_control_url: string | null;
  call_control_timeout_ms: Generated<number>;
  /** X mode: where a call goes when the call-control URL does not answer in time; null = reject. */
  call_control_fallback_e164: string | null;
  secret_created_at: Date;
  /** After a rotation, the previous secret signs and is accepted until then. */
  previous_secret_valid_until: Date | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** Signing secrets: read only by system work (webhook signing), never by a key. */
export interface PrivacyAppSecretsTable {
  id: Generated<string>;
  app_id: string;
  tenant_id: string;
  secret: string;
  created_at: ColumnType<Date, Date, never>;
  /** null: the current secret. */
  valid_until: Date | null;
}

export interface PrivacyPoolNumbersTable {
  id: Generated<string>;
  number_id: string;
  app_id: string;
  tenant_id: string;
  e164: string;
  province: string;
  city: string;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface PrivacyBindingsTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string;
  mode: BindingMode;
  x_number_id: string;
  x_e164: string;
  a_e164: string;
  /** AXB only. */
  b_e164: string | null;
  /** AXE only. */
  extension: string | null;
  direction: CallDirection;
  record: boolean;
  /** 0 = unlimited. */
  max_call_minutes: number;
  relay_sms: boolean;
  user_data: string | null;
  /** 0 = permanent. */
  duration_seconds: number;
  expires_at: Date | null;
  ended_at: Date | null;
  end_reason: BindingEndReason | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** The routing keys of the active bindings (P3, P8): `P:<e164>` (AXB party), `AX`, `E:<extension>`. */
export interface PrivacyBindingKeysTable {
  x_e164: string;
  key: string;
  binding_id: string;
  tenant_id: string;
  app_id: string;
}

export interface PrivacyTables {
  privacy_apps: PrivacyAppsTable;
  privacy_app_secrets: PrivacyAppSecretsTable;
  privacy_pool_numbers: PrivacyPoolNumbersTable;
  privacy_bindings: PrivacyBindingsTable;
  privacy_binding_keys: PrivacyBindingKeysTable;
}

export type PrivacyApp = Selectable<PrivacyAppsTable>;
export type PoolNumber = Selectable<PrivacyPoolNumbersTable>;
export type Binding = Selectable<PrivacyBindingsTable>;
