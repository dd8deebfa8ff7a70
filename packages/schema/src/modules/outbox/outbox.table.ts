import type { ColumnType, Generated, Selectable } from 'kysely';

/** Emails written in the transaction of the change that wants them (N3), sent later if SMTP is set. */
export interface OutboxEmailsTable {
  id: Generated<string>;
  /** null for platform mail that belongs to no tenant. */
  tenant_id: string | null;
  to: string;
  subject: string;
  body: string;
  subject_id: string | null;
  created_at: ColumnType<Date, Date, never>;
  sent_at: Date | null;
  last_error: string | null;
}

export interface OutboxTables {
  outbox_emails: OutboxEmailsTable;
}

export type OutboxEmail = Selectable<OutboxEmailsTable>;
