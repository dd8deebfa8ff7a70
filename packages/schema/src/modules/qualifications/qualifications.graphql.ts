import { builder } from '../../graphql/builder.js';
import { mayReadField } from '../../access/policy.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { calendarDate } from '../../shared/calendar.js';
import {
  documentsById,
  documentsOf,
  findHandler,
  findQualification,
  handlersOf,
  qualificationsQuery,
  resubmitQualification,
  REVIEW_DECISIONS,
  reviewQualification,
  saveHandler,
  submitQualification,
  uploadQualificationDocument,
  type DocumentInfo,
  type QualificationInput,
} from './qualifications.service.js';
import {
  DOCUMENT_TYPES,
  QUALIFICATION_KINDS,
  QUALIFICATION_STATUSES,
  type Handler,
  type Qualification,
  type QualificationStatus,
} from './qualifications.table.js';

const KindEnum = builder.enumType('QualificationKind', { values: QUALIFICATION_KINDS });
const StatusEnum = builder.enumType('QualificationStatus', { values: QUALIFICATION_STATUSES });
export const DocumentTypeEnum = builder.enumType('DocumentType', { values: DOCUMENT_TYPES });
export const DecisionEnum = builder.enumType('ReviewDecision', { values: REVIEW_DECISIONS });

export const HandlerRef = builder.loadableNode('Handler', {
  description: 'A saved handler profile (Q3): the person who files for the enterprise.',
  id: { resolve: (h: Handler) => h.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'handlers', ids),
  sort: (h) => h.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    idNumber: t.string({
      nullable: true,
      description: 'The national ID number: only TENANT_ADMIN and OPERATOR keys read it (FIELD_POLICY); null for the others.',
      resolve: (h, _a, ctx) => (mayReadField('Handler.idNumber', ctx.actor?.role) ? h.id_number : null),
    }),
    mobile: t.exposeString('mobile'),
    email: t.exposeString('email'),
  }),
});

export const QualificationDocumentRef = builder.loadableNode('QualificationDocument', {
  description: 'An uploaded document (Q4). The bytes download from `downloadUrl` with the same key.',
  id: { resolve: (d: DocumentInfo) => d.id },
  load: (ids: string[], ctx) => documentsById(ctx, ids),
  sort: (d) => d.id,
  fields: (t) => ({
    documentType: t.field({ type: DocumentTypeEnum, resolve: (d) => d.document_type }),
    fileName: t.exposeString('file_name'),
    contentType: t.exposeString('content_type'),
    sizeBytes: t.exposeInt('size_bytes'),
    sha256: t.exposeString('sha256', { description: 'Hex SHA-256 of the stored bytes.' }),
    downloadUrl: t.string({ resolve: (d) => `/documents/${d.id}` }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const QualificationRef = builder.loadableNode('Qualification', {
  description: 'An enterprise qualification (Q1) and its review.',
  id: { resolve: (q: Qualification) => q.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'qualifications', ids),
  sort: (q) => q.id,
  fields: (t) => ({
    kind: t.field({ type: KindEnum, resolve: (q) => q.kind }),
    status: t.field({ type: StatusEnum, resolve: (q) => q.status }),
    companyName: t.exposeString('company_name'),
    creditCode: t.exposeString('credit_code'),
    legalRepresentative: t.exposeString('legal_representative'),
    licenceValidUntil: t.field({
      type: 'Date',
      description: 'For an indefinite licence: the submission date + 10 years.',
      resolve: (q) => calendarDate(q.licence_valid_until as string | Date),
    }),
    licenceIndefinite: t.exposeBoolean('licence_indefinite'),
    contactName: t.exposeString('contact_name'),
    contactMobile: t.exposeString('contact_mobile', { description: 'E.164.' }),
    contactEmail: t.exposeString('contact_email', { nullable: true }),
    handler: t.field({ type: HandlerRef, nullable: true, resolve: (q) => q.handler_id }),
    reviewReason: t.exposeString('review_reason', { nullable: true }),
    reviewedAt: t.expose('reviewed_at', { type: 'DateTime', nullable: true }),
    submittedAt: t.expose('submitted_at', { type: 'DateTime' }),
    revision: t.exposeInt('revision', { description: 'Starts at 1; each resubmission after a rejection adds 1.' }),
    tenant: t.field({ type: TenantRef, resolve: (q) => q.tenant_id }),
    documents: t.loadableGroup({
      type: QualificationDocumentRef,
      load: (ids: string[], ctx) => documentsOf(ctx, ids),
      group: (d) => (d as DocumentInfo).qualification_id,
      resolve: (q) => q.id,
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

const DocumentUpload = builder.inputType('DocumentUpload', {
  fields: (t) => ({
    documentType: t.field({ type: DocumentTypeEnum }),
    file: t.field({ type: 'Upload' }),
  }),
});

const QualificationInputType = builder.inputType('QualificationInput', {
  fields: (t) => ({
    kind: t.field({ type: KindEnum }),
    companyName: t.string(),
    creditCode: t.string({ description: 'Unified social credit code: 18 characters, check character per GB 32100-2015.' }),
    legalRepresentative: t.string(),
    licenceValidUntil: t.field({ type: 'Date', required: false, description: 'Required unless licenceIndefinite.' }),
    licenceIndefinite: t.boolean({ required: false, defaultValue: false }),
    contactName: t.string(),
    contactMobile: t.string(),
    contactEmail: t.string({ required: false }),
    handlerName: t.string({ required: false, description: 'A saved handler of the tenant (Q3).' }),
    documents: t.field({ type: [DocumentUpload], required: false }),
  }),
});

builder.queryFields((t) => ({
  qualifications: t.connection({
    type: QualificationRef,
    description: 'Qualifications visible to the key, newest first.',
    authScopes: { authenticated: true },
    args: {
      status: t.arg({ type: StatusEnum, required: false }),
      kind: t.arg({ type: KindEnum, required: false }),
    },
    resolve: (_r, args, ctx) => keysetConnection(args, qualificationsQuery(ctx, args), 'qualifications'),
  }, { name: 'QualificationConnection' }, { name: 'QualificationEdge' }),
  qualification: t.field({
    type: QualificationRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: QualificationRef }) },
    resolve: (_r, args, ctx) => findQualification(ctx, args.id.id),
  }),
  handlers: t.field({
    type: [HandlerRef],
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => handlersOf(ctx),
  }),
  handler: t.field({
    type: HandlerRef,
    nullable: true,
    description: 'A saved handler by name (Q3), to fill a form in.',
    authScopes: { authenticated: true },
    args: { name: t.arg.string() },
    resolve: (_r, args, ctx) => findHandler(ctx, args.name),
  }),
}));

type InputArg = typeof QualificationInputType.$inferInput;
const toInput = (i: InputArg): QualificationInput => ({ ...i, documents: i.documents ?? null });

builder.mutationFields((t) => ({
  submitQualification: t.field({
    type: QualificationRef,
    args: { input: t.arg({ type: QualificationInputType }) },
    resolve: (_r, args, ctx) => submitQualification(ctx, toInput(args.input)),
  }),
  resubmitQualification: t.field({
    type: QualificationRef,
    description: 'Only when REJECTED; starts a new review.',
    args: { id: t.arg.globalID({ for: QualificationRef }), input: t.arg({ type: QualificationInputType }) },
    resolve: (_r, args, ctx) => resubmitQualification(ctx, args.id.id, toInput(args.input)),
  }),
  reviewQualification: t.field({
    type: QualificationRef,
    description: 'OPERATOR only; REJECT needs a reason.',
    args: {
      id: t.arg.globalID({ for: QualificationRef }),
      decision: t.arg({ type: DecisionEnum }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => reviewQualification(ctx, args.id.id, args.decision, args.reason),
  }),
  uploadQualificationDocument: t.field({
    type: QualificationDocumentRef,
    args: {
      qualificationId: t.arg.globalID({ for: QualificationRef }),
      documentType: t.arg({ type: DocumentTypeEnum }),
      file: t.arg({ type: 'Upload' }),
    },
    resolve: (_r, args, ctx) => uploadQualificationDocument(ctx, args.qualificationId.id, { documentType: args.documentType, file: args.file }),
  }),
  saveHandler: t.field({
    type: HandlerRef,
    description: 'Saves a handler profile; an existing name is updated.',
    args: { name: t.arg.string(), idNumber: t.arg.string(), mobile: t.arg.string(), email: t.arg.string() },
    resolve: (_r, args, ctx) => saveHandler(ctx, args),
  }),
}));

const StatusChange = builder.objectRef<StoredEvent>('QualificationStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    qualification: t.field({ type: QualificationRef, resolve: (e) => e.subjectId }),
    status: t.field({ type: StatusEnum, resolve: (e) => e.payload.status as QualificationStatus }),
    previousStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as QualificationStatus | null) ?? null }),
    reason: t.string({ nullable: true, resolve: (e) => (e.payload.reason as string | null) ?? null }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('qualificationStatusChanged', {
  type: StatusChange,
  eventType: 'QUALIFICATION_STATUS_CHANGED',
  description: 'Status changes of the qualifications the key may see (own tenant; OPERATOR: all), replayed after `after`, then live.',
  afterDescription: 'The cursor of the last change received.',
});
