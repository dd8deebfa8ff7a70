// N3: an OPERATOR's review of a number application, and the retry of its allocation.
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../errors.js';
import { requireOperator } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { ReviewDecision } from '../qualifications/qualifications.service.js';
import { allocateApplicationNumbers } from './applications.allocation.js';
import { changeApplication, lockApplication, reviewNote } from './applications.status.js';
import type { NumberApplication } from './applications.table.js';

/** The job's name; its handler is registered by the module (applications.module.ts). */
export const ALLOCATE_TASK = 'applications.allocate';

/**
 * N3: an OPERATOR approves or rejects (with a reason) an application pending review. Approval
 * queues the allocation job, which takes numbers from stock and creates the order.
 */
export async function reviewNumberApplication(
  ctx: ServiceContext,
  id: string,
  decision: ReviewDecision,
  reason?: string | null,
): Promise<NumberApplication> {
  requireOperator(ctx.actor, 'reviews number applications');
  const note = reviewNote(decision, reason);
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplication(tx, ctx, id);
    if (app.status !== 'PENDING_REVIEW')
      throw new ConflictError('INVALID_STATUS', `only an application PENDING_REVIEW can be reviewed; ${app.ticket_no} is ${app.status}`, 'id');
    const status = decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    const reviewed = await changeApplication(
      tx,
      app,
      { status, number_status: status, review_reason: note, reviewed_at: tx.now, reviewed_by: ctx.actor!.userId },
      note,
    );
    if (status === 'APPROVED') await scheduleJob(tx, ALLOCATE_TASK, { applicationId: app.id }, { runAt: tx.now, jobKey: `application-allocate:${app.id}` });
    return reviewed;
  });
}

/** N3: after importing stock, an OPERATOR retries the allocation of an approved application that had none. */
export async function retryNumberAllocation(ctx: ServiceContext, id: string): Promise<NumberApplication> {
  requireOperator(ctx.actor, 'retries number allocation');
  const app = await inTransaction(ctx, async (tx) => lockApplication(tx, ctx, id));
  if (app.status !== 'APPROVED' || app.number_status !== 'APPROVED')
    throw new ConflictError('INVALID_STATUS', `only an APPROVED application still waiting for numbers is allocated; ${app.ticket_no} is ${app.status}/${app.number_status}`, 'id');
  return allocateApplicationNumbers(ctx, app.id);
}
