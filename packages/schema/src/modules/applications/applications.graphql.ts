import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { DecisionEnum, HandlerRef, QualificationDocumentRef, QualificationRef } from '../qualifications/qualifications.graphql.js';
import { OrderRef } from '../billing/billing.graphql.js';
import { CallTypeEnum, instanceGlobalId, instanceIdArg, NumberRef, NumberTypeEnum, TollFreeTierEnum } from '../numbers/numbers.graphql.js';
import { OutboxEmailRef } from '../outbox/outbox.graphql.js';
import { outboxEmailsAbout } from '../outbox/outbox.service.js';
import type { OutboxEmail } from '../outbox/outbox.table.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import {
  applicationsQuery,
  applyForNumbers,
  findApplication,
  materialsOf,
  MATERIALS_DEADLINE_DAYS,
  numbersOfApplications,
  retryNumberAllocation,
  reviewNumberApplication,
} from './applications.service.js';
import { applicationCounts, type ApplicationStatusCount } from './applications.counts.js';
import {
  APPLICATION_NUMBER_STATUSES,
  APPLICATION_PURPOSES,
  APPLICATION_STATUSES,
  MATERIALS_STATUSES,
  type ApplicationMaterial,
  type ApplicationNumberStatus,
  type ApplicationStatus,
  type MaterialsStatus,
  type NumberApplication,
} from './applications.table.js';

const PurposeEnum = builder.enumType('ApplicationPurpose', { values: APPLICATION_PURPOSES });
const StatusEnum = builder.enumType('ApplicationStatus', {
  values: APPLICATION_STATUSES,
  description: 'PENDING_REVIEW → REJECTED | APPROVED → PENDING_PAYMENT → COMPLETED (N3); CLOSED: a 400 application without handler materials in 7 days (N6), or whose order was cancelled.',
});
const NumberStatusEnum = builder.enumType('ApplicationNumberStatus', {
  values: APPLICATION_NUMBER_STATUSES,
  description: 'PENDING_REVIEW → REJECTED | APPROVED (no number yet) → ALLOCATING → DELIVERED → TAKING_EFFECT → ACTIVE (N3); RELEASED: held numbers went back to stock when the application closed.',
});
const MaterialsStatusEnum = builder.enumType('MaterialsStatus', {
  values: MATERIALS_STATUSES,
  description: 'Handler materials of a 400 application (N6); NOT_REQUIRED for other numbers.',
});

const ScenarioRef = builder.simpleObject('CallScenario', {
  fields: (t) => ({ scenario: t.string(), script: t.string() }),
});

const MaterialRef = builder.objectRef<ApplicationMaterial>('HandlerMaterial').implement({
  description: 'One of the four handler documents of a 400 application (N6).',
  fields: (t) => ({
    document: t.field({ type: QualificationDocumentRef, resolve: (m) => m.document_id }),
  }),
});

export const NumberApplicationRef = builder.loadableNode('NumberApplication', {
  description: 'An application for numbers (N3) with its two status columns; 400 applications also carry handler materials (N6).',
  id: { resolve: (a: NumberApplication) => a.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'number_applications', ids),
  sort: (a) => a.id,
  fields: (t) => ({
    ticketNo: t.exposeString('ticket_no', { description: 'Human-readable and unique: AP + yyyymmdd + sequence.' }),
    appliedAt: t.expose('applied_at', { type: 'DateTime', description: 'To the second.' }),
    status: t.field({ type: StatusEnum, resolve: (a) => a.status }),
    numberStatus: t.field({ type: NumberStatusEnum, resolve: (a) => a.number_status }),
    reviewReason: t.exposeString('review_reason', { nullable: true, description: 'The review info: the reason of a rejection.' }),
    reviewedAt: t.expose('reviewed_at', { type: 'DateTime', nullable: true }),
    statusReason: t.exposeString('status_reason', { nullable: true, description: 'Why it stands here: no stock yet, or why it was closed.' }),
    purpose: t.field({ type: PurposeEnum, resolve: (a) => a.purpose }),
    scenarios: t.field({ type: [ScenarioRef], resolve: (a) => a.scenarios }),
    quantity: t.exposeInt('quantity'),
    type: t.field({ type: NumberTypeEnum, resolve: (a) => a.number_type }),
    tier: t.field({ type: TollFreeTierEnum, nullable: true, resolve: (a) => a.tier }),
    province: t.exposeString('province'),
    city: t.exposeString('city'),
    callType: t.field({ type: CallTypeEnum, resolve: (a) => a.call_type }),
    contactName: t.exposeString('contact_name'),
    contactMobile: t.exposeString('contact_mobile', { description: 'E.164.' }),
    contactEmail: t.exposeString('contact_email'),
    qualification: t.field({ type: QualificationRef, resolve: (a) => a.qualification_id }),
    instanceId: t.globalID({ nullable: true, description: 'The id of the target instance (see `instance`).', resolve: (a) => instanceGlobalId(a.instance_id) }),
    order: t.field({ type: OrderRef, nullable: true, description: 'Created when the numbers are delivered; pay it with payOrder.', resolve: (a) => a.order_id }),
    numbers: t.loadableGroup({
      type: NumberRef,
      description: 'The numbers held for (RESERVED) or delivered by (ACTIVE) this application.',
      load: (ids: string[], ctx) => numbersOfApplications(ctx, ids),
      group: (n) => (n as NumberRow).application_id!,
      resolve: (a) => a.id,
    }),
    paidAt: t.expose('paid_at', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completed_at', { type: 'DateTime', nullable: true }),
    closedAt: t.expose('closed_at', { type: 'DateTime', nullable: true }),
    materialsStatus: t.field({ type: MaterialsStatusEnum, resolve: (a) => a.materials_status }),
    materialsDueAt: t.expose('materials_due_at', {
      type: 'DateTime',
      nullable: true,
      description: `400 numbers: applied-at + ${MATERIALS_DEADLINE_DAYS} days; without materials by then the application closes.`,
    }),
    materialsHandler: t.field({ type: HandlerRef, nullable: true, resolve: (a) => a.materials_handler_id }),
    materialsSubmittedAt: t.expose('materials_submitted_at', { type: 'DateTime', nullable: true }),
    materialsReviewReason: t.exposeString('materials_review_reason', { nullable: true }),
    materialsReviewedAt: t.expose('materials_reviewed_at', { type: 'DateTime', nullable: true }),
    materials: t.loadableGroup({
      type: MaterialRef,
      load: (ids: string[], ctx) => materialsOf(ctx, ids),
      group: (m) => (m as ApplicationMaterial).application_id,
      resolve: (a) => a.id,
    }),
    emails: t.loadableGroup({
      type: OutboxEmailRef,
      description: 'Emails written about this application (the payment request on approval).',
      load: (ids: string[], ctx) => outboxEmailsAbout(ctx, ids),
      group: (e) => (e as OutboxEmail).subject_id!,
      resolve: (a) => a.id,
    }),
    tenant: t.field({ type: TenantRef, resolve: (a) => a.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const ScenarioInput = builder.inputType('CallScenarioInput', {
  fields: (t) => ({ scenario: t.string(), script: t.string() }),
});

const ApplicationInputType = builder.inputType('NumberApplicationInput', {
  fields: (t) => ({
    purpose: t.field({ type: PurposeEnum }),
    scenarios: t.field({ type: [ScenarioInput], description: 'At least one (scenario, script) pair.' }),
    quantity: t.int({ required: false, defaultValue: 1 }),
    type: t.field({ type: NumberTypeEnum }),
    tier: t.field({ type: TollFreeTierEnum, required: false, description: 'Required for TOLL_FREE_400.' }),
    province: t.string(),
    city: t.string(),
    contactName: t.string(),
    contactMobile: t.string(),
    contactEmail: t.string({ description: 'Gets the payment request when the application is approved.' }),
    qualificationId: t.globalID({ description: 'An APPROVED qualification of the tenant: STANDARD, or TOLL_FREE_400 for 400 numbers (Q2).' }),
    instanceId: t.globalID({ required: false, description: 'The target call-center instance: RUNNING, of the tenant.' }),
    callType: t.field({
      type: CallTypeEnum,
      required: false,
      description: 'Default INBOUND_OUTBOUND (400: INBOUND_ONLY). INBOUND_ONLY local/mobile numbers are applied for only where the region has no stock.',
    }),
  }),
});

builder.queryFields((t) => ({
  numberApplications: t.connection({
    type: NumberApplicationRef,
    description: 'Number applications visible to the key (own tenant; OPERATOR: all), newest first.',
    authScopes: { authenticated: true },
    args: {
      status: t.arg({ type: StatusEnum, required: false }),
      numberStatus: t.arg({ type: NumberStatusEnum, required: false }),
      from: t.arg({ type: 'DateTime', required: false, description: 'Applied at or after.' }),
      to: t.arg({ type: 'DateTime', required: false, description: 'Applied before.' }),
      instanceId: t.arg.globalID({ required: false, description: 'Only applications for this instance.' }),
    },
    resolve: (_r, args, ctx) =>
      keysetConnection(
        args,
        applicationsQuery(ctx, { ...args, instanceId: instanceIdArg(args.instanceId, 'instanceId') }),
        'number_applications',
      ),
  }),
  numberApplication: t.field({
    type: NumberApplicationRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: NumberApplicationRef }) },
    resolve: (_r, args, ctx) => findApplication(ctx, args.id.id),
  }),
}));

const ApplicationStatusCountRef = builder.objectRef<ApplicationStatusCount>('ApplicationStatusCount').implement({
  description: 'N3: how many applications the key may see are at one status.',
  fields: (t) => ({
    status: t.field({ type: StatusEnum, resolve: (c) => c.status }),
    count: t.exposeInt('count'),
  }),
});

builder.queryField('applicationCounts', (t) =>
  t.field({
    type: [ApplicationStatusCountRef],
    description: 'N3: the applications visible to the key (own tenant; OPERATOR: all) per status, every status present, in pipeline order.',
    authScopes: { authenticated: true },
    resolve: (_r, _args, ctx) => applicationCounts(ctx),
  }),
);

builder.mutationFields((t) => ({
  applyForNumbers: t.field({
    type: NumberApplicationRef,
    description: 'N3: files an application; a 400 application must be followed by submitHandlerMaterials within 7 days (N6).',
    args: { input: t.arg({ type: ApplicationInputType }) },
    resolve: (_r, { input }, ctx) =>
      applyForNumbers(ctx, {
        ...input,
        qualificationId: input.qualificationId.id,
        instanceId: instanceIdArg(input.instanceId, 'input.instanceId'),
      }),
  }),
  reviewNumberApplication: t.field({
    type: NumberApplicationRef,
    description: 'N3 (OPERATOR): APPROVE queues the allocation of numbers and the order; REJECT needs a reason.',
    args: {
      id: t.arg.globalID({ for: NumberApplicationRef }),
      decision: t.arg({ type: DecisionEnum }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => reviewNumberApplication(ctx, args.id.id, args.decision, args.reason),
  }),
  retryNumberAllocation: t.field({
    type: NumberApplicationRef,
    description: 'N3 (OPERATOR): allocates numbers again for an APPROVED application that found no stock (after importing numbers).',
    args: { id: t.arg.globalID({ for: NumberApplicationRef }) },
    resolve: (_r, args, ctx) => retryNumberAllocation(ctx, args.id.id),
  }),
}));

const StatusChange = builder.objectRef<StoredEvent>('ApplicationStatusChange').implement({
  description: 'One change of a number application: both status columns, before and after.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    application: t.field({ type: NumberApplicationRef, resolve: (e) => e.subjectId }),
    ticketNo: t.string({ resolve: (e) => e.payload.ticketNo as string }),
    status: t.field({ type: StatusEnum, resolve: (e) => e.payload.status as ApplicationStatus }),
    previousStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as ApplicationStatus | null) ?? null }),
    numberStatus: t.field({ type: NumberStatusEnum, resolve: (e) => e.payload.numberStatus as ApplicationNumberStatus }),
    previousNumberStatus: t.field({
      type: NumberStatusEnum,
      nullable: true,
      resolve: (e) => (e.payload.previousNumberStatus as ApplicationNumberStatus | null) ?? null,
    }),
    materialsStatus: t.field({ type: MaterialsStatusEnum, resolve: (e) => e.payload.materialsStatus as MaterialsStatus }),
    reason: t.string({ nullable: true, resolve: (e) => (e.payload.reason as string | null) ?? null }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('applicationStatusChanged', {
  type: StatusChange,
  eventType: 'APPLICATION_STATUS_CHANGED',
  description: 'Status changes of number applications (own tenant; OPERATOR: all), replayed after `after`, then live.',
  afterDescription: 'The cursor of the last change received.',
});
