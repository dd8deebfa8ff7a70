// V3: voice messages in GraphQL: sendVoiceMessage, reportVoiceMessages (the switch, a PARTNER key of
// the app), the voiceMessages list and the voiceMessageStatusChanged subscription.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { VoiceAppRef, VoiceNumberRef } from './voice.graphql.js';
import { voiceMessagesQuery } from './voice.messages.queries.js';
import { MAX_VOICE_REPORTS, REPORTED_STATUSES, reportVoiceMessages, type VoiceReportResult } from './voice.report.js';
import { MAX_TEMPLATE_PARAMS, MAX_VOICE_TEXT, sendVoiceMessage } from './voice.send.js';
import { VOICE_MESSAGE_STATUSES, type VoiceMessage } from './voice.table.js';

export const VoiceMessageStatusEnum = builder.enumType('VoiceMessageStatus', {
  values: VOICE_MESSAGE_STATUSES,
  description: 'V3: QUEUED (a minute held), DELIVERING (the switch is calling), then ANSWERED (billed), UNANSWERED, REJECTED or FAILED (free).',
});
const ReportedStatusEnum = builder.enumType('VoiceMessageReportedStatus', { values: REPORTED_STATUSES, description: 'V3: what the switch reports of a message.' });
const ReportItemStatusEnum = builder.enumType('VoiceMessageReportStatus', {
  values: ['STORED', 'ALREADY_REPORTED', 'ERROR'] as const,
  description: 'STORED; ALREADY_REPORTED: the message had its final status already (a final status is final, nothing is charged twice); ERROR: see error.',
});

/** The row id of a global id of `typename`; anything else names no row ('' matches none). */
function rowIdOf(globalId: string | null | undefined, typename: string): string {
  try {
    const decoded = globalId ? decodeGlobalID(globalId) : null;
    return decoded?.typename === typename ? decoded.id : '';
  } catch {
    return '';
  }
}

export const VoiceMessageRef = builder.loadableNode('VoiceMessage', {
  description: 'V3: a voice message played to one callee from one of the app’s numbers, and its outcome.',
  id: { resolve: (m: VoiceMessage) => m.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'voice_messages', ids),
  sort: (m) => m.id,
  fields: (t) => ({
    app: t.field({ type: VoiceAppRef, nullable: true, resolve: (m) => m.app_id }),
    appId: t.id({ description: 'The VoiceApp’s global id (also when the app itself is not readable).', resolve: (m) => encodeGlobalID('VoiceApp', m.app_id) }),
    fromNumber: t.field({ type: VoiceNumberRef, nullable: true, description: 'The app’s number the message is played from.', resolve: (m) => m.voice_number_id }),
    to: t.exposeString('to_e164', { description: 'The callee, E.164.' }),
    text: t.exposeString('text', { nullable: true, description: 'The text read out (or templateId).' }),
    templateId: t.exposeString('template_id', { nullable: true }),
    templateParams: t.stringList({ nullable: true, resolve: (m) => (m.template_params as string[] | null) ?? null }),
    status: t.field({ type: VoiceMessageStatusEnum, resolve: (m) => m.status }),
    durationSeconds: t.exposeInt('duration_seconds', { nullable: true, description: 'ANSWERED: the talk time the switch reported.' }),
    billedMinutes: t.exposeInt('billed_minutes', { description: 'ceil(durationSeconds / 60) for an ANSWERED message; 0 otherwise.' }),
    unbilledMinutes: t.exposeInt('unbilled_minutes', { description: 'Minutes of billedMinutes no package could cover when it was answered (not charged; packages never go below 0).' }),
    failureReason: t.exposeString('failure_reason', { nullable: true, description: 'As reported; TIMEOUT when no outcome came in time.' }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (m) => m.tenant_id }),
    queuedAt: t.expose('queued_at', { type: 'DateTime' }),
    reportedAt: t.expose('reported_at', { type: 'DateTime', nullable: true, description: 'When the switch says the final status happened.' }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const SendInput = builder.inputType('SendVoiceMessageInput', {
  description: `V3: a message to one callee: either a text (at most ${MAX_VOICE_TEXT} characters) or a template with its parameters (at most ${MAX_TEMPLATE_PARAMS}).`,
  fields: (t) => ({
    appId: t.globalID({ for: VoiceAppRef, description: 'The VoiceApp.' }),
    to: t.string({ description: 'The callee (E.164, or a national Chinese number).' }),
    text: t.string({ required: false }),
    templateId: t.string({ required: false }),
    templateParams: t.stringList({ required: false }),
    fromNumberId: t.globalID({ for: VoiceNumberRef, required: false, description: 'A VoiceNumber of the app to call from; default: its first open number.' }),
  }),
});

builder.mutationField('sendVoiceMessage', (t) =>
  t.field({
    type: VoiceMessageRef,
    description:
      'V3: queues a voice message (the app’s TENANT_ADMIN or one of its PARTNER keys). One minute is held on the tenant’s unexpired package that expires first; with none left: NO_MINUTES_LEFT and nothing is written. VOICE_NUMBER_NOT_OPEN: the app has no open number.',
    args: { input: t.arg({ type: SendInput }) },
    resolve: (_r, { input }, ctx) =>
      sendVoiceMessage(ctx, { ...input, appId: input.appId.id, fromNumberId: input.fromNumberId?.id ?? null }),
  }),
);

const ReportInput = builder.inputType('VoiceMessageReportInput', {
  description: 'V3: the outcome of one message as the switch reports it.',
  fields: (t) => ({
    messageId: t.id({ description: 'The VoiceMessage.' }),
    status: t.field({ type: ReportedStatusEnum }),
    durationSeconds: t.int({ required: false, description: 'ANSWERED only, and required then: the talk time.' }),
    failureReason: t.string({ required: false }),
    at: t.field({ type: 'DateTime', description: 'When it happened, by the switch’s clock.' }),
  }),
});

const ReportErrorRef = builder.objectRef<VoiceReportResult & { status: 'ERROR' }>('VoiceMessageReportError').implement({
  fields: (t) => ({
    code: t.string({ resolve: (r) => r.error.code }),
    field: t.string({ nullable: true, resolve: (r) => r.error.field }),
    message: t.string({ resolve: (r) => r.error.message }),
  }),
});

const ReportResultRef = builder.objectRef<VoiceReportResult & { given: string }>('VoiceMessageReportResult').implement({
  description: 'The outcome of one report, in the order sent.',
  fields: (t) => ({
    index: t.exposeInt('index'),
    messageId: t.id({ description: 'As given.', resolve: (r) => r.given }),
    status: t.field({ type: ReportItemStatusEnum, resolve: (r) => r.status }),
    message: t.field({ type: VoiceMessageRef, nullable: true, description: 'The message after the report (ALREADY_REPORTED: as it was).', resolve: (r) => (r.status === 'ERROR' ? null : r.message) }),
    error: t.field({ type: ReportErrorRef, nullable: true, resolve: (r) => (r.status === 'ERROR' ? r : null) }),
  }),
});

builder.mutationField('reportVoiceMessages', (t) =>
  t.field({
    type: [ReportResultRef],
    description: `V3: the switch reports up to ${MAX_VOICE_REPORTS} outcomes (a PARTNER key of the app; a TENANT_ADMIN or OPERATOR too). Each is STORED, ALREADY_REPORTED or an ERROR of that item (UNKNOWN_VOICE_MESSAGE, INVALID_INPUT); the rest is stored. ANSWERED deducts ceil(durationSeconds / 60) minutes from the packages expiring first; the others are free.`,
    args: { reports: t.arg({ type: [ReportInput] }) },
    resolve: async (_r, { reports }, ctx) => {
      const results = await reportVoiceMessages(
        ctx,
        reports.map((r) => ({ ...r, messageId: rowIdOf(r.messageId, 'VoiceMessage') || String(r.messageId) })),
      );
      return results.map((r, i) => ({ ...r, given: String(reports[i]!.messageId) }));
    },
  }),
);

builder.queryField('voiceMessages', (t) =>
  t.connection(
    {
      type: VoiceMessageRef,
      description: 'V3: the voice messages the key may see, newest first; by app (a VoiceApp id) and status.',
      authScopes: { authenticated: true },
      args: { appId: t.arg.globalID({ for: VoiceAppRef, required: false }), status: t.arg({ type: VoiceMessageStatusEnum, required: false }) },
      resolve: (_r, args, ctx) => keysetConnection(args, voiceMessagesQuery(ctx, { appId: args.appId?.id, status: args.status }), 'voice_messages'),
    },
    { name: 'VoiceMessageConnection' },
    { name: 'VoiceMessageEdge' },
  ),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const StatusChangeRef = builder.objectRef<StoredEvent>('VoiceMessageStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    message: t.field({ type: VoiceMessageRef, nullable: true, resolve: (e) => e.subjectId }),
    status: t.field({ type: VoiceMessageStatusEnum, resolve: (e) => payload(e, 'status') }),
    to: t.string({ resolve: (e) => payload(e, 'to') }),
    billedMinutes: t.int({ resolve: (e) => payload(e, 'billedMinutes') ?? 0 }),
    app: t.field({ type: VoiceAppRef, nullable: true, resolve: (e) => e.appId }),
    appId: t.id({ description: 'The VoiceApp’s global id.', resolve: (e) => encodeGlobalID('VoiceApp', e.appId ?? '') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('voiceMessageStatusChanged', {
  type: StatusChangeRef,
  eventType: 'VOICE_MESSAGE_STATUS_CHANGED',
  description: 'V3: every status change of a voice message (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});
