import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { outboxEmailsById, outboxQuery } from './outbox.service.js';
import type { OutboxEmail } from './outbox.table.js';

export const OutboxEmailRef = builder.loadableNode('OutboxEmail', {
  description: 'An email the platform wrote (e.g. "please pay" on approval, N3). Sent when SMTP is configured; sentAt stays null otherwise.',
  id: { resolve: (e: OutboxEmail) => e.id },
  load: (ids: string[], ctx) => outboxEmailsById(ctx, ids),
  sort: (e) => e.id,
  fields: (t) => ({
    to: t.exposeString('to'),
    subject: t.exposeString('subject'),
    body: t.exposeString('body'),
    subjectId: t.exposeString('subject_id', { nullable: true, description: 'The id of what the email is about (an application).' }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (e) => e.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    sentAt: t.expose('sent_at', { type: 'DateTime', nullable: true }),
    lastError: t.exposeString('last_error', { nullable: true }),
  }),
});

builder.queryField('outboxEmails', (t) =>
  t.connection({
    type: OutboxEmailRef,
    description: "Emails in the outbox, newest first: the key's tenant's (OPERATOR: all).",
    authScopes: { authenticated: true },
    args: {
      subjectId: t.arg.string({ required: false, description: 'Only emails about this (raw) id, e.g. an application.' }),
      unsentOnly: t.arg.boolean({ required: false }),
    },
    resolve: (_r, args, ctx) => keysetConnection(args, outboxQuery(ctx, args), 'outbox_emails'),
  }),
);
