import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CallType, NumberType, TollFreeTier } from '../numbers/numbers.table.js';
import type { DocumentType } from '../qualifications/qualifications.table.js';

export const APPLICATION_PURPOSES = ['MARKETING', 'NON_MARKETING'] as const;
export type ApplicationPurpose = (typeof APPLICATION_PURPOSES)[number];

/**
 * N3 application status. CLOSED is ours (N6): a 400 application whose handler materials did not
 * come within 7 days; its numbers went back to stock.
 */
export const APPLICATION_STATUSES = ['PENDING_REVIEW', 'REJECTED', 'APPROVED', 'PENDING_PAYMENT', 'COMPLETED', 'CLOSED'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** N3 number status; RELEASED is ours: the held numbers went back to stock when the application closed. */
export const APPLICATION_NUMBER_STATUSES = [
  'PENDING_REVIEW',
  'REJECTED',
  'APPROVED',
  'ALLOCATING',
  'DELIVERED',
  'TAKING_EFFECT',
  'ACTIVE',
  'RELEASED',
] as const;
export type ApplicationNumberStatus = (typeof APPLICATION_NUMBER_STATUSES)[number];

/** N6: handler materials of a 400 application; other applications need none. */
export const MATERIALS_STATUSES = ['NOT_REQUIRED', 'PENDING', 'SUBMITTED', 'APPROVED', 'REJECTED'] as const;
export type MaterialsStatus = (typeof MATERIALS_STATUSES)[number];

export interface CallScenario {
  scenario: string;
  script: string;
}

export interface NumberApplicationsTable {
  id: Generated<string>;
  tenant_id: string;
  /** Human-readable and unique: AP + yyyymmdd (tenant's calendar) + sequence. */
  ticket_no: string;
  purpose: ApplicationPurpose;
  scenarios: ColumnType<CallScenario[], string, string>;
  quantity: number;
  number_type: NumberType;
  tier: TollFreeTier | null;
  province: string;
  city: string;
  call_type: CallType;
  contact_name: string;
  contact_mobile: string;
  contact_email: string;
  qualification_id: string;
  instance_id: string | null;
  status: ApplicationStatus;
  number_status: ApplicationNumberStatus;
  /** The reviewer's reason (kept as review info when REJECTED). */
  review_reason: string | null;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  /** Why the application stands where it does (no stock, closed for missing materials). */
  status_reason: string | null;
  order_id: string | null;
  /** Whole seconds. */
  applied_at: Date;
  paid_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  materials_status: MaterialsStatus;
  materials_due_at: Date | null;
  materials_handler_id: string | null;
  materials_submitted_at: Date | null;
  materials_review_reason: string | null;
  materials_reviewed_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface ApplicationMaterialsTable {
  application_id: string;
  document_id: string;
  tenant_id: string;
  document_type: DocumentType;
  created_at: ColumnType<Date, Date, never>;
}

export interface ApplicationTables {
  number_applications: NumberApplicationsTable;
  application_materials: ApplicationMaterialsTable;
}

export type NumberApplication = Selectable<NumberApplicationsTable>;
export type ApplicationMaterial = Selectable<ApplicationMaterialsTable>;
