// Number applications: status columns, their events and locks, shared by every step.
import type { ServiceContext } from '../../context.js';
import { lockRow, type Tx } from '../../db/transaction.js';
import { ValidationError } from '../../errors.js';
import { lockScoped, UUID } from '../../access/scope.js';
import { REVIEW_DECISIONS, reviewReason, type ReviewDecision } from '../qualifications/qualifications.service.js';
import type { ApplicationNumberStatus, ApplicationStatus, MaterialsStatus, NumberApplication } from './applications.table.js';

/** N6: the handler's materials must come within this many days of applying for a 400 number. */
export const MATERIALS_DEADLINE_DAYS = 7;
export const MATERIALS_NOT_SUBMITTED = `materials not submitted within ${MATERIALS_DEADLINE_DAYS} days`;

export const ORDER_KIND = 'NUMBER_APPLICATION';
export const ORDER_LINE_KIND = 'NUMBER_APPLICATION';

export const OPEN_STATUSES: ApplicationStatus[] = ['PENDING_REVIEW', 'APPROVED', 'PENDING_PAYMENT'];
export const awaitingMaterials = (m: MaterialsStatus) => m === 'PENDING' || m === 'REJECTED';

export async function emitApplicationStatus(
  tx: Tx,
  app: NumberApplication,
  previous: { status: ApplicationStatus; numberStatus: ApplicationNumberStatus } | null,
  reason: string | null,
): Promise<void> {
  await tx.emit({
    type: 'APPLICATION_STATUS_CHANGED',
    tenantId: app.tenant_id,
    subjectId: app.id,
    payload: {
      ticketNo: app.ticket_no,
      numberType: app.number_type,
      status: app.status,
      numberStatus: app.number_status,
      previousStatus: previous?.status ?? null,
      previousNumberStatus: previous?.numberStatus ?? null,
      materialsStatus: app.materials_status,
      reason,
    },
  });
}

/** Updates the application and writes its status event in one step. */
export async function changeApplication(
  tx: Tx,
  app: NumberApplication,
  set: Partial<Omit<NumberApplication, 'id' | 'tenant_id' | 'created_at' | 'scenarios'>>,
  reason: string | null,
): Promise<NumberApplication> {
  const updated = await tx.trx
    .updateTable('number_applications')
    .set({ ...set, updated_at: tx.now })
    .where('id', '=', app.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await emitApplicationStatus(tx, updated, { status: app.status, numberStatus: app.number_status }, reason);
  return updated;
}

export const lockApplication = (tx: Tx, ctx: Pick<ServiceContext, 'actor'>, id: string, field = 'id'): Promise<NumberApplication> =>
  lockScoped(tx, ctx.actor, 'number_applications', id, 'number application', field);

/** System work (jobs, order effects) locks by id without a key's scope. */
export async function lockApplicationById(tx: Tx, id: string): Promise<NumberApplication | undefined> {
  if (!UUID.test(id)) return undefined;
  return lockRow(tx, 'number_applications', id);
}

/** An OPERATOR's decision on an application or its materials: a valid decision, and a reason to reject. */
export function reviewNote(decision: ReviewDecision, reason: string | null | undefined): string | null {
  if (!REVIEW_DECISIONS.includes(decision)) throw new ValidationError('decision', `decision is one of ${REVIEW_DECISIONS.join(', ')}`);
  return reviewReason(decision, reason);
}
