import type { ColumnType, Generated, Selectable } from 'kysely';

export const NUMBER_TYPES = ['LOCAL', 'MOBILE', 'TOLL_FREE_400'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];
/** N5: 400 tiers, each with a monthly minimum spend (tariff TOLL_FREE_400_<tier>). */
export const TOLL_FREE_TIERS = ['STANDARD', 'PREFERRED', 'SELECTED', 'GOLD', 'PLATINUM', 'VIP', 'VVIP'] as const;
export type TollFreeTier = (typeof TOLL_FREE_TIERS)[number];
/** A released number goes back to AVAILABLE (stock, no tenant). */
export const NUMBER_STATUSES = ['AVAILABLE', 'RESERVED', 'ACTIVE', 'EXPIRED'] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];
export const CALL_TYPES = ['INBOUND_ONLY', 'INBOUND_OUTBOUND'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export interface NumbersTable {
  id: Generated<string>;
  e164: string;
  type: NumberType;
  tier: TollFreeTier | null;
  province: string;
  city: string;
  carrier: string;
  status: NumberStatus;
  /** null while in stock. */
  tenant_id: string | null;
  qualification_id: string | null;
  instance_id: string | null;
  /** Set by the applications module (N3, N6) for numbers held for an application. */
  application_id: string | null;
  call_type: CallType | null;
  term_start: Date | null;
  term_end: Date | null;
  auto_renew: Generated<boolean>;
  /** RESERVED numbers go back to stock then, unless paid (N2). */
  reserved_until: Date | null;
  /** EXPIRED numbers go back to stock then, unless renewed (N4). */
  grace_until: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface NumberTables {
  numbers: NumbersTable;
}

export type NumberRow = Selectable<NumbersTable>;
