import type { ColumnType, Generated, Selectable } from 'kysely';

export const QUALIFICATION_KINDS = ['STANDARD', 'TOLL_FREE_400'] as const;
export type QualificationKind = (typeof QUALIFICATION_KINDS)[number];
export const QUALIFICATION_STATUSES = ['PENDING_REVIEW', 'APPROVED', 'REJECTED'] as const;
export type QualificationStatus = (typeof QUALIFICATION_STATUSES)[number];
export const DOCUMENT_TYPES = [
  'AUTHORIZATION_LETTER',
  'BUSINESS_ACCEPTANCE_FORM',
  'SECURITY_SERVICE_AGREEMENT',
  'INFORMATION_SECURITY_COMMITMENT',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export interface QualificationsTable {
  id: Generated<string>;
  tenant_id: string;
  kind: QualificationKind;
  status: QualificationStatus;
  company_name: string;
  credit_code: string;
  legal_representative: string;
  /** Q1: "indefinite" is stored as submission date + 10 years, with the flag kept. */
  licence_valid_until: ColumnType<string, string, string>;
  licence_indefinite: boolean;
  contact_name: string;
  contact_mobile: string;
  contact_email: string | null;
  handler_id: string | null;
  review_reason: string | null;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  /** How many times it was submitted; resubmission after rejection increments it. */
  revision: Generated<number>;
  submitted_at: Date;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface HandlersTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  id_number: string;
  mobile: string;
  email: string;
  created_at: ColumnType<Date, Date, never>;
}

export interface QualificationDocumentsTable {
  id: Generated<string>;
  tenant_id: string;
  qualification_id: string;
  document_type: DocumentType;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  created_at: ColumnType<Date, Date, never>;
}

export interface QualificationTables {
  qualifications: QualificationsTable;
  handlers: HandlersTable;
  qualification_documents: QualificationDocumentsTable;
}

export type Qualification = Selectable<QualificationsTable>;
export type Handler = Selectable<HandlersTable>;
export type QualificationDocument = Selectable<QualificationDocumentsTable>;
