import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import { scopedFrom, systemDb, validIds } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { OutboxEmail } from './outbox.table.js';

export interface NewEmail {
  tenantId: string | null;
  to: string;
  subject: string;
  body: string;
  /** What the email is about (e.g. an application id). */
  subjectId?: string | null;
}

/** Sends one email; the server registers one (SMTP via nodemailer) when it is configured. */
export type EmailTransport = (email: OutboxEmail) => Promise<void>;
let transport: EmailTransport | null = null;

/** Without a transport, emails stay in the outbox (readable through `outboxEmails`), unsent. */
export function setEmailTransport(t: EmailTransport | null): void {
  transport = t;
}

/** The job's name; its handler is registered by the module (outbox.module.ts). */
export const SEND_EMAIL_TASK = 'outbox.send';

/** Writes the email in the caller's transaction (it exists exactly when the change commits). */
export async function queueEmail(tx: Tx, email: NewEmail): Promise<OutboxEmail> {
  const row = await tx.trx
    .insertInto('outbox_emails')
    .values({
      tenant_id: email.tenantId,
      to: email.to,
      subject: email.subject,
      body: email.body,
      subject_id: email.subjectId ?? null,
      created_at: tx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (transport) await scheduleJob(tx, SEND_EMAIL_TASK, { emailId: row.id }, { runAt: tx.now, jobKey: `email:${row.id}`, maxAttempts: 10 });
  return row;
}

/** Sends an unsent email through the transport; a failure is kept and the job retries. */
export async function sendOutboxEmail(ctx: ServiceContext, id: string): Promise<OutboxEmail | null> {
  const email = await systemDb(ctx).selectFrom('outbox_emails').selectAll().where('id', '=', id).executeTakeFirst();
  if (!email || email.sent_at || !transport) return email ?? null;
  try {
    await transport(email);
  } catch (e) {
    await systemDb(ctx).updateTable('outbox_emails').set({ last_error: String((e as Error).message ?? e).slice(0, 1000) }).where('id', '=', id).execute();
    throw e;
  }
  return systemDb(ctx)
    .updateTable('outbox_emails')
    .set({ sent_at: ctx.clock.now(), last_error: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface OutboxFilter {
  subjectId?: string | null;
  unsentOnly?: boolean | null;
}

/** The emails the key may see: its tenant's (OPERATOR: all). */
export function outboxQuery(ctx: ServiceContext, f: OutboxFilter = {}) {
  let q = scopedFrom(ctx, 'outbox_emails').selectAll();
  if (f.subjectId) q = q.where('outbox_emails.subject_id', '=', f.subjectId);
  if (f.unsentOnly) q = q.where('outbox_emails.sent_at', 'is', null);
  return q;
}

/** The emails about each of these subjects (e.g. applications), oldest first: one query for a page. */
export async function outboxEmailsAbout(ctx: ServiceContext, subjectIds: readonly string[]): Promise<OutboxEmail[]> {
  if (!subjectIds.length) return [];
  return scopedFrom(ctx, 'outbox_emails')
    .selectAll()
    .where('outbox_emails.subject_id', 'in', [...subjectIds])
    .orderBy('outbox_emails.created_at')
    .orderBy('outbox_emails.id')
    .execute();
}

export async function outboxEmailsById(ctx: ServiceContext, ids: readonly string[]): Promise<OutboxEmail[]> {
  const valid = validIds(ids);
  if (!valid.length) return [];
  return scopedFrom(ctx, 'outbox_emails').selectAll().where('outbox_emails.id', 'in', valid).execute();
}
