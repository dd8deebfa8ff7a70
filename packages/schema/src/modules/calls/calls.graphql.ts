// C1: call events reported by the switch, live calls, and the callEvents subscription.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { PrivacyAppRef } from '../privacy/privacy.graphql.js';
import { PrivacyBindingRef } from '../privacy/privacy.bindings.graphql.js';
import { InstanceRef } from '../instances/instances.graphql.js';
import { AgentRef } from '../instances/agents.graphql.js';
import { SkillGroupRef } from '../instances/skill-groups.graphql.js';
import { MAX_BATCH, type ItemResult } from './calls.input.js';
import { liveCallsQuery } from './calls.queries.js';
import { reportCallEvents } from './calls.report.js';
import { CALL_EVENT_TYPES, CALL_STATES, type Call } from './calls.table.js';

export const CallEventTypeEnum = builder.enumType('CallEventType', { values: CALL_EVENT_TYPES, description: 'C1: what the switch reports; QUEUED (with the skill group) for instance numbers.' });
export const CallStateEnum = builder.enumType('CallState', { values: CALL_STATES });
const CallDirectionKindEnum = builder.enumType('CallLegDirection', { values: ['IN', 'OUT'] as const, description: 'IN: started by a CALLIN to the number; OUT: by a CALLOUT from it.' });
const ItemStatusEnum = builder.enumType('CallEventItemStatus', { values: ['STORED', 'DUPLICATE', 'ERROR'] as const });

export const CallRef = builder.loadableNode('Call', {
  description: 'C1: a call and its live state (ringing, queued, talking, ended), with the times reported so far.',
  id: { resolve: (c: Call) => c.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'calls', ids),
  sort: (c) => c.id,
  fields: (t) => ({
    switchCallId: t.exposeString('switch_call_id', { description: 'The switch’s id of the call.' }),
    state: t.field({ type: CallStateEnum, resolve: (c) => c.state }),
    direction: t.field({ type: CallDirectionKindEnum, resolve: (c) => c.direction }),
    x: t.exposeString('x_e164', { description: 'The platform’s number of the call (the X, or the instance’s number).' }),
    caller: t.exposeString('caller_e164', { nullable: true }),
    called: t.exposeString('called_e164', { nullable: true, description: 'The number dialled (for a 400 number, the 400 number: N5).' }),
    callee: t.exposeString('callee_e164', { nullable: true, description: 'Where the call was forwarded.' }),
    userData: t.exposeString('user_data', { nullable: true }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (c) => c.app_id }),
    binding: t.field({ type: PrivacyBindingRef, nullable: true, resolve: (c) => c.binding_id }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (c) => c.instance_id }),
    skillGroup: t.field({ type: SkillGroupRef, nullable: true, resolve: (c) => c.skill_group_id }),
    agent: t.field({ type: AgentRef, nullable: true, resolve: (c) => c.agent_id }),
    // the ids alone, from the call's own row: a call event's subscribers learn whose call it is without a read of the app, instance or agent each
    appId: t.globalID({ nullable: true, description: 'The id of `app`, read from the call itself (no read of the app).', resolve: (c) => (c.app_id ? { type: 'PrivacyApp', id: c.app_id } : null) }),
    instanceId: t.globalID({ nullable: true, description: 'The id of `instance`, read from the call itself.', resolve: (c) => (c.instance_id ? { type: 'Instance', id: c.instance_id } : null) }),
    agentId: t.globalID({ nullable: true, description: 'The id of `agent`, read from the call itself.', resolve: (c) => (c.agent_id ? { type: 'Agent', id: c.agent_id } : null) }),
    callInAt: t.expose('call_in_at', { type: 'DateTime', nullable: true }),
    forwardStartAt: t.expose('forward_start_at', { type: 'DateTime', nullable: true }),
    queuedAt: t.expose('queued_at', { type: 'DateTime', nullable: true }),
    alertingAt: t.expose('alerting_at', { type: 'DateTime', nullable: true }),
    answeredAt: t.expose('answered_at', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('ended_at', { type: 'DateTime', nullable: true }),
    failureReason: t.exposeString('failure_reason', { nullable: true }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (c) => c.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const CallEventInput = builder.inputType('CallEventInput', {
  description: 'C1: one event as the switch reports it.',
  fields: (t) => ({
    eventId: t.string({ description: 'The switch’s unique id of the event: a repeated report (the same id on the same call) is stored once and answered DUPLICATE.' }),
    callId: t.string({ description: 'The switch’s id of the call.' }),
    type: t.field({ type: CallEventTypeEnum }),
    occurredAt: t.field({ type: 'DateTime' }),
    caller: t.string({ required: false, description: 'CALLIN: the calling number; a CALLOUT that starts a call: the platform number shown.' }),
    called: t.string({ required: false, description: 'CALLIN: the number called (an X or an instance number).' }),
    callee: t.string({ required: false, description: 'CALLOUT: where the call is forwarded.' }),
    bindingId: t.globalID({ for: PrivacyBindingRef, required: false, description: 'routeCall’s bindingId.' }),
    userData: t.string({ required: false, description: 'Default: the binding’s.' }),
    skillGroupId: t.globalID({ for: SkillGroupRef, required: false, description: 'QUEUED: the skill group the call waits for.' }),
    agentId: t.globalID({ for: AgentRef, required: false, description: 'ALERTING / ANSWER of an instance call: the agent.' }),
    failureReason: t.string({ required: false, description: 'DISCONNECT: why the call failed or ended.' }),
    recordingUrl: t.string({ required: false, description: 'DISCONNECT: where the recording is.' }),
  }),
});

const CallEventErrorRef = builder.objectRef<ItemResult & { status: 'ERROR' }>('CallEventError').implement({
  fields: (t) => ({
    code: t.string({ resolve: (r) => r.error.code }),
    field: t.string({ nullable: true, resolve: (r) => r.error.field }),
    message: t.string({ resolve: (r) => r.error.message }),
  }),
});

const CallEventResultRef = builder.objectRef<ItemResult>('CallEventResult').implement({
  description: 'The outcome of one reported event, in the order sent.',
  fields: (t) => ({
    index: t.exposeInt('index'),
    eventId: t.exposeString('eventId'),
    status: t.field({ type: ItemStatusEnum, resolve: (r) => r.status }),
    call: t.field({ type: CallRef, nullable: true, resolve: (r) => (r.status === 'ERROR' ? null : r.callId) }),
    error: t.field({ type: CallEventErrorRef, nullable: true, resolve: (r) => (r.status === 'ERROR' ? r : null) }),
  }),
});

builder.mutationField('reportCallEvents', (t) =>
  t.field({
    type: [CallEventResultRef],
    description: `C1: the switch reports up to ${MAX_BATCH} call events (an app’s PARTNER key; a TENANT_ADMIN or OPERATOR too). Each item is STORED, DUPLICATE or an ERROR of that item (UNKNOWN_CALL, CALL_NUMBER_NOT_OWNED, INVALID_INPUT); the rest of the batch is stored. A DISCONNECT writes the CDR.`,
    args: { events: t.arg({ type: [CallEventInput] }) },
    resolve: (_r, args, ctx) =>
      reportCallEvents(
        ctx,
        args.events.map((e) => ({
          eventId: e.eventId,
          callId: e.callId,
          type: e.type,
          occurredAt: e.occurredAt,
          caller: e.caller,
          called: e.called,
          callee: e.callee,
          bindingId: e.bindingId?.id,
          userData: e.userData,
          skillGroupId: e.skillGroupId?.id,
          agentId: e.agentId?.id,
          failureReason: e.failureReason,
          recordingUrl: e.recordingUrl,
        })),
      ),
  }),
);

builder.queryField('liveCalls', (t) =>
  t.connection({
    type: CallRef,
    description: 'C1: calls in progress (ringing, queued, talking) the key may see, newest first; by app or instance.',
    authScopes: { authenticated: true },
    args: { appId: t.arg.globalID({ for: PrivacyAppRef, required: false }), instanceId: t.arg.globalID({ for: InstanceRef, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, liveCallsQuery(ctx, { appId: args.appId?.id, instanceId: args.instanceId?.id }), 'calls'),
  }),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const CallEventChangeRef = builder.objectRef<StoredEvent>('CallEventChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this event.' }),
    event: t.field({ type: CallEventTypeEnum, resolve: (e) => payload(e, 'event') }),
    state: t.field({ type: CallStateEnum, description: 'The call’s state after the event.', resolve: (e) => payload(e, 'state') }),
    eventId: t.string({ resolve: (e) => payload(e, 'eventId') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => payload(e, 'occurredAt') }),
    call: t.field({ type: CallRef, nullable: true, resolve: (e) => e.subjectId }),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (e) => e.appId }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (e) => payload(e, 'instanceId') }),
  }),
});

statusChangeSubscription('callEvents', {
  type: CallEventChangeRef,
  eventType: 'CALL_EVENT',
  description: 'C1: every call event stored (own tenant; a PARTNER key: its app), replayed after `after`, then live.',
});
