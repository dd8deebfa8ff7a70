import type { Kysely } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { characterCount } from '../../shared/text.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../errors.js';
import { findScoped, lockScoped, requireOperator, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import type { Actor } from '../../access/actor.js';
import { addYears, dateInZone, parseCalendarDate } from '../../shared/calendar.js';
import { parseCreditCode } from './credit-code.js';
import { checkDocument, insertDocument, TENANT_ADMIN_FILES, type DocumentUploadInput } from './documents.js';
import { findHandler } from './handlers.js';
import { parseEmail, parseMobile, requiredText } from '../../shared/input-fields.js';
import type { Qualification, QualificationKind, QualificationStatus } from './qualifications.table.js';

// The module's entry: other modules import the qualification rules from here.
export * from './credit-code.js';
export * from './documents.js';
export * from './handlers.js';

/** Q1: an indefinite licence is filed as valid for ten years from the submission date. */
export const INDEFINITE_LICENCE_YEARS = 10;

// ---------------------------------------------------------------------------------------------
// Q1: submit, resubmit, review

export interface QualificationInput {
  kind: QualificationKind;
  companyName: string;
  creditCode: string;
  legalRepresentative: string;
  licenceValidUntil?: string | null;
  licenceIndefinite?: boolean | null;
  contactName: string;
  contactMobile: string;
  contactEmail?: string | null;
  /** Q3: a saved handler of the tenant, by name. */
  handlerName?: string | null;
  documents?: DocumentUploadInput[] | null;
}

/** Validates the input against the tenant's calendar; returns the columns a submission writes. */
async function qualificationColumns(ctx: ServiceContext, tx: Tx, tenantId: string, input: QualificationInput) {
  const columns = {
    kind: input.kind,
    company_name: requiredText(input.companyName, 'input.companyName', 'the company name'),
    credit_code: parseCreditCode(input.creditCode),
    legal_representative: requiredText(input.legalRepresentative, 'input.legalRepresentative', 'the legal representative'),
    contact_name: requiredText(input.contactName, 'input.contactName', 'the contact name'),
    contact_mobile: parseMobile(input.contactMobile, 'input.contactMobile'),
    contact_email: input.contactEmail == null || input.contactEmail.trim() === '' ? null : parseEmail(input.contactEmail, 'input.contactEmail'),
  };
  const tenant = await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', tenantId).executeTakeFirstOrThrow();
  const today = dateInZone(tx.now, tenant.time_zone);
  const indefinite = input.licenceIndefinite === true;
  let validUntil: string;
  if (indefinite) {
    // An explicit date next to "indefinite" is ignored: the rule fixes the date (Q1).
    validUntil = addYears(today, INDEFINITE_LICENCE_YEARS);
  } else {
    if (!input.licenceValidUntil)
      throw new ValidationError('input.licenceValidUntil', 'give the date the business licence is valid until, or mark it indefinite');
    validUntil = parseCalendarDate(input.licenceValidUntil, 'input.licenceValidUntil');
    if (validUntil <= today) throw new ValidationError('input.licenceValidUntil', `the business licence has expired: ${validUntil} is not after today (${today})`);
  }
  let handlerId: string | null = null;
  const handlerName = input.handlerName?.trim();
  if (handlerName) {
    const handler = await findHandler({ ...ctx, db: tx.trx }, handlerName);
    if (!handler) throw new NotFoundError(`saved handler '${handlerName}'`, 'input.handlerName');
    handlerId = handler.id;
  }
  return { ...columns, licence_valid_until: validUntil, licence_indefinite: indefinite, handler_id: handlerId };
}

async function addDocuments(ctx: ServiceContext, tx: Tx, q: Qualification, docs: DocumentUploadInput[] | null | undefined) {
  for (const [i, upload] of (docs ?? []).entries())
    await insertDocument(tx, q, await checkDocument(ctx, upload, `input.documents.${i}.file`));
}

async function emitStatusChange(tx: Tx, q: Qualification, previousStatus: QualificationStatus | null, reason: string | null) {
  await tx.emit({
    type: 'QUALIFICATION_STATUS_CHANGED',
    tenantId: q.tenant_id,
    subjectId: q.id,
    payload: { status: q.status, previousStatus, reason, kind: q.kind },
  });
}

/** Q1: a tenant files a qualification (with its documents, Q4) for review; all or nothing. */
export async function submitQualification(ctx: ServiceContext, input: QualificationInput): Promise<Qualification> {
  const tenantId = requireTenantAdmin(ctx.actor, TENANT_ADMIN_FILES);
  return inTransaction(ctx, async (tx) => {
    const columns = await qualificationColumns(ctx, tx, tenantId, input);
    const q = await tx.trx
      .insertInto('qualifications')
      .values({
        ...columns,
        tenant_id: tenantId,
        status: 'PENDING_REVIEW',
        revision: 1,
        submitted_at: tx.now,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await addDocuments(ctx, tx, q, input.documents);
    await emitStatusChange(tx, q, null, null);
    return q;
  });
}

/** Locks a visible qualification for a status change, or says it does not exist. */
const lockQualification = (ctx: ServiceContext, tx: Tx, id: string) => lockScoped(tx, ctx.actor, 'qualifications', id, 'qualification', 'id');

/** Q1: a rejected qualification, corrected, starts a new review (revision + 1). */
export async function resubmitQualification(ctx: ServiceContext, id: string, input: QualificationInput): Promise<Qualification> {
  const tenantId = requireTenantAdmin(ctx.actor, TENANT_ADMIN_FILES);
  return inTransaction(ctx, async (tx) => {
    const current = await lockQualification(ctx, tx, id);
    if (current.status !== 'REJECTED')
      throw new ConflictError('INVALID_STATUS', `only a REJECTED qualification can be resubmitted; this one is ${current.status}`, 'id');
    const columns = await qualificationColumns(ctx, tx, tenantId, input);
    const q = await tx.trx
      .updateTable('qualifications')
      .set({
        ...columns,
        status: 'PENDING_REVIEW',
        revision: current.revision + 1,
        review_reason: null,
        reviewed_at: null,
        reviewed_by: null,
        submitted_at: tx.now,
        updated_at: tx.now,
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await addDocuments(ctx, tx, q, input.documents);
    await emitStatusChange(tx, q, current.status, null);
    return q;
  });
}

export const REVIEW_DECISIONS = ['APPROVE', 'REJECT'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** A review's reason: required to reject (the tenant acts on it), at most 2000 characters. */
export function reviewReason(decision: ReviewDecision, reason: string | null | undefined): string | null {
  const note = reason?.trim() || null;
  if (decision === 'REJECT' && !note) throw new ValidationError('reason', 'a rejection needs a reason the tenant can act on');
  if (note && characterCount(note) > 2000) throw new ValidationError('reason', 'the reason has at most 2000 characters');
  return note;
}

/** Q1: an OPERATOR approves or rejects (with a reason) a qualification pending review. */
export async function reviewQualification(
  ctx: ServiceContext,
  id: string,
  decision: ReviewDecision,
  reason?: string | null,
): Promise<Qualification> {
  requireOperator(ctx.actor, 'reviews qualifications');
  const note = reviewReason(decision, reason);
  return inTransaction(ctx, async (tx) => {
    const current = await lockQualification(ctx, tx, id);
    if (current.status !== 'PENDING_REVIEW')
      throw new ConflictError('INVALID_STATUS', `only a qualification PENDING_REVIEW can be reviewed; this one is ${current.status}`, 'id');
    const q = await tx.trx
      .updateTable('qualifications')
      .set({
        status: decision === 'APPROVE' ? 'APPROVED' : 'REJECTED',
        review_reason: note,
        reviewed_at: tx.now,
        reviewed_by: ctx.actor!.userId,
        updated_at: tx.now,
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitStatusChange(tx, q, current.status, note);
    return q;
  });
}

// ---------------------------------------------------------------------------------------------
// Q2: the gate the numbers module calls

/**
 * Q2: buying or applying for numbers needs an APPROVED qualification of the right kind, owned by
 * the acting tenant. Pass the transaction's db (`{ db: tx.trx, actor }`) to read inside it.
 * `tenantId` narrows an OPERATOR's view to the tenant it acts for.
 */
export async function requireApprovedQualification(
  ctx: { db: Kysely<Database>; actor: Actor | null },
  qualificationId: string,
  kind: QualificationKind,
  tenantId?: string,
): Promise<Qualification> {
  const q = await findScoped(ctx, 'qualifications', qualificationId);
  if (!q || (tenantId && q.tenant_id !== tenantId)) throw new NotFoundError('qualification', 'qualificationId');
  if (q.status !== 'APPROVED')
    throw new DomainError('QUALIFICATION_NOT_APPROVED', `the qualification of ${q.company_name} is ${q.status}, not APPROVED`, 'qualificationId');
  if (q.kind !== kind)
    throw new DomainError('QUALIFICATION_WRONG_KIND', `this needs a ${kind} qualification; the one given is ${q.kind}`, 'qualificationId');
  return q;
}

// ---------------------------------------------------------------------------------------------
// Reads (all through scopedFrom: tenant isolation in one place)

export function qualificationsQuery(ctx: ServiceContext, filter: { status?: QualificationStatus | null; kind?: QualificationKind | null } = {}) {
  let q = scopedFrom(ctx, 'qualifications').selectAll();
  if (filter.status) q = q.where('qualifications.status', '=', filter.status);
  if (filter.kind) q = q.where('qualifications.kind', '=', filter.kind);
  return q;
}

export async function findQualification(ctx: ServiceContext, id: string): Promise<Qualification | null> {
  return (await findScoped(ctx, 'qualifications', id)) ?? null;
}
