import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { actingTenant, requireActor, scopedFrom } from '../../access/scope.js';
import { UUID } from '../../graphql/loaders.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { defineTask } from '../../jobs/tasks.js';
import {
  checkDocument,
  dateInZone,
  findHandler,
  insertDocument,
  parseEmail,
  parseMobile,
  REVIEW_DECISIONS,
  requireApprovedQualification,
  type DocumentUploadInput,
  type ReviewDecision,
} from '../qualifications/qualifications.service.js';
import { DOCUMENT_TYPES, type DocumentType } from '../qualifications/qualifications.table.js';
import { closeOrder, createOrder, moveBalance, onOrderLineClosed, onOrderLinePaid } from '../billing/billing.service.js';
import { money } from '../billing/money.js';
import {
  addMonths,
  emitStatus as emitNumberStatus,
  firstTermMonths,
  releaseToStock,
  scheduleTermCheck,
  tariffCodeFor,
} from '../numbers/numbers.service.js';
import { NUMBER_TYPES, TOLL_FREE_TIERS, type CallType, type NumberRow, type NumberType, type TollFreeTier } from '../numbers/numbers.table.js';
import { queueEmail } from '../outbox/outbox.service.js';
import { registerUnsubscribeCheck } from '../numbers/unsubscribe.service.js';
import {
  APPLICATION_PURPOSES,
  type ApplicationNumberStatus,
  type ApplicationPurpose,
  type ApplicationStatus,
  type CallScenario,
  type MaterialsStatus,
  type NumberApplication,
} from './applications.table.js';

export { REVIEW_DECISIONS, type ReviewDecision };

/** N6: the handler's materials must come within this many days of applying for a 400 number. */
export const MATERIALS_DEADLINE_DAYS = 7;
export const MATERIALS_NOT_SUBMITTED = `materials not submitted within ${MATERIALS_DEADLINE_DAYS} days`;
export const MAX_APPLICATION_QUANTITY = 100;
export const MAX_SCENARIOS = 20;

export const ORDER_KIND = 'NUMBER_APPLICATION';
export const ORDER_LINE_KIND = 'NUMBER_APPLICATION';

// ---------------------------------------------------------------------------------------------
// Hooks for modules that come later

/**
 * The instances module checks the target instance here (exists, is the tenant's, is RUNNING).
 * TODO(instances): register a validator; until then only the id's format is checked.
 */
export type InstanceValidator = (tx: Tx, tenantId: string, instanceId: string) => Promise<void>;
let instanceValidator: InstanceValidator | null = null;
export function setInstanceValidator(fn: InstanceValidator | null): void {
  instanceValidator = fn;
}

// ---------------------------------------------------------------------------------------------
// Input

export interface ApplicationInput {
  purpose: ApplicationPurpose;
  scenarios: CallScenario[];
  quantity?: number | null;
  type: NumberType;
  /** Required for TOLL_FREE_400 numbers (N5), not allowed otherwise. */
  tier?: TollFreeTier | null;
  province: string;
  city: string;
  contactName: string;
  contactMobile: string;
  contactEmail: string;
  qualificationId: string;
  instanceId?: string | null;
  /** Default INBOUND_OUTBOUND; 400 numbers are INBOUND_ONLY (N5). */
  callType?: CallType | null;
}

function text(value: string | null | undefined, field: string, label: string, max = 200): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, `${label} must not be empty`);
  if (v.length > max) throw new ValidationError(field, `${label} has at most ${max} characters`);
  return v;
}

function checkScenarios(list: CallScenario[] | null | undefined): CallScenario[] {
  if (!list?.length) throw new ValidationError('input.scenarios', 'give at least one call scenario with its script');
  if (list.length > MAX_SCENARIOS) throw new ValidationError('input.scenarios', `at most ${MAX_SCENARIOS} call scenarios`);
  return list.map((s, i) => ({
    scenario: text(s.scenario, `input.scenarios.${i}.scenario`, 'the call scenario'),
    script: text(s.script, `input.scenarios.${i}.script`, 'the call script', 4000),
  }));
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_:=-]{0,127}$/;

function requireTenantAdmin(ctx: ServiceContext, what: string): string {
  const tenantId = actingTenant(ctx.actor);
  if (ctx.actor!.role !== 'TENANT_ADMIN') throw new ForbiddenError(`a TENANT_ADMIN ${what}`);
  return tenantId;
}

function requireOperator(ctx: ServiceContext, what: string): void {
  if (requireActor(ctx.actor).role !== 'OPERATOR') throw new ForbiddenError(`only an OPERATOR ${what}`);
}

async function stockCount(tx: Tx, f: { type: NumberType; tier: TollFreeTier | null; province: string; city: string }): Promise<number> {
  let q = tx.trx
    .selectFrom('numbers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'AVAILABLE')
    .where('type', '=', f.type)
    .where('province', '=', f.province)
    .where('city', '=', f.city);
  if (f.tier) q = q.where('tier', '=', f.tier);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

// ---------------------------------------------------------------------------------------------
// Events

async function emitApplicationStatus(
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
async function changeApplication(
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

async function lockApplication(tx: Tx, ctx: Pick<ServiceContext, 'actor'>, id: string, field = 'id'): Promise<NumberApplication> {
  const app = UUID.test(id)
    ? await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'number_applications')
        .selectAll()
        .where('number_applications.id', '=', id)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!app) throw new NotFoundError('number application', field);
  return app;
}

/** System work (jobs, order effects) locks by id without a key's scope. */
async function lockApplicationById(tx: Tx, id: string): Promise<NumberApplication | undefined> {
  if (!UUID.test(id)) return undefined;
  return tx.trx.selectFrom('number_applications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// N3: applying

export const MATERIALS_DEADLINE_TASK = defineTask('applications.materialsDeadline', async (payload: { applicationId: string }, ctx) => {
  await closeIfMaterialsMissing(ctx, payload.applicationId);
});

/**
 * N3: a tenant applies for numbers (INBOUND_OUTBOUND, or a region without stock). It gets a
 * ticket number and an applied-at time to the second; both status columns start PENDING_REVIEW.
 * A 400 application also starts the 7-day clock for the handler's materials (N6).
 */
export async function applyForNumbers(ctx: ServiceContext, input: ApplicationInput): Promise<NumberApplication> {
  const tenantId = requireTenantAdmin(ctx, 'applies for numbers');
  if (!APPLICATION_PURPOSES.includes(input.purpose))
    throw new ValidationError('input.purpose', `purpose is one of ${APPLICATION_PURPOSES.join(', ')}`);
  const scenarios = checkScenarios(input.scenarios);
  if (!NUMBER_TYPES.includes(input.type)) throw new ValidationError('input.type', `type is one of ${NUMBER_TYPES.join(', ')}`);
  const is400 = input.type === 'TOLL_FREE_400';
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_APPLICATION_QUANTITY)
    throw new ValidationError('input.quantity', `quantity is between 1 and ${MAX_APPLICATION_QUANTITY}`);
  if (is400 && quantity !== 1) throw new ValidationError('input.quantity', 'a 400 number is applied for one at a time (its materials are filed per number)');
  let tier: TollFreeTier | null = null;
  if (is400) {
    if (!input.tier) throw new ValidationError('input.tier', `a 400 number needs a tier: ${TOLL_FREE_TIERS.join(', ')}`);
    if (!TOLL_FREE_TIERS.includes(input.tier)) throw new ValidationError('input.tier', `tier is one of ${TOLL_FREE_TIERS.join(', ')}`);
    tier = input.tier;
  } else if (input.tier) throw new ValidationError('input.tier', 'only 400 numbers have a tier');
  const callType: CallType = input.callType ?? (is400 ? 'INBOUND_ONLY' : 'INBOUND_OUTBOUND');
  if (is400 && callType !== 'INBOUND_ONLY')
    throw new ValidationError('input.callType', '400 numbers are inbound only (N5): apply with callType INBOUND_ONLY');
  const province = text(input.province, 'input.province', 'the province', 50);
  const city = text(input.city, 'input.city', 'the city', 50);
  const columns = {
    contact_name: text(input.contactName, 'input.contactName', 'the contact name', 100),
    contact_mobile: parseMobile(input.contactMobile ?? '', 'input.contactMobile'),
    contact_email: parseEmail(input.contactEmail ?? '', 'input.contactEmail'),
  };
  const instanceId = input.instanceId?.trim() || null;
  if (instanceId && !INSTANCE_ID.test(instanceId)) throw new ValidationError('input.instanceId', `'${input.instanceId}' is not an instance id`);

  return inTransaction(ctx, async (tx) => {
    const qualification = await requireApprovedQualification(
      { db: tx.trx, actor: ctx.actor },
      input.qualificationId,
      is400 ? 'TOLL_FREE_400' : 'STANDARD',
      tenantId,
    );
    if (instanceId) await instanceValidator?.(tx, tenantId, instanceId);
    // Inbound-only local and mobile numbers are bought from stock (N2); an application is for regions without.
    if (!is400 && callType === 'INBOUND_ONLY' && (await stockCount(tx, { type: input.type, tier, province, city })) > 0)
      throw new ValidationError(
        'input.callType',
        `${province} ${city} has ${input.type} numbers in stock: buy an inbound-only number directly (purchaseNumber); apply only for INBOUND_OUTBOUND or a region without stock`,
        'PURCHASE_AVAILABLE',
      );
    const tenant = await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', tenantId).executeTakeFirstOrThrow();
    const seq = await sql<{ n: string }>`select nextval('application_ticket_seq')::text as n`.execute(tx.trx);
    const ticketNo = `AP${dateInZone(tx.now, tenant.time_zone).replace(/-/g, '')}${seq.rows[0]!.n.padStart(6, '0')}`;
    const appliedAt = new Date(Math.floor(tx.now.getTime() / 1000) * 1000);
    const materialsDueAt = is400 ? new Date(appliedAt.getTime() + MATERIALS_DEADLINE_DAYS * 86_400_000) : null;
    const app = await tx.trx
      .insertInto('number_applications')
      .values({
        tenant_id: tenantId,
        ticket_no: ticketNo,
        purpose: input.purpose,
        scenarios: JSON.stringify(scenarios),
        quantity,
        number_type: input.type,
        tier,
        province,
        city,
        call_type: callType,
        ...columns,
        qualification_id: qualification.id,
        instance_id: instanceId,
        status: 'PENDING_REVIEW',
        number_status: 'PENDING_REVIEW',
        applied_at: appliedAt,
        materials_status: is400 ? 'PENDING' : 'NOT_REQUIRED',
        materials_due_at: materialsDueAt,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (materialsDueAt)
      await scheduleJob(tx.trx, MATERIALS_DEADLINE_TASK, { applicationId: app.id }, { runAt: materialsDueAt, jobKey: `application-materials:${app.id}` });
    await emitApplicationStatus(tx, app, null, null);
    return app;
  });
}

// ---------------------------------------------------------------------------------------------
// N3: review, allocation, order, payment, activation

export const ALLOCATE_TASK = defineTask('applications.allocate', async (payload: { applicationId: string }, ctx) => {
  await allocateApplicationNumbers(ctx, payload.applicationId);
});

export const ACTIVATE_TASK = defineTask('applications.activate', async (payload: { applicationId: string }, ctx) => {
  await activateApplicationNumbers(ctx, payload.applicationId);
});

function reviewNote(decision: ReviewDecision, reason: string | null | undefined): string | null {
  if (!REVIEW_DECISIONS.includes(decision)) throw new ValidationError('decision', `decision is one of ${REVIEW_DECISIONS.join(', ')}`);
  const note = reason?.trim() || null;
  if (decision === 'REJECT' && !note) throw new ValidationError('reason', 'a rejection needs a reason the tenant can act on');
  if (note && note.length > 2000) throw new ValidationError('reason', 'the reason has at most 2000 characters');
  return note;
}

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
  requireOperator(ctx, 'reviews number applications');
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
    if (status === 'APPROVED') await scheduleJob(tx.trx, ALLOCATE_TASK, { applicationId: app.id }, { runAt: tx.now, jobKey: `application-allocate:${app.id}` });
    return reviewed;
  });
}

/** N3: after importing stock, an OPERATOR retries the allocation of an approved application that had none. */
export async function retryNumberAllocation(ctx: ServiceContext, id: string): Promise<NumberApplication> {
  requireOperator(ctx, 'retries number allocation');
  const app = await inTransaction(ctx, async (tx) => lockApplication(tx, ctx, id));
  if (app.status !== 'APPROVED' || app.number_status !== 'APPROVED')
    throw new ConflictError('INVALID_STATUS', `only an APPROVED application still waiting for numbers is allocated; ${app.ticket_no} is ${app.status}/${app.number_status}`, 'id');
  return allocateApplicationNumbers(ctx, app.id);
}

const describeNumber = (n: NumberRow) =>
  n.type === 'TOLL_FREE_400' ? `400 number ${n.e164} (${n.tier} tier, monthly minimum spend)` : `${n.type.toLowerCase()} number ${n.e164}`;

/**
 * N3: takes the numbers from the region's stock (RESERVED for the tenant, held for the
 * application), creates the order priced from the tariffs, and writes the payment email. Without
 * enough stock the application stays APPROVED / APPROVED with the reason; an OPERATOR retries.
 */
export async function allocateApplicationNumbers(ctx: ServiceContext, id: string): Promise<NumberApplication> {
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplicationById(tx, id);
    if (!app) throw new NotFoundError('number application', 'id');
    if (app.status !== 'APPROVED' || app.number_status !== 'APPROVED') return app;
    let q = tx.trx
      .selectFrom('numbers')
      .selectAll()
      .where('status', '=', 'AVAILABLE')
      .where('type', '=', app.number_type)
      .where('province', '=', app.province)
      .where('city', '=', app.city);
    if (app.tier) q = q.where('tier', '=', app.tier);
    const picked = await q.orderBy('e164').limit(app.quantity).forUpdate().skipLocked().execute();
    if (picked.length < app.quantity) {
      const reason = `no stock: ${picked.length} of ${app.quantity} ${app.tier ? `${app.tier} ` : ''}${app.number_type} number(s) available in ${app.province} ${app.city}; an OPERATOR retries the allocation after importing numbers`;
      if (app.status_reason === reason) return app;
      return changeApplication(tx, app, { status_reason: reason }, reason);
    }
    const allocating = await changeApplication(tx, app, { number_status: 'ALLOCATING', status_reason: null }, null);
    const held: NumberRow[] = [];
    for (const n of picked) {
      const reserved = await tx.trx
        .updateTable('numbers')
        .set({
          status: 'RESERVED',
          tenant_id: app.tenant_id,
          qualification_id: app.qualification_id,
          instance_id: app.instance_id,
          application_id: app.id,
          call_type: app.call_type,
          reserved_until: null,
          updated_at: tx.now,
        })
        .where('id', '=', n.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await emitNumberStatus(tx, reserved, 'AVAILABLE', 'ALLOCATED_TO_APPLICATION', { applicationId: app.id, ticketNo: app.ticket_no });
      held.push(reserved);
    }
    // Unpaid application orders do not expire: the numbers stay held until paid, or the application closes.
    const { order } = await createOrder(tx, {
      tenantId: app.tenant_id,
      kind: ORDER_KIND,
      lines: held.map((n) => {
        const months = firstTermMonths(n);
        return {
          kind: ORDER_LINE_KIND,
          tariffCode: tariffCodeFor(n),
          quantity: months,
          numberId: n.id,
          subjectId: app.id,
          description: `${describeNumber(n)}, first term ${months} month${months > 1 ? 's' : ''} (application ${app.ticket_no})`,
        };
      }),
    });
    const delivered = await changeApplication(tx, allocating, { number_status: 'DELIVERED', status: 'PENDING_PAYMENT', order_id: order.id }, null);
    await queueEmail(tx, {
      tenantId: app.tenant_id,
      to: app.contact_email,
      subjectId: app.id,
      subject: `Number application ${app.ticket_no} approved: please pay order ${order.order_no}`,
      body: [
        `Dear ${app.contact_name},`,
        '',
        `your number application ${app.ticket_no} (applied ${app.applied_at.toISOString()}) has been approved and these numbers are held for you:`,
        ...held.map((n) => `  - ${n.e164} (${n.province} ${n.city})`),
        '',
        `Please pay order ${order.order_no}, total ${order.total} CNY, in the console (Orders → Pay) to put them into service.`,
        ...(app.materials_status === 'PENDING' || app.materials_status === 'REJECTED'
          ? [
              '',
              `Reminder: submit the handler's materials by ${app.materials_due_at!.toISOString()}, otherwise the number is released and the application closes.`,
            ]
          : []),
      ].join('\n'),
    });
    return delivered;
  });
}

/** Paying the order: the numbers start taking effect; an activation job follows after a short delay. */
onOrderLinePaid(ORDER_LINE_KIND, async (tx, ctx, order, line) => {
  const app = line.subject_id ? await lockApplicationById(tx, line.subject_id) : undefined;
  if (!app || app.order_id !== order.id) throw new ConflictError('INVALID_STATUS', 'the order no longer belongs to a number application', 'orderId');
  if (app.status === 'CLOSED') throw new ConflictError('APPLICATION_CLOSED', `application ${app.ticket_no} is closed: ${app.status_reason}`, 'orderId');
  if (app.number_status !== 'DELIVERED') return; // an earlier line of the same order did it
  const paid = await changeApplication(tx, app, { number_status: 'TAKING_EFFECT', paid_at: tx.now }, null);
  await scheduleActivation(tx, ctx, paid);
});

/** A cancelled application order gives its numbers back and closes the application. */
onOrderLineClosed(ORDER_LINE_KIND, async (tx, ctx, order, line) => {
  const app = line.subject_id ? await lockApplicationById(tx, line.subject_id) : undefined;
  if (!app || app.status === 'CLOSED') return;
  await closeApplication(tx, ctx, app, `order ${order.order_no} ${order.status.toLowerCase()}`);
});

/** N3 + N6: activation waits for payment and, for a 400 number, for the carrier's approval of the materials. */
async function scheduleActivation(tx: Tx, ctx: ServiceContext, app: NumberApplication): Promise<void> {
  if (app.number_status !== 'TAKING_EFFECT') return;
  if (app.materials_status !== 'NOT_REQUIRED' && app.materials_status !== 'APPROVED') return;
  const runAt = new Date(tx.now.getTime() + ctx.settings.numberActivationSeconds * 1000);
  await scheduleJob(tx.trx, ACTIVATE_TASK, { applicationId: app.id }, { runAt, jobKey: `application-activate:${app.id}` });
}

/** N3: the held numbers become ACTIVE with their first term; the application is COMPLETED. */
export async function activateApplicationNumbers(ctx: ServiceContext, id: string): Promise<NumberApplication | null> {
  return inTransaction(ctx, async (tx) => {
    const app = await lockApplicationById(tx, id);
    if (!app || app.number_status !== 'TAKING_EFFECT') return app ?? null;
    if (app.materials_status !== 'NOT_REQUIRED' && app.materials_status !== 'APPROVED') return app;
    const held = await tx.trx
      .selectFrom('numbers')
      .selectAll()
      .where('application_id', '=', app.id)
      .where('status', '=', 'RESERVED')
      .orderBy('e164')
      .forUpdate()
      .execute();
    const lines = await tx.trx.selectFrom('order_lines').selectAll().where('order_id', '=', app.order_id!).execute();
    for (const n of held) {
      const line = lines.find((l) => l.number_id === n.id);
      const termEnd = await addMonths(tx, tx.now, line?.quantity ?? firstTermMonths(n), app.tenant_id);
      const active = await tx.trx
        .updateTable('numbers')
        .set({ status: 'ACTIVE', term_start: tx.now, term_end: termEnd, updated_at: tx.now })
        .where('id', '=', n.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (line) await tx.trx.updateTable('order_lines').set({ period_start: tx.now, period_end: termEnd }).where('id', '=', line.id).execute();
      await scheduleTermCheck(tx, n.id, termEnd);
      await emitNumberStatus(tx, active, 'RESERVED', 'APPLICATION_COMPLETED', { applicationId: app.id, ticketNo: app.ticket_no, termEnd });
    }
    return changeApplication(tx, app, { number_status: 'ACTIVE', status: 'COMPLETED', completed_at: tx.now }, null);
  });
}

/** N7: a number still on its way through an application (paid, not yet ACTIVE) cannot be unsubscribed. */
registerUnsubscribeCheck('applicationInProgress', async (tx, n) => {
  if (!n.application_id || n.status !== 'RESERVED') return null;
  const app = await tx.trx.selectFrom('number_applications').select(['ticket_no', 'status', 'number_status']).where('id', '=', n.application_id).executeTakeFirst();
  if (!app) return null;
  return {
    code: 'APPLICATION_IN_PROGRESS',
    reason: `${n.e164} is being delivered by application ${app.ticket_no} (${app.status}/${app.number_status}); it can be unsubscribed once ACTIVE`,
  };
});

// ---------------------------------------------------------------------------------------------
// N6: handler materials of 400 applications

/**
 * Closes an application: held numbers go back to stock, an unpaid order is cancelled, a paid one
 * is refunded to the balance (the numbers never took effect).
 */
async function closeApplication(tx: Tx, ctx: ServiceContext, app: NumberApplication, reason: string): Promise<NumberApplication> {
  const held = await tx.trx.selectFrom('numbers').selectAll().where('application_id', '=', app.id).where('status', '=', 'RESERVED').forUpdate().execute();
  const closed = await changeApplication(
    tx,
    app,
    { status: 'CLOSED', number_status: held.length ? 'RELEASED' : app.number_status, status_reason: reason, closed_at: tx.now },
    reason,
  );
  for (const n of held) await releaseToStock(tx, n, 'APPLICATION_CLOSED', { applicationId: app.id, ticketNo: app.ticket_no });
  if (app.order_id) {
    const order = await tx.trx.selectFrom('orders').selectAll().where('id', '=', app.order_id).forUpdate().executeTakeFirst();
    if (order?.status === 'UNPAID') await closeOrder(tx, ctx, order, 'CANCELLED');
    else if (order?.status === 'PAID' && !money(order.total).isZero())
      await moveBalance(tx, {
        tenantId: app.tenant_id,
        amount: money(order.total),
        kind: 'ADJUSTMENT',
        reference: order.order_no,
        description: `refund: application ${app.ticket_no} closed (${reason})`,
        orderId: order.id,
      });
  }
  return closed;
}

const OPEN_STATUSES: ApplicationStatus[] = ['PENDING_REVIEW', 'APPROVED', 'PENDING_PAYMENT'];
const awaitingMaterials = (m: MaterialsStatus) => m === 'PENDING' || m === 'REJECTED';

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
  requireTenantAdmin(ctx, 'submits handler materials');
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
  requireOperator(ctx, 'reviews handler materials');
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

// ---------------------------------------------------------------------------------------------
// Reads (through scopedFrom)

export interface ApplicationFilter {
  status?: ApplicationStatus | null;
  numberStatus?: ApplicationNumberStatus | null;
  /** applied at or after */
  from?: Date | null;
  /** applied before */
  to?: Date | null;
  instanceId?: string | null;
}

export function applicationsQuery(ctx: ServiceContext, f: ApplicationFilter = {}) {
  if (f.from && f.to && f.from > f.to) throw new ValidationError('to', '`to` is before `from`');
  let q = scopedFrom(ctx, 'number_applications').selectAll();
  if (f.status) q = q.where('number_applications.status', '=', f.status);
  if (f.numberStatus) q = q.where('number_applications.number_status', '=', f.numberStatus);
  if (f.from) q = q.where('number_applications.applied_at', '>=', f.from);
  if (f.to) q = q.where('number_applications.applied_at', '<', f.to);
  if (f.instanceId) q = q.where('number_applications.instance_id', '=', f.instanceId);
  return q;
}

export async function findApplication(ctx: ServiceContext, id: string): Promise<NumberApplication | null> {
  if (!UUID.test(id)) return null;
  return (await scopedFrom(ctx, 'number_applications').selectAll().where('number_applications.id', '=', id).executeTakeFirst()) ?? null;
}

/** The numbers held for or delivered by the applications (the tenant's own; OPERATOR: all). */
export async function numbersOfApplications(ctx: ServiceContext, applicationIds: readonly string[]): Promise<NumberRow[]> {
  const ids = applicationIds.filter((id) => UUID.test(id));
  if (!ids.length) return [];
  return scopedFrom(ctx, 'numbers').selectAll().where('numbers.application_id', 'in', ids).orderBy('numbers.e164').execute();
}

/** The document ids of each application's handler materials. */
export async function materialsOf(ctx: ServiceContext, applicationIds: readonly string[]) {
  const ids = applicationIds.filter((id) => UUID.test(id));
  if (!ids.length) return [];
  return scopedFrom(ctx, 'application_materials')
    .selectAll()
    .where('application_materials.application_id', 'in', ids)
    .orderBy('application_materials.document_type')
    .execute();
}
