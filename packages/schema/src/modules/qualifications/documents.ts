// Q4: qualification documents: limits, content sniffing, storage and reads.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { findScoped, lockScoped, requireActor, requireTenantAdmin, scopedFrom, validIds } from '../../access/scope.js';
import { DOCUMENT_TYPES, type DocumentType, type Qualification, type QualificationDocument } from './qualifications.table.js';

/** Who files qualifications, their documents and handlers. */
export const TENANT_ADMIN_FILES = 'only a TENANT_ADMIN key files qualifications and handlers';

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


export async function documentsOf(ctx: ServiceContext, qualificationIds: readonly string[]): Promise<DocumentInfo[]> {
  const ids = validIds(qualificationIds);
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
  const valid = validIds(ids);
  if (!valid.length) return [];
  return scopedFrom(ctx, 'qualification_documents').select(DOCUMENT_COLUMNS).where('qualification_documents.id', 'in', valid).execute();
}

/** A document with its bytes, for download; another tenant's is NOT_FOUND like a missing one. */
export async function documentForDownload(ctx: ServiceContext, id: string): Promise<QualificationDocument> {
  const doc = await findScoped(ctx, 'qualification_documents', id);
  if (!doc) throw new NotFoundError('document', 'id');
  return doc;
}

/** Q4: adds a document to one of the tenant's qualifications (in any status: 400 materials follow approval, N6). */
export async function uploadQualificationDocument(
  ctx: ServiceContext,
  qualificationId: string,
  upload: DocumentUploadInput,
): Promise<DocumentInfo> {
  requireTenantAdmin(ctx.actor, TENANT_ADMIN_FILES);
  return inTransaction(ctx, async (tx) => {
    const q = await lockScoped(tx, ctx.actor, 'qualifications', qualificationId, 'qualification', 'qualificationId');
    return insertDocument(tx, q, await checkDocument(ctx, upload, 'file'));
  });
}
