// The modules of Callplane and what each one registers: durable jobs, overdue sweeps, what a paid
// or closed order line does, and why a number cannot be unsubscribed. The app, the worker and the
// tests compose them from this one list (composeModules); nothing registers itself on import, and
// nothing here loads GraphQL, so `pnpm callplane worker` knows every job without the schema.
import type { ServiceContext } from './context.js';
import { defineTask, type TaskHandler } from './jobs/tasks.js';
import { defineSweep, sweepOverdue, SWEEP_TASK, type Sweep } from './jobs/sweep.js';
import { EXPIRE_ORDER_TASK, expireOrder, onOrderLineClosed, onOrderLinePaid, sweepExpiredOrders, type OrderLineEffect } from './modules/billing/billing.orders.js';
import { checkNumberTerm, renewalLinePaid, sweepNumberTerms, TERM_CHECK_TASK } from './modules/numbers/numbers.terms.js';
import { purchaseLineClosed, purchaseLinePaid, setInstanceValidator, type InstanceValidator } from './modules/numbers/numbers.purchase.js';
import { registerUnsubscribeCheck, runUnsubscribeChecks, unpaidOrderCheck, UNSUBSCRIBE_TASK, type UnsubscribeCheck } from './modules/numbers/unsubscribe.service.js';
import { SEND_EMAIL_TASK, sendOutboxEmail } from './modules/outbox/outbox.service.js';
import {
  ACTIVATE_TASK,
  activateApplicationNumbers,
  allocateApplicationNumbers,
  applicationInProgressCheck,
  applicationLineClosed,
  applicationLinePaid,
} from './modules/applications/applications.allocation.js';
import { MATERIALS_DEADLINE_TASK } from './modules/applications/applications.apply.js';
import { closeIfMaterialsMissing, sweepMaterialsDeadlines } from './modules/applications/applications.materials.js';
import { ALLOCATE_TASK } from './modules/applications/applications.review.js';
import { ORDER_LINE_KIND } from './modules/applications/applications.status.js';
import { EXPIRE_BINDING_TASK, expireBinding, sweepExpiredBindings } from './modules/privacy/privacy.end.js';
import { activeBindingsCheck } from './modules/privacy/privacy.pools.js';
import { provisionInstance, PROVISION_TASK, sweepCreatingInstances } from './modules/instances/instances.provision.js';
import { instanceNumberCheck, instanceNumberReleased, targetInstanceCheck } from './modules/instances/instances.hooks.js';
import { registerReleaseHook, type NumberReleaseHook } from './modules/numbers/numbers.status.js';
import { maintainCallPartitions } from './modules/calls/calls.partitions.js';
import { DELIVER_TASK } from './modules/webhooks/webhooks.service.js';
import { deliverDue, sweepDueDeliveries } from './modules/webhooks/webhooks.send.js';
import { trimDeliveries } from './modules/webhooks/webhooks.retention.js';
import { pushCdrs } from './modules/webhooks/webhooks.cdr.js';
import { onCdrCreated, type CdrHook } from './modules/calls/calls.cdr.js';
import { CLOSE_STATEMENTS_TASK, closeDueStatements, sweepDueStatements, USAGE_LINE_KIND, usageLinePaid } from './modules/statements/statements.close.js';
import { VOICE_TIMEOUT_TASK } from './modules/voice/voice.send.js';
import { failStaleMessage, sweepStaleMessages } from './modules/voice/voice.report.js';
import { chargeMonthlyFees, feeLinePaid, MONTHLY_FEE_TASK, sweepMonthlyFees, VOICE_NUMBER_FEE_LINE } from './modules/voice/voice.fees.js';
import { packageLinePaid, VOICE_PACKAGE_KIND } from './modules/voice/voice.packages.js';
import { voiceNumberReleased } from './modules/voice/voice.numbers.js';

export interface CallplaneModule {
  name: string;
  tasks?: Record<string, TaskHandler>;
  /** The safety nets of due-time jobs: subjects found overdue by a query (jobs/sweep.ts). */
  sweeps?: Record<string, Sweep>;
  /** By order-line kind: what paying, and what cancelling or expiring, a line of it does. */
  orderLines?: Record<string, { paid: OrderLineEffect; closed?: OrderLineEffect }>;
  unsubscribeChecks?: Record<string, UnsubscribeCheck>;
  /** The check of the instance a purchase or an application names (one module gives it). */
  instanceValidator?: InstanceValidator;
  /** What a number going back to stock undoes in the module (same transaction). */
  numberReleased?: Record<string, NumberReleaseHook>;
  /** What a new or amended CDR triggers in the module (same transaction). */
  cdrHooks?: Record<string, CdrHook>;
}

const byId =
  <P extends Record<string, string>>(run: (ctx: ServiceContext, id: string) => Promise<unknown>, key: keyof P) =>
  async (payload: P, ctx: ServiceContext) => void (await run(ctx, payload[key]!));

export const MODULES: readonly CallplaneModule[] = [
  { name: 'jobs', tasks: { [SWEEP_TASK]: async (_p, ctx) => void (await sweepOverdue(ctx)) } },
  {
    name: 'billing',
    tasks: { [EXPIRE_ORDER_TASK]: byId<{ orderId: string }>(expireOrder, 'orderId') },
    sweeps: { 'unpaid orders past their expiry': sweepExpiredOrders },
  },
  { name: 'outbox', tasks: { [SEND_EMAIL_TASK]: byId<{ emailId: string }>(sendOutboxEmail, 'emailId') } },
  {
    name: 'numbers',
    tasks: {
      [TERM_CHECK_TASK]: byId<{ numberId: string }>(checkNumberTerm, 'numberId'),
      [UNSUBSCRIBE_TASK]: byId<{ batchId: string }>(runUnsubscribeChecks, 'batchId'),
    },
    sweeps: { 'numbers past their term or grace': sweepNumberTerms },
    orderLines: { NUMBER_PURCHASE: { paid: purchaseLinePaid, closed: purchaseLineClosed }, NUMBER_RENEWAL: { paid: renewalLinePaid } },
    unsubscribeChecks: { unpaidOrder: unpaidOrderCheck },
  },
  {
    name: 'applications',
    tasks: {
      [ALLOCATE_TASK]: byId<{ applicationId: string }>(allocateApplicationNumbers, 'applicationId'),
      [ACTIVATE_TASK]: byId<{ applicationId: string }>(activateApplicationNumbers, 'applicationId'),
      [MATERIALS_DEADLINE_TASK]: byId<{ applicationId: string }>(closeIfMaterialsMissing, 'applicationId'),
    },
    sweeps: { 'applications past their materials deadline': sweepMaterialsDeadlines },
    orderLines: { [ORDER_LINE_KIND]: { paid: applicationLinePaid, closed: applicationLineClosed } },
    unsubscribeChecks: { applicationInProgress: applicationInProgressCheck },
  },
  {
    name: 'instances',
    tasks: { [PROVISION_TASK]: byId<{ instanceId: string }>(provisionInstance, 'instanceId') },
    sweeps: { 'instances still CREATING past their provisioning time': sweepCreatingInstances },
    unsubscribeChecks: { instanceNumber: instanceNumberCheck },
    instanceValidator: targetInstanceCheck,
    numberReleased: { instanceNumber: instanceNumberReleased },
  },
  {
    name: 'privacy',
    tasks: { [EXPIRE_BINDING_TASK]: byId<{ bindingId: string }>(expireBinding, 'bindingId') },
    sweeps: { 'privacy bindings past their expiry': sweepExpiredBindings },
    unsubscribeChecks: { privacyActiveBindings: activeBindingsCheck },
  },
  // C1, C2: the monthly partitions of call events and CDRs, created ahead and dropped past the retention
  { name: 'calls', sweeps: { 'call partitions ahead and past their retention': maintainCallPartitions } },
  {
    name: 'webhooks',
    tasks: { [DELIVER_TASK]: byId<{ deliveryId: string }>(deliverDue, 'deliveryId') },
    sweeps: { 'webhook deliveries past their attempt time': sweepDueDeliveries, 'finished webhook deliveries past the call retention': trimDeliveries },
    cdrHooks: { webhooks: pushCdrs },
  },
  // M2: the monthly statements, closed on the first of each month in the tenant's time zone; call minutes charged then
  {
    name: 'statements',
    tasks: { [CLOSE_STATEMENTS_TASK]: byId<{ tenantId: string }>(closeDueStatements, 'tenantId') },
    sweeps: { 'tenants whose last month has no statement': sweepDueStatements },
    orderLines: { [USAGE_LINE_KIND]: { paid: usageLinePaid } },
  },
  // V3: a voice message with no outcome in time fails, its held minute released
  {
    name: 'voice messages',
    tasks: { [VOICE_TIMEOUT_TASK]: byId<{ messageId: string }>(failStaleMessage, 'messageId') },
    sweeps: { 'voice messages past their timeout': sweepStaleMessages },
  },
  // V1, V2: voice numbers' monthly function fee (a job per tenant and month), minute packages, numbers closed when released
  {
    name: 'voice',
    tasks: { [MONTHLY_FEE_TASK]: async (p: { tenantId: string; month: string }, ctx) => void (await chargeMonthlyFees(ctx, p.tenantId, p.month)) },
    sweeps: { 'voice numbers open at the start of the month and not charged for it': sweepMonthlyFees },
    orderLines: { [VOICE_NUMBER_FEE_LINE]: { paid: feeLinePaid }, [VOICE_PACKAGE_KIND]: { paid: packageLinePaid } },
    numberReleased: { voiceNumber: voiceNumberReleased },
  },
];

let composed = false;

/** Registers every module's jobs, sweeps, order-line effects and unsubscribe checks, once per process. */
export function composeModules(modules: readonly CallplaneModule[] = MODULES): void {
  if (composed) return;
  composed = true;
  for (const m of modules) {
    for (const [name, handler] of Object.entries(m.tasks ?? {})) defineTask(name, handler);
    for (const [name, sweep] of Object.entries(m.sweeps ?? {})) defineSweep(name, sweep);
    for (const [kind, effects] of Object.entries(m.orderLines ?? {})) {
      onOrderLinePaid(kind, effects.paid);
      if (effects.closed) onOrderLineClosed(kind, effects.closed);
    }
    for (const [name, check] of Object.entries(m.unsubscribeChecks ?? {})) registerUnsubscribeCheck(name, check);
    if (m.instanceValidator) setInstanceValidator(m.instanceValidator);
    for (const [name, hook] of Object.entries(m.numberReleased ?? {})) registerReleaseHook(name, hook);
    for (const [name, hook] of Object.entries(m.cdrHooks ?? {})) onCdrCreated(name, hook);
  }
}
