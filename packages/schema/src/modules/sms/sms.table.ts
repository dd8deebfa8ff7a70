import type { ColumnType, Generated, Selectable } from 'kysely';

/** C4: whether the platform relayed the SMS to the bound party. */
export const SMS_RELAY_STATUSES = ['RELAYED', 'NOT_RELAYED'] as const;
export type SmsRelayStatus = (typeof SMS_RELAY_STATUSES)[number];

/**
 * C4: why an SMS was not relayed: no active binding of (X, sender) (none, unbound or expired);
 * the binding's relay-SMS option is off; an AXE number (an SMS carries no extension to pick the
 * binding); an X-mode number (no stored binding: the app gets it on its SMS URL and decides);
 * the sender is the AX binding's own A.
 */
export const SMS_NOT_RELAYED_REASONS = ['NO_BINDING', 'RELAY_SMS_OFF', 'AXE_NEEDS_EXTENSION', 'X_MODE', 'SENDER_IS_BOUND_PARTY'] as const;
export type SmsNotRelayedReason = (typeof SMS_NOT_RELAYED_REASONS)[number];

/** C4, P9: one per SMS reported to an X; partitioned by month on sent_at. */
export interface SmsMessagesTable {
  id: Generated<string>;
  tenant_id: string;
  app_id: string;
  binding_id: string | null;
  /** The switch's unique id of the message (per tenant). */
  message_id: string;
  from_e164: string;
  /** The X the SMS was sent to. */
  to_e164: string;
  relayed_to_e164: string | null;
  relay_status: SmsRelayStatus;
  not_relayed_reason: SmsNotRelayedReason | null;
  text: string;
  /** P5: the binding's user data, echoed. */
  user_data: string | null;
  sent_at: Date;
  created_at: ColumnType<Date, Date, never>;
}

/** The switch's message ids seen per tenant, and the SMS stored under each: a repeated report is stored once. */
export interface SmsMessageIdsTable {
  tenant_id: string;
  app_id: string;
  message_id: string;
  sms_id: string;
  sent_at: Date;
}

export interface SmsTables {
  sms_messages: SmsMessagesTable;
  sms_message_ids: SmsMessageIdsTable;
}

export type Sms = Selectable<SmsMessagesTable>;
