// N6: the handler's materials of a 400 application, their review and their deadline.
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { requireOperator, requireTenantAdmin, systemDb } from '../../access/scope.js';
import { checkDocument, findHandler, insertDocument, type DocumentUploadInput, type ReviewDecision } from '../qualifications/qualifications.service.js';
import { DOCUMENT_TYPES, type DocumentType } from '../qualifications/qualifications.table.js';
import type { Sweep } from '../../jobs/sweep.js';
import { closeApplication, scheduleActivation } from './applications.allocation.js';
import {
  awaitingMaterials,
  changeApplication,
  lockApplication,
  lockApplicationById,
  MATERIALS_NOT_SUBMITTED,
  OPEN_STATUSES,
  reviewNote,
} from './applications.status.js';
import type { NumberApplication } from './applications.table.js';

/**
 * N6: the job at appliedAt + 7 days. Materials not submitted (or rejected and not resubmitted):
 * any held number goes back to stock and the application is CLOSED.
 */
export async function closeIfMaterialsMissing(ctx: ServiceContext, id: string): Promise<NumberApplication | null> {
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplicationById(tx, id);
    if (!app || !app.materials_due_at || app.materials_due_at > tx.now) return app ?? null;
    if (!OPEN_STATUSES.includes(app.status) || !awaitingMaterials(app.materials_status)) return app;
    return closeApplication(tx, ctx, app, MATERIALS_NOT_SUBMITTED);
  });
}

/** Safety net of the deadline job: open 400 applications still awaiting materials past their deadline. */
export const sweepMaterialsDeadlines: Sweep = async (ctx) => {
  const overdue = await systemDb(ctx)
    .selectFrom('number_applications')
    .select('id')
    .where('materials_status', 'in', ['PENDING', 'REJECTED'])
    .where('materials_due_at', '<=', ctx.clock.now())
    .where('status', 'in', OPEN_STATUSES)
    .execute();
  for (const a of overdue) await closeIfMaterialsMissing(ctx, a.id);
  return overdue.length;
};

export interface MaterialsInput {
  applicationId: string;
  /** A saved handler of the tenant (Q3). */
  handlerName: string;
  /** The four documents (Q4), one of each type. */
  documents: DocumentUploadInput[];
}

/**
 * N6: the tenant submits the handler's materials for a 400 application, within 7 days of applying.
 * The documents are stored with the application's 400 qualification (Q4) and linked here.
 */
export async function submitHandlerMaterials(ctx: ServiceContext, input: MaterialsInput): Promise<NumberApplication> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN submits handler materials');
  const docs = input.documents ?? [];
  const seen = new Set<DocumentType>();
  docs.forEach((d, i) => {
    if (seen.has(d.documentType)) throw new ValidationError(`documents.${i}.documentType`, `${d.documentType} is given twice`);
    seen.add(d.documentType);
  });
  const missing = DOCUMENT_TYPES.filter((t) => !seen.has(t));
  if (missing.length) throw new ValidationError('documents', `the handler materials need all four documents; missing: ${missing.join(', ')}`);
  const checked = await Promise.all(docs.map((d, i) => checkDocument(ctx, d, `documents.${i}.file`)));
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplication(tx, ctx, input.applicationId, 'applicationId');
    if (app.number_type !== 'TOLL_FREE_400')
      throw new ConflictError('MATERIALS_NOT_REQUIRED', `application ${app.ticket_no} is for ${app.number_type} numbers: only 400 applications take handler materials`, 'applicationId');
    if (!OPEN_STATUSES.includes(app.status) || !awaitingMaterials(app.materials_status))
      throw new ConflictError('INVALID_STATUS', `application ${app.ticket_no} is ${app.status} with materials ${app.materials_status}: nothing to submit`, 'applicationId');
    if (app.materials_due_at && app.materials_due_at <= tx.now)
      throw new ConflictError('MATERIALS_DEADLINE_PASSED', `the materials were due by ${app.materials_due_at.toISOString()}`, 'applicationId');
    const handler = await findHandler({ ...ctx, db: tx.trx }, input.handlerName ?? '');
    if (!handler || handler.tenant_id !== app.tenant_id) throw new NotFoundError(`saved handler '${input.handlerName}'`, 'handlerName');
    await tx.trx.deleteFrom('application_materials').where('application_id', '=', app.id).execute();
    for (const doc of checked) {
      const stored = await insertDocument(tx, { id: app.qualification_id, tenant_id: app.tenant_id }, doc);
      await tx.trx
        .insertInto('application_materials')
        .values({ application_id: app.id, document_id: stored.id, tenant_id: app.tenant_id, document_type: doc.documentType, created_at: tx.now })
        .execute();
    }
    return changeApplication(
      tx,
      app,
      { materials_status: 'SUBMITTED', materials_handler_id: handler.id, materials_submitted_at: tx.now, materials_review_reason: null, materials_reviewed_at: null },
      null,
    );
  });
}

/**
 * N6: the carrier's review of the materials (an OPERATOR action). Approval makes the 400 number
 * usable once paid; a rejection lets the tenant resubmit before the deadline, or closes the
 * application when the deadline has passed.
 */
export async function reviewHandlerMaterials(
  ctx: ServiceContext,
  applicationId: string,
  decision: ReviewDecision,
  reason?: string | null,
): Promise<NumberApplication> {
  requireOperator(ctx.actor, 'reviews handler materials');
  const note = reviewNote(decision, reason);
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplication(tx, ctx, applicationId, 'applicationId');
    if (app.materials_status !== 'SUBMITTED')
      throw new ConflictError('INVALID_STATUS', `application ${app.ticket_no} has materials ${app.materials_status}: only SUBMITTED materials are reviewed`, 'applicationId');
    if (app.status === 'CLOSED' || app.status === 'REJECTED')
      throw new ConflictError('INVALID_STATUS', `application ${app.ticket_no} is ${app.status}`, 'applicationId');
    const reviewed = await changeApplication(
      tx,
      app,
      { materials_status: decision === 'APPROVE' ? 'APPROVED' : 'REJECTED', materials_review_reason: note, materials_reviewed_at: tx.now },
      note,
    );
    if (decision === 'APPROVE') await scheduleActivation(tx, ctx, reviewed);
    else if (reviewed.materials_due_at && reviewed.materials_due_at <= tx.now) return closeApplication(tx, ctx, reviewed, MATERIALS_NOT_SUBMITTED);
    return reviewed;
  });
}
