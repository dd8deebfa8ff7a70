// P2–P5, P7, P9: bindings in GraphQL, and the bindingChanged / poolUsageChanged subscriptions.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { bind, bindingsQuery, findBinding, isBindingActive, unbind, updateBinding } from './privacy.service.js';
import { PrivacyAppRef, PrivacyModeEnum } from './privacy.graphql.js';
import { BINDING_END_REASONS, CALL_DIRECTIONS, type Binding } from './privacy.table.js';

const DirectionEnum = builder.enumType('CallDirection', { values: CALL_DIRECTIONS, description: 'P5: which calls of an AXB binding connect.' });
const EndReasonEnum = builder.enumType('BindingEndReason', { values: BINDING_END_REASONS });
const BindingChangeKind = builder.enumType('BindingChangeKind', { values: ['BOUND', 'UPDATED', 'UNBOUND', 'EXPIRED'] as const });

export const PrivacyBindingRef = builder.loadableNode('PrivacyBinding', {
  description: 'A binding of a privacy app (P2): AXB (A, B through X), AX (X reaches A), AXE (X + extension reaches A).',
  id: { resolve: (b: Binding) => b.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'privacy_bindings', ids),
  sort: (b) => b.id,
  fields: (t) => ({
    mode: t.field({ type: PrivacyModeEnum, resolve: (b) => b.mode }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (b) => b.app_id }),
    x: t.exposeString('x_e164', { description: 'The masked number, E.164.' }),
    a: t.exposeString('a_e164'),
    b: t.exposeString('b_e164', { nullable: true, description: 'AXB only.' }),
    extension: t.exposeString('extension', { nullable: true, description: 'AXE only.' }),
    direction: t.field({ type: DirectionEnum, resolve: (b) => b.direction }),
    record: t.exposeBoolean('record'),
    maxCallMinutes: t.exposeInt('max_call_minutes', { description: '0 = unlimited.' }),
    relaySms: t.exposeBoolean('relay_sms'),
    userData: t.exposeString('user_data', { nullable: true }),
    durationSeconds: t.exposeInt('duration_seconds', { description: '0 = permanent.' }),
    expiresAt: t.expose('expires_at', { type: 'DateTime', nullable: true }),
    active: t.boolean({ description: 'Routes calls now: not ended and not past its expiry (P5).', resolve: (b, _a, ctx) => isBindingActive(b, ctx.clock.now()) }),
    endedAt: t.expose('ended_at', { type: 'DateTime', nullable: true }),
    endReason: t.field({ type: EndReasonEnum, nullable: true, resolve: (b) => b.end_reason }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (b) => b.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.objectField(PrivacyAppRef, 'bindings', (t) =>
  t.connection({
    type: PrivacyBindingRef,
    description: 'P9: the app’s bindings, active or ended within 31 days, newest first.',
    authScopes: { authenticated: true },
    args: { activeOnly: t.arg.boolean({ required: false }) },
    resolve: (app, args, ctx) => keysetConnection(args, bindingsQuery(ctx, { appId: app.id, activeOnly: args.activeOnly }), 'privacy_bindings'),
  }),
);

const BindInput = builder.inputType('BindInput', {
  description: 'P2, P5: the parameters of a binding; those of another mode are 1010040.',
  fields: (t) => ({
    mode: t.field({ type: PrivacyModeEnum, required: false, description: 'The mode the caller means: another than the app’s is 1010040.' }),
    a: t.string(),
    b: t.string({ required: false, description: 'AXB only.' }),
    x: t.string({ required: false, description: 'One of the app’s pool; picked from the pool (by city or area code) when not given.' }),
    extension: t.string({ required: false, description: 'AXE only; auto-assigned when not given.' }),
    city: t.string({ required: false }),
    areaCode: t.string({ required: false, description: 'e.g. 021' }),
    strictArea: t.boolean({ required: false, description: 'Default true: only in the city / area code; false: elsewhere when none is free there.' }),
    direction: t.field({ type: DirectionEnum, required: false }),
    record: t.boolean({ required: false }),
    maxCallMinutes: t.int({ required: false }),
    relaySms: t.boolean({ required: false }),
    userData: t.string({ required: false, description: 'At most 256 characters, echoed in every event and CDR of the binding.' }),
    durationSeconds: t.int({ required: false, description: '0 = permanent, 60 s – 90 days; default 2 hours (AX: permanent).' }),
  }),
});

const BindingUpdateInput = builder.inputType('BindingUpdateInput', {
  fields: (t) => ({
    durationSeconds: t.int({ required: false, description: 'Restarts the clock from now; 0 = permanent.' }),
    direction: t.field({ type: DirectionEnum, required: false }),
    record: t.boolean({ required: false }),
    maxCallMinutes: t.int({ required: false }),
    relaySms: t.boolean({ required: false }),
    userData: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  privacyBindings: t.connection({
    type: PrivacyBindingRef,
    description: 'P9: bindings the key may see, active or ended within the last 31 days, newest first; by app, by a number (A, B or X), by X.',
    authScopes: { authenticated: true },
    args: {
      appId: t.arg.globalID({ for: PrivacyAppRef, required: false }),
      number: t.arg.string({ required: false }),
      x: t.arg.string({ required: false }),
      activeOnly: t.arg.boolean({ required: false }),
      endedSince: t.arg({ type: 'DateTime', required: false, description: 'Only bindings that ended (unbound or expired) since then.' }),
    },
    resolve: (_r, args, ctx) =>
      keysetConnection(
        args,
        bindingsQuery(ctx, { appId: args.appId?.id, number: args.number, x: args.x, activeOnly: args.activeOnly, endedSince: args.endedSince }),
        'privacy_bindings',
      ),
  }),
  privacyBinding: t.field({
    type: PrivacyBindingRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: PrivacyBindingRef }) },
    resolve: (_r, args, ctx) => findBinding(ctx, args.id.id),
  }),
}));

builder.mutationFields((t) => ({
  bind: t.field({
    type: PrivacyBindingRef,
    description: 'P2, P3, P5: binds per the app’s mode. Errors carry extensions.resultCode (P7): 1010002, 1011001, 1011002, 1012010, 1010040.',
    args: { appId: t.arg.globalID({ for: PrivacyAppRef }), input: t.arg({ type: BindInput }) },
    resolve: (_r, args, ctx) => bind(ctx, args.appId.id, args.input),
  }),
  unbind: t.field({
    type: [PrivacyBindingRef],
    description: 'P5: ends bindings by id, or by numbers (AXB: a and b; AX: x or a; AXE: x and extension, or a). Nothing bound: 1012001 (AXB) / 1011004 (AX, AXE).',
    args: {
      appId: t.arg.globalID({ for: PrivacyAppRef }),
      bindingId: t.arg.globalID({ for: PrivacyBindingRef, required: false }),
      a: t.arg.string({ required: false }),
      b: t.arg.string({ required: false }),
      x: t.arg.string({ required: false }),
      extension: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => unbind(ctx, args.appId.id, { bindingId: args.bindingId?.id, a: args.a, b: args.b, x: args.x, extension: args.extension }),
  }),
  updateBinding: t.field({
    type: PrivacyBindingRef,
    description: 'P5: changes an active binding’s options; a new duration restarts its clock.',
    args: { bindingId: t.arg.globalID({ for: PrivacyBindingRef }), input: t.arg({ type: BindingUpdateInput }) },
    resolve: (_r, args, ctx) => updateBinding(ctx, args.bindingId.id, args.input),
  }),
}));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const BindingChangeRef = builder.objectRef<StoredEvent>('BindingChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    change: t.field({ type: BindingChangeKind, resolve: (e) => payload(e, 'change') }),
    binding: t.field({ type: PrivacyBindingRef, nullable: true, resolve: (e) => e.subjectId }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (e) => payload(e, 'appId') }),
    mode: t.field({ type: PrivacyModeEnum, resolve: (e) => payload(e, 'mode') }),
    x: t.string({ resolve: (e) => payload(e, 'x') }),
    a: t.string({ resolve: (e) => payload(e, 'a') }),
    b: t.string({ nullable: true, resolve: (e) => payload(e, 'b') }),
    extension: t.string({ nullable: true, resolve: (e) => payload(e, 'extension') }),
    userData: t.string({ nullable: true, resolve: (e) => payload(e, 'userData') }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => payload(e, 'expiresAt') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('bindingChanged', {
  type: BindingChangeRef,
  eventType: 'BINDING_CHANGED',
  description: 'Bindings bound, updated, unbound and expired (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});

const PoolUsageChangeRef = builder.objectRef<StoredEvent>('PoolUsageChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (e) => payload(e, 'appId') }),
    province: t.string({ resolve: (e) => payload(e, 'province') ?? '' }),
    city: t.string({ resolve: (e) => payload(e, 'city') }),
    total: t.int({ resolve: (e) => payload(e, 'total') }),
    bound: t.int({ resolve: (e) => payload(e, 'bound') }),
    free: t.int({ resolve: (e) => payload(e, 'free') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('poolUsageChanged', {
  type: PoolUsageChangeRef,
  eventType: 'POOL_USAGE_CHANGED',
  description: 'P1: the new total / bound / free of an app’s city whenever it changes, replayed after `after`, then live.',
});
