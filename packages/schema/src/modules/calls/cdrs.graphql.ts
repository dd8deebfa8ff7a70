// C2, P9: CDRs in GraphQL and the cdrCreated subscription.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { PrivacyAppRef } from '../privacy/privacy.graphql.js';
import { PrivacyBindingRef } from '../privacy/privacy.bindings.graphql.js';
import { InstanceRef } from '../instances/instances.graphql.js';
import { CallRef } from './calls.graphql.js';
import { cdrsQuery, CDR_RANGE_DAYS } from './calls.queries.js';
import type { Cdr } from './calls.table.js';

export const CdrRef = builder.loadableNode('Cdr', {
  description: 'C2: the record of an ended call. billableMinutes = ceil((endedAt − answeredAt) / 60 s); 0 when never answered.',
  id: { resolve: (c: Cdr) => c.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'cdrs', ids),
  sort: (c) => c.id,
  fields: (t) => ({
    call: t.field({ type: CallRef, nullable: true, resolve: (c) => c.call_id }),
    switchCallId: t.exposeString('switch_call_id'),
    x: t.exposeString('x_e164'),
    caller: t.exposeString('caller_e164', { nullable: true }),
    called: t.exposeString('called_e164', { nullable: true, description: 'For a 400 number, the 400 number (N5).' }),
    callee: t.exposeString('callee_e164', { nullable: true }),
    userData: t.exposeString('user_data', { nullable: true }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (c) => c.app_id }),
    binding: t.field({ type: PrivacyBindingRef, nullable: true, resolve: (c) => c.binding_id }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (c) => c.instance_id }),
    callInAt: t.expose('call_in_at', { type: 'DateTime', nullable: true }),
    forwardStartAt: t.expose('forward_start_at', { type: 'DateTime', nullable: true }),
    alertingAt: t.expose('alerting_at', { type: 'DateTime', nullable: true }),
    answeredAt: t.expose('answered_at', { type: 'DateTime', nullable: true, description: 'The forward answer time, kept apart from ringing: billing depends on it.' }),
    endedAt: t.expose('ended_at', { type: 'DateTime' }),
    failureReason: t.exposeString('failure_reason', { nullable: true }),
    recordingUrl: t.exposeString('recording_url', { nullable: true }),
    recordingForAnalysis: t.exposeBoolean('recording_for_analysis', { description: 'I5: the instance’s analysis add-on was on.' }),
    billableMinutes: t.exposeInt('billable_minutes'),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (c) => c.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.queryField('cdrs', (t) =>
  t.connection({
    type: CdrRef,
    description: `C2, P9: CDRs the key may see of calls that ended in [from, to) (${CDR_RANGE_DAYS} days at most; default the last ${CDR_RANGE_DAYS} days), latest end first; by number (caller, called, callee or X), binding, app, instance.`,
    authScopes: { authenticated: true },
    args: {
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false }),
      number: t.arg.string({ required: false }),
      bindingId: t.arg.globalID({ for: PrivacyBindingRef, required: false }),
      appId: t.arg.globalID({ for: PrivacyAppRef, required: false }),
      instanceId: t.arg.globalID({ for: InstanceRef, required: false }),
    },
    resolve: (_r, args, ctx) =>
      keysetConnection(
        args,
        cdrsQuery(ctx, { from: args.from, to: args.to, number: args.number, bindingId: args.bindingId?.id, appId: args.appId?.id, instanceId: args.instanceId?.id }),
        'cdrs',
        'ended_at',
      ),
  }),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const CdrCreatedRef = builder.objectRef<StoredEvent>('CdrCreated').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this CDR.' }),
    change: t.string({ description: 'CREATED, or AMENDED when an earlier event of the call arrived after its end.', resolve: (e) => payload(e, 'change') }),
    cdr: t.field({ type: CdrRef, nullable: true, resolve: (e) => e.subjectId }),
    billableMinutes: t.int({ resolve: (e) => payload(e, 'billableMinutes') }),
    endedAt: t.field({ type: 'DateTime', resolve: (e) => payload(e, 'endedAt') }),
  }),
});

statusChangeSubscription('cdrCreated', {
  type: CdrCreatedRef,
  eventType: 'CDR_CREATED',
  description: 'C2: every CDR written or amended (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});
