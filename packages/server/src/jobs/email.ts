import nodemailer from 'nodemailer';
import { setEmailTransport } from '@callplane/schema/core';

/**
 * Outbox emails (N3) go out over SMTP when SMTP_URL is set (e.g. smtp://user:pass@mail.example:587);
 * without it they stay in the outbox, readable through the `outboxEmails` query. Every process
 * that runs jobs (server with the inline worker, `pnpm callplane worker`) calls this.
 */
export function configureEmail(smtpUrl: string | undefined, from: string): string {
  if (!smtpUrl) {
    setEmailTransport(null);
    return 'emails stay in the outbox (set SMTP_URL to send them)';
  }
  const transporter = nodemailer.createTransport(smtpUrl);
  setEmailTransport(async (email) => {
    await transporter.sendMail({ from, to: email.to, subject: email.subject, text: email.body });
  });
  return `emails are sent through ${new URL(smtpUrl).host}`;
}
