import type { ColumnType, Generated, Selectable } from 'kysely';

/** numeric(14,3) travels as a string both ways (M1). */
type Money = ColumnType<string, string, string>;

export const STATEMENT_LINE_KINDS = ['NUMBER_RENT', 'MINIMUM_SPEND_400', 'VOICE_NUMBER_FEE', 'VOICE_PACKAGE', 'CALL_MINUTES', 'VOICE_MINUTES', 'OTHER', 'ADJUSTMENT'] as const;
export type StatementLineKind = (typeof STATEMENT_LINE_KINDS)[number];

export interface StatementsTable {
  id: Generated<string>;
  tenant_id: string;
  /** The first day of the month, in the tenant's time zone. */
  month: ColumnType<Date | string, string, never>;
  time_zone: string;
  period_start: Date;
  period_end: Date;
  opening_balance: Money;
  top_ups: Money;
  /** The sum of the lines: charges, less ADJUSTMENT credits. */
  total: Money;
  closing_balance: Money;
  /** The month-end usage order (call minutes) this statement charged, if any. */
  usage_order_id: string | null;
  closed_at: Date;
  /** The statement date: its period's end. */
  created_at: Date;
}

export interface StatementLinesTable {
  id: Generated<string>;
  statement_id: string;
  tenant_id: string;
  position: number;
  kind: StatementLineKind;
  description: string;
  tariff_code: string | null;
  quantity: number;
  unit_price: Money;
  /** Signed: positive charges, negative credits (ADJUSTMENT). */
  amount: Money;
  note: string | null;
  cdr_app_id: string | null;
  cdr_instance_id: string | null;
  cdr_toll_free: boolean | null;
  /** VOICE_MINUTES: the voice app whose messages the line counts (migration 0016). */
  voice_app_id: ColumnType<string | null, string | null | undefined, never>;
  created_at: Date;
}

export interface StatementLineSourcesTable {
  id: Generated<string>;
  statement_line_id: string;
  tenant_id: string;
  order_id: string | null;
  order_line_id: string | null;
  ledger_entry_id: string | null;
  created_at: Date;
}

export interface StatementEntriesTable {
  ledger_entry_id: string;
  statement_id: string;
  tenant_id: string;
}

export interface StatementTables {
  statements: StatementsTable;
  statement_lines: StatementLinesTable;
  statement_line_sources: StatementLineSourcesTable;
  statement_entries: StatementEntriesTable;
}

export type Statement = Selectable<StatementsTable>;
export type StatementLine = Selectable<StatementLinesTable>;
export type StatementLineSource = Selectable<StatementLineSourcesTable>;
