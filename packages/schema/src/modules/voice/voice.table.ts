import type { ColumnType, Generated, Selectable } from 'kysely';

/** numeric(14,3) travels as a string both ways (M1). */
type Money = ColumnType<string, string, string>;

export const VOICE_PACKAGE_KINDS = ['FIXED', 'CUSTOM'] as const;
export type VoicePackageKind = (typeof VOICE_PACKAGE_KINDS)[number];

/** V3: a message is queued, handed to the switch, then answered, unanswered, rejected or failed. */
export const VOICE_MESSAGE_STATUSES = ['QUEUED', 'DELIVERING', 'ANSWERED', 'UNANSWERED', 'REJECTED', 'FAILED'] as const;
export type VoiceMessageStatus = (typeof VOICE_MESSAGE_STATUSES)[number];

export interface VoiceAppsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  /** V1: the APPROVED qualification the app's numbers were applied for under. */
  qualification_id: string | null;
  /** Where the outcome of the app's messages is pushed (migration 0014). */
  status_url: string | null;
  /** When the current signing secret was made (migration 0017); null: none yet. */
  secret_created_at: Date | null;
  /** After a rotation, the previous secret signs and is accepted until then. */
  previous_secret_valid_until: Date | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** V1: a number of the inventory opened for a voice app; closed when unsubscribed. */
export interface VoiceNumbersTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string;
  number_id: string;
  e164: string;
  order_id: string | null;
  opened_at: Date;
  closed_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** V1: the monthly function fee of one number for one month (first day, tenant's zone), charged once. */
export interface VoiceFeeChargesTable {
  voice_number_id: string;
  /** 'YYYY-MM-01' */
  month: ColumnType<string, string, never>;
  tenant_id: string;
  order_id: string;
  order_line_id: string;
  created_at: ColumnType<Date, Date, never>;
}

/** V2: a prepaid minute package of a tenant. */
export interface VoicePackagesTable {
  id: Generated<string>;
  tenant_id: string;
  kind: VoicePackageKind;
  tariff_code: string;
  total_minutes: number;
  remaining_minutes: number;
  /** V3: one minute per queued message, held until its outcome is reported. */
  reserved_minutes: Generated<number>;
  unit_price: Money;
  price: Money;
  order_id: string;
  purchased_at: Date;
  expires_at: Date;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface VoiceMessagesTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string;
  voice_number_id: string | null;
  to_e164: string;
  text: string | null;
  template_id: string | null;
  template_params: ColumnType<unknown, string | null, string | null>;
  status: VoiceMessageStatus;
  reserved_package_id: string | null;
  duration_seconds: number | null;
  billed_minutes: Generated<number>;
  unbilled_minutes: Generated<number>;
  failure_reason: string | null;
  created_by: string | null;
  queued_at: Date;
  reported_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** V3: minutes one message took from one package. */
export interface VoicePackageUsagesTable {
  id: Generated<string>;
  tenant_id: string;
  package_id: string;
  message_id: string;
  minutes: number;
  created_at: ColumnType<Date, Date, never>;
}

/** The signing secrets of a voice app's pushes (migration 0017), as privacy apps' (PrivacyAppSecretsTable). */
export interface VoiceAppSecretsTable {
  id: Generated<string>;
  app_id: string;
  tenant_id: string;
  secret: string;
  created_at: ColumnType<Date, Date, never>;
  /** null: the current secret. */
  valid_until: Date | null;
}

export interface VoiceTables {
  voice_apps: VoiceAppsTable;
  voice_app_secrets: VoiceAppSecretsTable;
  voice_numbers: VoiceNumbersTable;
  voice_fee_charges: VoiceFeeChargesTable;
  voice_packages: VoicePackagesTable;
  voice_messages: VoiceMessagesTable;
  voice_package_usages: VoicePackageUsagesTable;
}

export type VoiceApp = Selectable<VoiceAppsTable>;
export type VoiceNumber = Selectable<VoiceNumbersTable>;
export type VoicePackage = Selectable<VoicePackagesTable>;
export type VoiceMessage = Selectable<VoiceMessagesTable>;
export type VoicePackageUsage = Selectable<VoicePackageUsagesTable>;
