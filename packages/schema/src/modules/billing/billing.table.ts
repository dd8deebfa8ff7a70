import type { ColumnType, Generated, Selectable } from 'kysely';

/** numeric(14,3) travels as a string both ways (M1): never a JS number. */
type Money = ColumnType<string, string, string>;

export const ORDER_STATUSES = ['UNPAID', 'PAID', 'CANCELLED', 'EXPIRED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Open lists: other modules add their own kinds (applications, voice packages…). */
export type OrderKind = 'PURCHASE' | 'RENEWAL' | (string & {});
export type OrderLineKind = 'NUMBER_PURCHASE' | 'NUMBER_RENEWAL' | (string & {});
export const LEDGER_KINDS = ['TOP_UP', 'ORDER_PAYMENT', 'ADJUSTMENT'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface TariffsTable {
  code: string;
  description: string;
  amount: Money;
  /** What one `amount` buys: NUMBER_MONTH, PACKAGE, MINUTE. */
  unit: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface BalancesTable {
  tenant_id: string;
  amount: Money;
  updated_at: Date;
}

export interface LedgerEntriesTable {
  id: Generated<string>;
  tenant_id: string;
  kind: LedgerKind;
  /** Signed: positive credits the balance, negative debits it. */
  amount: Money;
  balance_after: Money;
  /** What the movement is about, human-readable: an order number, a top-up note. */
  reference: string;
  description: string | null;
  order_id: string | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
}

export interface OrdersTable {
  id: Generated<string>;
  order_no: string;
  tenant_id: string;
  kind: OrderKind;
  status: OrderStatus;
  total: Money;
  /** Unpaid orders expire then (N2: the reservation ends with them). */
  expires_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  paid_at: Date | null;
  /** When it was cancelled or expired. */
  closed_at: Date | null;
  updated_at: Date;
}

export interface OrderLinesTable {
  id: Generated<string>;
  order_id: string;
  tenant_id: string;
  position: number;
  kind: OrderLineKind;
  tariff_code: string;
  description: string;
  quantity: number;
  /** The tariff's amount when the order was made: later tariff changes do not touch it. */
  unit_price: Money;
  amount: Money;
  number_id: string | null;
  /** What else the line is about (an application, a package…), for other modules. */
  subject_id: string | null;
  period_start: Date | null;
  period_end: Date | null;
  created_at: ColumnType<Date, Date, never>;
}

export interface BillingTables {
  tariffs: TariffsTable;
  balances: BalancesTable;
  ledger_entries: LedgerEntriesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
}

export type Tariff = Selectable<TariffsTable>;
export type Balance = Selectable<BalancesTable>;
export type LedgerEntry = Selectable<LedgerEntriesTable>;
export type Order = Selectable<OrdersTable>;
export type OrderLine = Selectable<OrderLinesTable>;
