// C4, P9: SMS to privacy numbers in GraphQL: reportSms, the smsMessages list and the smsReceived subscription.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { PrivacyAppRef } from '../privacy/privacy.graphql.js';
import { PrivacyBindingRef } from '../privacy/privacy.bindings.graphql.js';
import { MAX_SMS_BATCH, type SmsItemResult } from './sms.input.js';
import { smsQuery, SMS_RANGE_DAYS } from './sms.queries.js';
import { reportSms } from './sms.report.js';
import { SMS_NOT_RELAYED_REASONS, SMS_RELAY_STATUSES, type Sms } from './sms.table.js';

const SmsRelayStatusEnum = builder.enumType('SmsRelayStatus', { values: SMS_RELAY_STATUSES, description: 'C4: whether the SMS was relayed to the bound party.' });
const SmsItemStatusEnum = builder.enumType('SmsItemStatus', { values: ['STORED', 'DUPLICATE', 'ERROR'] as const });

export const SmsRef = builder.loadableNode('Sms', {
  description: 'C4: an SMS sent to a privacy number (X), and whether it was relayed to the bound party. Queryable for 31 days (P9).',
  id: { resolve: (s: Sms) => s.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'sms_messages', ids),
  sort: (s) => s.id,
  fields: (t) => ({
    messageId: t.exposeString('message_id', { description: 'The switch’s unique id of the message.' }),
    from: t.exposeString('from_e164', { description: 'The sender.' }),
    to: t.exposeString('to_e164', { description: 'The X it was sent to.' }),
    relayedTo: t.exposeString('relayed_to_e164', { nullable: true, description: 'The bound party it was relayed to (shown from X).' }),
    relayStatus: t.field({ type: SmsRelayStatusEnum, resolve: (s) => s.relay_status }),
    notRelayedReason: t.exposeString('not_relayed_reason', { nullable: true, description: `Why it was not relayed: ${SMS_NOT_RELAYED_REASONS.join(', ')}.` }),
    text: t.exposeString('text'),
    userData: t.exposeString('user_data', { nullable: true, description: 'P5: the binding’s user data.' }),
    binding: t.field({ type: PrivacyBindingRef, nullable: true, resolve: (s) => s.binding_id }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (s) => s.app_id }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (s) => s.tenant_id }),
    sentAt: t.expose('sent_at', { type: 'DateTime' }),
    createdAt: t.expose('created_at', { type: 'DateTime', description: 'When the platform received it.' }),
  }),
});

const SmsInputRef = builder.inputType('SmsInput', {
  description: 'C4: one SMS as the switch reports it.',
  fields: (t) => ({
    messageId: t.string({ description: 'The switch’s unique id of the message: a repeated report is stored once.' }),
    from: t.string({ description: 'The sender.' }),
    to: t.string({ description: 'The X it was sent to.' }),
    text: t.string(),
    sentAt: t.field({ type: 'DateTime' }),
  }),
});

const SmsErrorRef = builder.objectRef<SmsItemResult & { status: 'ERROR' }>('SmsError').implement({
  fields: (t) => ({
    code: t.string({ resolve: (r) => r.error.code }),
    field: t.string({ nullable: true, resolve: (r) => r.error.field }),
    message: t.string({ resolve: (r) => r.error.message }),
  }),
});

const SmsResultRef = builder.objectRef<SmsItemResult>('SmsResult').implement({
  description: 'The outcome of one reported SMS, in the order sent.',
  fields: (t) => ({
    index: t.exposeInt('index'),
    messageId: t.exposeString('messageId'),
    status: t.field({ type: SmsItemStatusEnum, resolve: (r) => r.status }),
    sms: t.field({ type: SmsRef, nullable: true, description: 'DUPLICATE: the SMS stored the first time.', resolve: (r) => (r.status === 'ERROR' ? null : r.smsId) }),
    error: t.field({ type: SmsErrorRef, nullable: true, resolve: (r) => (r.status === 'ERROR' ? r : null) }),
  }),
});

builder.mutationField('reportSms', (t) =>
  t.field({
    type: [SmsResultRef],
    description: `C4: the switch reports up to ${MAX_SMS_BATCH} SMS sent to the app’s numbers (an app’s PARTNER key; a TENANT_ADMIN or OPERATOR too). Each is relayed to the bound party when the binding relays SMS, pushed to the app’s SMS URL, and STORED; or DUPLICATE, or an ERROR of that item (SMS_NUMBER_NOT_OWNED, INVALID_INPUT); the rest of the batch is stored.`,
    args: { messages: t.arg({ type: [SmsInputRef] }) },
    resolve: (_r, args, ctx) => reportSms(ctx, args.messages),
  }),
);

builder.queryField('smsMessages', (t) =>
  t.connection(
    {
      type: SmsRef,
      description: `C4, P9: SMS the key may see, sent in [from, to) (${SMS_RANGE_DAYS} days at most; default the last ${SMS_RANGE_DAYS} days), latest sent first; by app, binding, number (sender, X or relayed-to).`,
      authScopes: { authenticated: true },
      args: {
        appId: t.arg.globalID({ for: PrivacyAppRef, required: false }),
        bindingId: t.arg.globalID({ for: PrivacyBindingRef, required: false }),
        number: t.arg.string({ required: false }),
        from: t.arg({ type: 'DateTime', required: false }),
        to: t.arg({ type: 'DateTime', required: false }),
      },
      resolve: (_r, args, ctx) =>
        keysetConnection(args, smsQuery(ctx, { appId: args.appId?.id, bindingId: args.bindingId?.id, number: args.number, from: args.from, to: args.to }), 'sms_messages', 'sent_at'),
    },
    { name: 'SmsConnection' },
    { name: 'SmsEdge' },
  ),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const SmsChangeRef = builder.objectRef<StoredEvent>('SmsChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this SMS.' }),
    sms: t.field({ type: SmsRef, nullable: true, resolve: (e) => e.subjectId }),
    messageId: t.string({ resolve: (e) => payload(e, 'messageId') }),
    relayStatus: t.field({ type: SmsRelayStatusEnum, resolve: (e) => payload(e, 'relayStatus') }),
    relayedTo: t.string({ nullable: true, resolve: (e) => payload(e, 'relayedTo') }),
    sentAt: t.field({ type: 'DateTime', resolve: (e) => payload(e, 'sentAt') }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (e) => e.appId }),
  }),
});

statusChangeSubscription('smsReceived', {
  type: SmsChangeRef,
  eventType: 'SMS_RECEIVED',
  description: 'C4: every SMS stored (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});
