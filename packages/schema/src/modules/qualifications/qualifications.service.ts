import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { actingTenant, requireActor, scopedFrom } from '../../access/scope.js';
import type { Actor } from '../../access/actor.js';
import { UUID } from '../../graphql/loaders.js';
import {
  DOCUMENT_TYPES,
  type DocumentType,
  type Handler,
  type Qualification,
  type QualificationDocument,
  type QualificationKind,
  type QualificationStatus,
} from './qualifications.table.js';

// ---------------------------------------------------------------------------------------------
// Q1: unified social credit code (GB 32100-2015)

/** The code's 31 characters: digits and capitals without I, O, S, V, Z; a character's value is its index. */
const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character (18th) for the first 17 characters of a credit code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('expected the first 17 characters of a credit code');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`'${first17[i]}' is not a credit code character`);
    sum += value * CREDIT_CODE_WEIGHTS[i]!;
  }
  const check = 31 - (sum % 31);
  return CREDIT_CODE_ALPHABET[check === 31 ? 0 : check]!;
}

/** Normalises (spaces removed, upper case) and validates a code; the error says what is wrong. */
export function parseCreditCode(raw: string, field = 'input.creditCode'): string {
  const code = raw.replace(/\s+/g, '').toUpperCase();
  if (code.length !== 18)
    throw new ValidationError(field, `the unified social credit code has 18 characters; this one has ${code.length}`);
  const bad = [...code].find((c) => !CREDIT_CODE_ALPHABET.includes(c));
  if (bad)
    throw new ValidationError(field, `the unified social credit code cannot contain '${bad}' (only digits and capitals other than I, O, S, V, Z)`);
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected)
    throw new ValidationError(
      field,
      `the unified social credit code's check character is wrong (GB 32100-2015): it ends in '${code[17]}', expected '${expected}'; check the code for a typo`,
    );
  return code;
}

// ---------------------------------------------------------------------------------------------
// Field validation shared by qualifications and handlers

const emailSchema = z.email();

function requiredText(value: string | null | undefined, field: string, label: string, max = 200): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, `${label} must not be empty`);
  if (v.length > max) throw new ValidationError(field, `${label} has at most ${max} characters`);
  return v;
}

/** A mobile number (China by default; international numbers with +), stored in E.164. */
export function parseMobile(raw: string, field: string): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'CN');
  const type = parsed?.isValid() ? parsed.getType() : undefined;
  if (!parsed || !type) throw new ValidationError(field, `'${raw}' is not a valid phone number`);
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') throw new ValidationError(field, `'${raw}' is not a mobile number`);
  return parsed.number;
}

export function parseEmail(raw: string, field: string): string {
  const v = raw.trim();
  if (!emailSchema.safeParse(v).success) throw new ValidationError(field, `'${raw}' is not a valid email address`);
  return v;
}

/** A mainland resident ID (GB 11643-1999) has its check digit verified; other documents (passports, permits) only their length. */
export function parseIdNumber(raw: string, field: string): string {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (!v) throw new ValidationError(field, 'the ID number must not be empty');
  if (v.length > 32) throw new ValidationError(field, 'the ID number has at most 32 characters');
  if (/^\d{17}[\dX]$/.test(v)) {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = weights.reduce((s, w, i) => s + w * Number(v[i]), 0);
    const expected = '10X98765432'[sum % 11]!;
    if (v[17] !== expected) throw new ValidationError(field, `the resident ID number's check digit is wrong: expected '${expected}'`);
  }
  return v;
}

/** YYYY-MM-DD of a real calendar day. */
function parseCalendarDate(raw: string, field: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : null;
  if (!d || d.toISOString().slice(0, 10) !== raw) throw new ValidationError(field, `'${raw}' is not a date (YYYY-MM-DD)`);
  return raw;
}

/** The calendar date of an instant in a time zone, YYYY-MM-DD. */
export function dateInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A date column as YYYY-MM-DD, whether the driver returned a string or a local-midnight Date. */
export function calendarDate(v: string | Date): string {
  if (typeof v === 'string') return v.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
}

/** The same day `years` later; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** Q1: an indefinite licence is filed as valid for ten years from the submission date. */
export const INDEFINITE_LICENCE_YEARS = 10;

// ---------------------------------------------------------------------------------------------
// Q4: documents

export const ALLOWED_DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type AllowedDocumentType = (typeof ALLOWED_DOCUMENT_TYPES)[number];

/** What an uploaded file offers (a web File satisfies it); the service knows nothing of GraphQL. */
export interface UploadedFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface DocumentUploadInput {
  documentType: DocumentType;
  file: UploadedFile;
}

/** The real type of the bytes, from their magic numbers. */
export function sniffContentType(bytes: Uint8Array): AllowedDocumentType | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  // Readers accept the %PDF- header anywhere in the first 1 KB (some generators put bytes before it).
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).includes('%PDF-')) return 'application/pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  return null;
}

const TYPE_BY_EXTENSION: Record<string, AllowedDocumentType> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
};
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

export interface CheckedDocument {
  documentType: DocumentType;
  fileName: string;
  contentType: AllowedDocumentType;
  bytes: Buffer;
  sha256: string;
}

/**
 * Q4: size and type limits. The type is decided by the content: a declared type (or file name
 * extension) that disagrees with the bytes is refused, so a renamed file does not get through.
 */
export async function checkDocument(ctx: Pick<ServiceContext, 'settings'>, upload: DocumentUploadInput, field: string): Promise<CheckedDocument> {
  const { file } = upload;
  const limit = ctx.settings.maxDocumentBytes;
  const tooLarge = (size: number) =>
    new ValidationError(field, `${file.name || 'the file'} is ${formatBytes(size)}; documents may be at most ${formatBytes(limit)}`, 'DOCUMENT_TOO_LARGE');
  if (file.size > limit) throw tooLarge(file.size);
  const bytes = Buffer.from(await file.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(bytes.length);
  if (bytes.length === 0) throw new ValidationError(field, `${file.name || 'the file'} is empty`);

  const notAllowed = (why: string) =>
    new ValidationError(field, `${why}; allowed are PDF, PNG and JPEG (${ALLOWED_DOCUMENT_TYPES.join(', ')})`, 'DOCUMENT_TYPE_NOT_ALLOWED');
  const declared = file.type.split(';')[0]!.trim().toLowerCase().replace('image/jpg', 'image/jpeg');
  if (!GENERIC_TYPES.has(declared) && !(ALLOWED_DOCUMENT_TYPES as readonly string[]).includes(declared))
    throw notAllowed(`${declared} is not an allowed document type`);
  const actual = sniffContentType(bytes);
  if (!actual) throw notAllowed(`the content of ${file.name || 'the file'} is not a PDF, PNG or JPEG file`);
  if (!GENERIC_TYPES.has(declared) && declared !== actual)
    throw notAllowed(`${file.name || 'the file'} is declared as ${declared} but its content is ${actual}`);
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  const byExtension = ext ? TYPE_BY_EXTENSION[ext] : undefined;
  if (ext && byExtension !== actual)
    throw notAllowed(`${file.name} is named .${ext} but its content is ${actual}`);

  const fileName = (file.name || 'document').replace(/[\\/]/g, '_').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) || 'document';
  return { documentType: upload.documentType, fileName, contentType: actual, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${n} bytes`;
}

/** Document columns without the bytes: what lists and GraphQL read. */
export const DOCUMENT_COLUMNS = [
  'qualification_documents.id',
  'qualification_documents.tenant_id',
  'qualification_documents.qualification_id',
  'qualification_documents.document_type',
  'qualification_documents.file_name',
  'qualification_documents.content_type',
  'qualification_documents.size_bytes',
  'qualification_documents.sha256',
  'qualification_documents.created_at',
] as const;
export type DocumentInfo = Omit<QualificationDocument, 'content'>;

export async function insertDocument(tx: Tx, q: Pick<Qualification, 'id' | 'tenant_id'>, doc: CheckedDocument): Promise<DocumentInfo> {
  return tx.trx
    .insertInto('qualification_documents')
    .values({
      tenant_id: q.tenant_id,
      qualification_id: q.id,
      document_type: doc.documentType,
      file_name: doc.fileName,
      content_type: doc.contentType,
      size_bytes: doc.bytes.length,
      sha256: doc.sha256,
      content: doc.bytes,
      created_at: tx.now,
    })
    .returning(DOCUMENT_COLUMNS)
    .executeTakeFirstOrThrow();
}

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

function requireTenantAdmin(actor: Actor | null): string {
  const tenantId = actingTenant(actor);
  if (requireActor(actor).role !== 'TENANT_ADMIN') throw new ForbiddenError('only a TENANT_ADMIN key files qualifications and handlers');
  return tenantId;
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
    const handler = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'handlers')
      .select('handlers.id')
      .where('handlers.name', '=', handlerName)
      .executeTakeFirst();
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
  const tenantId = requireTenantAdmin(ctx.actor);
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
async function lockQualification(ctx: ServiceContext, tx: Tx, id: string, field = 'id'): Promise<Qualification> {
  const q = UUID.test(id)
    ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'qualifications').selectAll().where('qualifications.id', '=', id).forUpdate().executeTakeFirst()
    : undefined;
  if (!q) throw new NotFoundError('qualification', field);
  return q;
}

/** Q1: a rejected qualification, corrected, starts a new review (revision + 1). */
export async function resubmitQualification(ctx: ServiceContext, id: string, input: QualificationInput): Promise<Qualification> {
  const tenantId = requireTenantAdmin(ctx.actor);
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

/** Q1: an OPERATOR approves or rejects (with a reason) a qualification pending review. */
export async function reviewQualification(
  ctx: ServiceContext,
  id: string,
  decision: ReviewDecision,
  reason?: string | null,
): Promise<Qualification> {
  if (requireActor(ctx.actor).role !== 'OPERATOR') throw new ForbiddenError('only an OPERATOR reviews qualifications');
  const note = reason?.trim() || null;
  if (decision === 'REJECT' && !note) throw new ValidationError('reason', 'a rejection needs a reason the tenant can act on');
  if (note && note.length > 2000) throw new ValidationError('reason', 'the reason has at most 2000 characters');
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
  let query = scopedFrom(ctx, 'qualifications').selectAll().where('qualifications.id', '=', qualificationId);
  if (tenantId) query = query.where('qualifications.tenant_id', '=', tenantId);
  const q = UUID.test(qualificationId) ? await query.executeTakeFirst() : undefined;
  if (!q) throw new NotFoundError('qualification', 'qualificationId');
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
  if (!UUID.test(id)) return null;
  return (await scopedFrom(ctx, 'qualifications').selectAll().where('qualifications.id', '=', id).executeTakeFirst()) ?? null;
}

export async function documentsOf(ctx: ServiceContext, qualificationIds: readonly string[]): Promise<DocumentInfo[]> {
  const ids = qualificationIds.filter((id) => UUID.test(id));
  if (!ids.length) return [];
  return scopedFrom(ctx, 'qualification_documents')
    .select(DOCUMENT_COLUMNS)
    .where('qualification_documents.qualification_id', 'in', ids)
    .orderBy('qualification_documents.created_at')
    // documents of one submission share a time: list them in the form's order
    .orderBy(sql`array_position(${sql.val([...DOCUMENT_TYPES])}::text[], qualification_documents.document_type)`)
    .orderBy('qualification_documents.id')
    .execute();
}

export async function documentsById(ctx: ServiceContext, ids: readonly string[]): Promise<DocumentInfo[]> {
  const valid = ids.filter((id) => UUID.test(id));
  if (!valid.length) return [];
  return scopedFrom(ctx, 'qualification_documents').select(DOCUMENT_COLUMNS).where('qualification_documents.id', 'in', valid).execute();
}

/** A document with its bytes, for download; another tenant's is NOT_FOUND like a missing one. */
export async function documentForDownload(ctx: ServiceContext, id: string): Promise<QualificationDocument> {
  const actor = requireActor(ctx.actor);
  if (actor.role === 'PARTNER') throw new ForbiddenError('a PARTNER key cannot read qualification documents');
  const doc = UUID.test(id)
    ? await scopedFrom(ctx, 'qualification_documents').selectAll().where('qualification_documents.id', '=', id).executeTakeFirst()
    : undefined;
  if (!doc) throw new NotFoundError('document', 'id');
  return doc;
}

/** Q4: adds a document to one of the tenant's qualifications (in any status: 400 materials follow approval, N6). */
export async function uploadQualificationDocument(
  ctx: ServiceContext,
  qualificationId: string,
  upload: DocumentUploadInput,
): Promise<DocumentInfo> {
  requireTenantAdmin(ctx.actor);
  return inTransaction(ctx, async (tx) => {
    const q = await lockQualification(ctx, tx, qualificationId, 'qualificationId');
    return insertDocument(tx, q, await checkDocument(ctx, upload, 'file'));
  });
}

// ---------------------------------------------------------------------------------------------
// Q3: handlers

export interface HandlerInput {
  name: string;
  idNumber: string;
  mobile: string;
  email: string;
}

/** Q3: saves a handler profile; saving under an existing name updates that profile. */
export async function saveHandler(ctx: ServiceContext, input: HandlerInput): Promise<Handler> {
  const tenantId = requireTenantAdmin(ctx.actor);
  const values = {
    name: requiredText(input.name, 'name', 'the handler name', 100),
    id_number: parseIdNumber(input.idNumber, 'idNumber'),
    mobile: parseMobile(input.mobile, 'mobile'),
    email: parseEmail(input.email, 'email'),
  };
  return ctx.db
    .insertInto('handlers')
    .values({ ...values, tenant_id: tenantId, created_at: ctx.clock.now() })
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ id_number: values.id_number, mobile: values.mobile, email: values.email }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function handlersOf(ctx: ServiceContext): Promise<Handler[]> {
  return scopedFrom(ctx, 'handlers').selectAll().orderBy('handlers.name').orderBy('handlers.id').execute();
}

/** Q3: a saved handler by name (an OPERATOR, seeing every tenant, gets the oldest of that name). */
export async function findHandler(ctx: ServiceContext, name: string): Promise<Handler | null> {
  const row = await scopedFrom(ctx, 'handlers')
    .selectAll()
    .where('handlers.name', '=', name.trim())
    .orderBy('handlers.created_at')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}
