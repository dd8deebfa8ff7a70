// C3: deliveries and their attempts in GraphQL, redelivery by hand, and the deliveryChanged subscription.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { PrivacyAppRef } from '../privacy/privacy.graphql.js';
import { VoiceAppRef } from '../voice/voice.graphql.js';
import { attemptsOf, deliveriesQuery, findDelivery, redeliverDelivery } from './webhooks.service.js';
import { webhookHealth, type WebhookHealth } from './webhooks.health.js';
import { APP_KINDS, DELIVERY_KINDS, DELIVERY_STATUSES, type Delivery, type DeliveryAttempt } from './webhooks.table.js';

const DeliveryKindEnum = builder.enumType('DeliveryKind', {
  values: DELIVERY_KINDS,
  description: 'C3: which URL of the app: a privacy app’s CDR batches, call-status changes, SMS; a voice app’s message outcomes (VOICE_STATUS, V3).',
});
const DeliveryAppKindEnum = builder.enumType('DeliveryAppKind', { values: APP_KINDS, description: 'Whose delivery: a privacy app’s (app) or a voice app’s (voiceApp).' });
/** The apps whose deliveries a filter may name. */
const DELIVERY_APPS = [PrivacyAppRef, VoiceAppRef];
const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
  values: DELIVERY_STATUSES,
  description: 'PENDING: an attempt is due at nextAttemptAt; DELIVERED: a 2xx came in time; DEAD: 7 attempts failed (redeliverDelivery sends it again).',
});

const DeliveryAttemptRef = builder.objectRef<DeliveryAttempt>('DeliveryAttempt').implement({
  description: 'One POST of a delivery.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 to 7 since the delivery was queued (or redelivered).' }),
    attemptedAt: t.expose('attempted_at', { type: 'DateTime' }),
    statusCode: t.exposeInt('status_code', { nullable: true, description: 'null when no HTTP answer came in time.' }),
    latencyMs: t.exposeInt('latency_ms'),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed; null for a 2xx in time.' }),
  }),
});

export const DeliveryRef = builder.loadableNode('Delivery', {
  description: 'C3: a signed request to an app’s URL, retried 1, 4, 9, 106, 203 and 300 minutes after the first attempt under the same delivery id, then DEAD.',
  id: { resolve: (d: Delivery) => d.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'deliveries', ids),
  sort: (d) => d.id,
  fields: (t) => ({
    deliveryId: t.exposeString('id', { description: 'The `Callplane-Delivery-Id` header: the same on every retry, for the receiver to drop duplicates.' }),
    kind: t.field({ type: DeliveryKindEnum, resolve: (d) => d.kind }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status }),
    appKind: t.field({ type: DeliveryAppKindEnum, resolve: (d) => d.app_kind }),
    app: t.field({ type: PrivacyAppRef, nullable: true, description: 'The privacy app; null for a voice app’s delivery (voiceApp).', resolve: (d) => (d.app_kind === 'PRIVACY' ? d.app_id : null) }),
    voiceApp: t.field({ type: VoiceAppRef, nullable: true, description: 'The voice app (VOICE_STATUS); null for a privacy app’s delivery (app).', resolve: (d) => (d.app_kind === 'VOICE' ? d.app_id : null) }),
    url: t.exposeString('url'),
    itemCount: t.exposeInt('item_count', { description: 'CDRs in the batch (at most 50); 1 for the other kinds.' }),
    items: t.field({ type: 'JSON', description: 'The `items` of the request body.', resolve: (d) => d.payload }),
    attemptCount: t.exposeInt('attempts'),
    firstAttemptAt: t.expose('first_attempt_at', { type: 'DateTime', nullable: true }),
    lastAttemptAt: t.expose('last_attempt_at', { type: 'DateTime', nullable: true }),
    nextAttemptAt: t.expose('next_attempt_at', { type: 'DateTime', nullable: true, description: 'PENDING only.' }),
    attempts: t.loadableGroup({
      type: DeliveryAttemptRef,
      description: 'Oldest first.',
      load: (ids: string[], ctx) => attemptsOf(ctx, ids),
      group: (a) => (a as DeliveryAttempt).delivery_id,
      resolve: (d) => d.id,
    }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (d) => d.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  deliveries: t.connection({
    type: DeliveryRef,
    description: 'C3: the webhook deliveries the key may see (own tenant; a PARTNER key: its app), newest first; appId: a PrivacyApp or a VoiceApp.',
    authScopes: { authenticated: true },
    args: { status: t.arg({ type: DeliveryStatusEnum, required: false }), appId: t.arg.globalID({ for: DELIVERY_APPS, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, deliveriesQuery(ctx, { status: args.status, appId: args.appId?.id }), 'deliveries'),
  }),
  delivery: t.field({
    type: DeliveryRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: DeliveryRef }) },
    resolve: (_r, args, ctx) => findDelivery(ctx, args.id.id),
  }),
}));

const WebhookHealthRef = builder.objectRef<WebhookHealth>('WebhookHealth').implement({
  description: 'C3: the deliveries the key may see, counted by state.',
  fields: (t) => ({
    pending: t.exposeInt('pending', { description: 'Not delivered yet, an attempt due.' }),
    failing: t.exposeInt('failing', { description: 'Pending ones whose last attempt failed: being retried.' }),
    dead: t.exposeInt('dead', { description: 'Dead letters: seven attempts failed; redeliverDelivery sends one again.' }),
    delivered: t.exposeInt('delivered'),
    lastFailureAt: t.expose('lastFailureAt', { type: 'DateTime', nullable: true, description: 'The last failed attempt of a failing delivery.' }),
  }),
});

builder.queryField('webhookHealth', (t) =>
  t.field({
    type: WebhookHealthRef,
    description: 'C3: failing deliveries and dead letters the key may see (own tenant; a PARTNER key: its app), by app.',
    authScopes: { authenticated: true },
    args: { appId: t.arg.globalID({ for: DELIVERY_APPS, required: false, description: 'A PrivacyApp or a VoiceApp.' }) },
    resolve: (_r, args, ctx) => webhookHealth(ctx, { appId: args.appId?.id }),
  }),
);

builder.mutationField('redeliverDelivery', (t) =>
  t.field({
    type: DeliveryRef,
    description: 'C3: sends a DEAD delivery again (same delivery id, a fresh schedule of 7 attempts); another status is INVALID_STATUS.',
    args: { id: t.arg.globalID({ for: DeliveryRef }) },
    resolve: (_r, args, ctx) => redeliverDelivery(ctx, args.id.id),
  }),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const DeliveryChangeRef = builder.objectRef<StoredEvent>('DeliveryChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    delivery: t.field({ type: DeliveryRef, nullable: true, resolve: (e) => e.subjectId }),
    kind: t.field({ type: DeliveryKindEnum, resolve: (e) => payload(e, 'kind') }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (e) => payload(e, 'status') }),
    attemptCount: t.int({ resolve: (e) => payload(e, 'attempts') }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => payload(e, 'nextAttemptAt') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('deliveryChanged', {
  type: DeliveryChangeRef,
  eventType: 'DELIVERY_CHANGED',
  description: 'C3: deliveries queued, attempted, delivered, dead and redelivered (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});
