// N3: applying for numbers (and N6's deadline for a 400 number's materials).
import type { ServiceContext } from '../../context.js';
import { serialNumber } from '../../db/serial-numbers.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ValidationError } from '../../errors.js';
import { requireTenantAdmin } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { requireApprovedQualification } from '../qualifications/qualifications.service.js';
import { dateInZone } from '../../shared/calendar.js';
import { parseEmail, parseMobile, requiredText } from '../../shared/input-fields.js';
import { checkTargetInstance } from '../numbers/numbers.purchase.js';
import { NUMBER_TYPES, TOLL_FREE_TIERS, type CallType, type NumberType, type TollFreeTier } from '../numbers/numbers.table.js';
import { availableInRegion } from './applications.allocation.js';
import { closeIfMaterialsMissing } from './applications.materials.js';
import { emitApplicationStatus, MATERIALS_DEADLINE_DAYS } from './applications.status.js';
import { APPLICATION_PURPOSES, type ApplicationPurpose, type CallScenario, type NumberApplication } from './applications.table.js';

export const MAX_APPLICATION_QUANTITY = 100;
export const MAX_SCENARIOS = 20;

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

function checkScenarios(list: CallScenario[] | null | undefined): CallScenario[] {
  if (!list?.length) throw new ValidationError('input.scenarios', 'give at least one call scenario with its script');
  if (list.length > MAX_SCENARIOS) throw new ValidationError('input.scenarios', `at most ${MAX_SCENARIOS} call scenarios`);
  return list.map((s, i) => ({
    scenario: requiredText(s.scenario, `input.scenarios.${i}.scenario`, 'the call scenario'),
    script: requiredText(s.script, `input.scenarios.${i}.script`, 'the call script', 4000),
  }));
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_:=-]{0,127}$/;

async function stockCount(tx: Tx, f: { type: NumberType; tier: TollFreeTier | null; province: string; city: string }): Promise<number> {
  const q = availableInRegion(tx, f).select((eb) => eb.fn.countAll<string>().as('n'));
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** The job's name; its handler is registered by the module (applications.module.ts). */
export const MATERIALS_DEADLINE_TASK = 'applications.materialsDeadline';

/**
 * N3: a tenant applies for numbers (INBOUND_OUTBOUND, or a region without stock). It gets a
 * ticket number and an applied-at time to the second; both status columns start PENDING_REVIEW.
 * A 400 application also starts the 7-day clock for the handler's materials (N6).
 */
export async function applyForNumbers(ctx: ServiceContext, input: ApplicationInput): Promise<NumberApplication> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN applies for numbers');
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
  const province = requiredText(input.province, 'input.province', 'the province', 50);
  const city = requiredText(input.city, 'input.city', 'the city', 50);
  const columns = {
    contact_name: requiredText(input.contactName, 'input.contactName', 'the contact name', 100),
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
    // the instances module's check (numbers.purchase.ts holds the hook): the tenant's, RUNNING
    if (instanceId) await checkTargetInstance(tx, tenantId, instanceId, 'input.instanceId');
    // Inbound-only local and mobile numbers are bought from stock (N2); an application is for regions without.
    if (!is400 && callType === 'INBOUND_ONLY' && (await stockCount(tx, { type: input.type, tier, province, city })) > 0)
      throw new ValidationError(
        'input.callType',
        `${province} ${city} has ${input.type} numbers in stock: buy an inbound-only number directly (purchaseNumber); apply only for INBOUND_OUTBOUND or a region without stock`,
        'PURCHASE_AVAILABLE',
      );
    const tenant = await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', tenantId).executeTakeFirstOrThrow();
    const ticketNo = await serialNumber(tx, 'application_ticket_seq', 'AP', dateInZone(tx.now, tenant.time_zone));
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
      await scheduleJob(tx, MATERIALS_DEADLINE_TASK, { applicationId: app.id }, { runAt: materialsDueAt, jobKey: `application-materials:${app.id}` });
    await emitApplicationStatus(tx, app, null, null);
    return app;
  });
}
