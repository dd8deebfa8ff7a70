import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { filedQualification } from '../../../../../test/support/qualifications.js';
import type { Actor } from '../../access/actor.js';
import { allTasks } from '../../jobs/tasks.js';
import { balanceOf, cancelOrder, payOrder, topUpBalance } from '../billing/billing.service.js';
import { importNumbers } from '../numbers/numbers.service.js';
import { unsubscribeItemsOf, unsubscribeNumbers } from '../numbers/unsubscribe.service.js';
import { saveHandler } from '../qualifications/qualifications.service.js';
import { DOCUMENT_TYPES, type DocumentType, type QualificationKind } from '../qualifications/qualifications.table.js';
import { outboxQuery } from '../outbox/outbox.service.js';
import {
  applicationsQuery,
  applyForNumbers,
  findApplication,
  MATERIALS_NOT_SUBMITTED,
  materialsOf,
  numbersOfApplications,
  retryNumberAllocation,
  reviewHandlerMaterials,
  reviewNumberApplication,
  submitHandlerMaterials,
  type ApplicationInput,
} from './applications.service.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;
const q: Record<string, string> = {};

const ops = () => w.ctx();
const as = (a: Actor) => w.ctx(a);

const qualification = (t: TenantFixture, kind: QualificationKind, approve = true) => filedQualification(w, t, kind, approve);

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  q.acmeStd = await qualification(acme, 'STANDARD');
  q.acme400 = await qualification(acme, 'TOLL_FREE_400');
  q.acmePending = await qualification(acme, 'STANDARD', false);
  q.betaStd = await qualification(beta, 'STANDARD');
  await importNumbers(ops(), [
    { number: '010 6552 9901', type: 'LOCAL', province: 'Beijing', city: 'Beijing', carrier: 'China Telecom' },
    { number: '010 6552 9902', type: 'LOCAL', province: 'Beijing', city: 'Beijing', carrier: 'China Telecom' },
    { number: '010 6552 9903', type: 'LOCAL', province: 'Beijing', city: 'Beijing', carrier: 'China Telecom' },
    { number: '400 810 8801', type: 'TOLL_FREE_400', province: 'Beijing', city: 'Beijing', carrier: 'China Unicom', tier: 'GOLD' },
    { number: '400 810 8802', type: 'TOLL_FREE_400', province: 'Beijing', city: 'Beijing', carrier: 'China Unicom', tier: 'GOLD' },
  ]);
  await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '100000' });
  await saveHandler(as(acme.admin), { name: 'Wang Wu', idNumber: '11010519491231002X', mobile: '13900139000', email: 'wang.wu@acme.example' });
});
afterAll(() => w?.drop());

const input = (over: Partial<ApplicationInput> = {}): ApplicationInput => ({
  purpose: 'NON_MARKETING',
  scenarios: [{ scenario: 'Customer service callbacks', script: 'Hello, this is Acme returning your call about order …' }],
  quantity: 1,
  type: 'LOCAL',
  province: 'Beijing',
  city: 'Beijing',
  contactName: 'Li Si',
  contactMobile: '13800138000',
  contactEmail: 'li.si@acme.example',
  qualificationId: q.acmeStd!,
  ...over,
});

/** Runs the jobs that are due by the manual clock through their task handlers, like the worker does. */
async function runDueJobs(): Promise<string[]> {
  const ran: string[] = [];
  for (let round = 0; round < 10; round++) {
    const due = await sql<{ id: string; task_identifier: string; payload: unknown }>`
      select j.id, t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      where j.run_at <= ${w.clock.now()} order by j.run_at, j.id`.execute(w.db);
    if (!due.rows.length) return ran;
    for (const job of due.rows) {
      await sql`select graphile_worker.complete_jobs(array[${job.id}]::bigint[])`.execute(w.db);
      await allTasks().get(job.task_identifier)!(job.payload, ops());
      ran.push(job.task_identifier);
    }
  }
  return ran;
}

const countApplications = async () => Number((await sql<{ n: string }>`select count(*)::text as n from number_applications`.execute(w.db)).rows[0]!.n);
const numberRow = (e164: string) => w.db.selectFrom('numbers').selectAll().where('e164', '=', e164).executeTakeFirstOrThrow();
const orderOf = (id: string) => w.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const eventsOf = async (subjectId: string) =>
  (await readableEvents(w.db, { subjectId, types: ['APPLICATION_STATUS_CHANGED'] })).map((e) => e.payload);

describe('N3: applying for numbers', () => {
  it('N3: an application gets a ticket number, an applied-at to the second and both statuses PENDING_REVIEW', async () => {
    w.clock.set(new Date('2026-11-25T02:00:00.750Z'));
    const app = await applyForNumbers(as(acme.admin), input({ scenarios: [{ scenario: 'Callbacks', script: 'Hi' }, { scenario: 'Surveys', script: 'May I' }] }));
    expect(app.ticket_no).toMatch(/^AP20261125\d{6}$/);
    expect(app.applied_at.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect([app.status, app.number_status]).toEqual(['PENDING_REVIEW', 'PENDING_REVIEW']);
    expect(app.scenarios).toHaveLength(2);
    expect(app.contact_mobile).toBe('+8613800138000');
    expect(app.materials_status).toBe('NOT_REQUIRED');
    const other = await applyForNumbers(as(acme.admin), input());
    expect(other.ticket_no).not.toBe(app.ticket_no);
    expect(await eventsOf(app.id)).toEqual([
      expect.objectContaining({ status: 'PENDING_REVIEW', numberStatus: 'PENDING_REVIEW', previousStatus: null, previousNumberStatus: null }),
    ]);
  });

  it('N3/Q2: bad input is a typed error naming the field, and nothing is written', async () => {
    const before = await countApplications();
    const cases: [Partial<ApplicationInput>, string, string][] = [
      [{ scenarios: [] }, 'input.scenarios', 'INVALID_INPUT'],
      [{ scenarios: [{ scenario: ' ', script: 'x' }] }, 'input.scenarios.0.scenario', 'INVALID_INPUT'],
      [{ qualificationId: q.acme400! }, 'qualificationId', 'QUALIFICATION_WRONG_KIND'],
      [{ qualificationId: q.acmePending! }, 'qualificationId', 'QUALIFICATION_NOT_APPROVED'],
      [{ qualificationId: q.betaStd! }, 'qualificationId', 'NOT_FOUND'],
      [{ qualificationId: '00000000-0000-0000-0000-000000000000' }, 'qualificationId', 'NOT_FOUND'],
      [{ contactMobile: '12345' }, 'input.contactMobile', 'INVALID_INPUT'],
      [{ contactEmail: 'nope' }, 'input.contactEmail', 'INVALID_INPUT'],
      [{ quantity: 0 }, 'input.quantity', 'INVALID_INPUT'],
      [{ tier: 'GOLD' }, 'input.tier', 'INVALID_INPUT'],
      [{ type: 'TOLL_FREE_400', qualificationId: q.acme400! }, 'input.tier', 'INVALID_INPUT'],
      [{ type: 'TOLL_FREE_400', tier: 'GOLD', qualificationId: q.acme400!, callType: 'INBOUND_OUTBOUND' }, 'input.callType', 'INVALID_INPUT'],
      [{ instanceId: 'not an id!' }, 'input.instanceId', 'INVALID_INPUT'],
      // Beijing has LOCAL stock: inbound-only numbers there are bought (N2), not applied for.
      [{ callType: 'INBOUND_ONLY' }, 'input.callType', 'PURCHASE_AVAILABLE'],
    ];
    for (const [over, field, code] of cases) {
      const e = await failure(applyForNumbers(as(acme.admin), input(over)));
      expect({ field: e.field, code: e.code }, JSON.stringify(over)).toEqual({ field, code });
    }
    expect(await countApplications()).toBe(before);
  });

  it('N3: inbound-only is applied for where the region has no stock; only a TENANT_ADMIN applies', async () => {
    const app = await applyForNumbers(as(acme.admin), input({ callType: 'INBOUND_ONLY', province: 'Guangdong', city: 'Shenzhen' }));
    expect(app.call_type).toBe('INBOUND_ONLY');
    expect((await failure(applyForNumbers(as(acme.supervisor), input()))).code).toBe('FORBIDDEN');
    expect((await failure(applyForNumbers(ops(), input()))).code).toBe('FORBIDDEN');
  });

  it('N3: a rejection needs a reason, which is kept as review info; a reviewed application is not reviewed again', async () => {
    const app = await applyForNumbers(as(acme.admin), input());
    expect((await failure(reviewNumberApplication(ops(), app.id, 'REJECT'))).field).toBe('reason');
    expect((await failure(reviewNumberApplication(as(acme.admin), app.id, 'APPROVE'))).code).toBe('FORBIDDEN');
    const rejected = await reviewNumberApplication(ops(), app.id, 'REJECT', 'The call script is incomplete');
    expect([rejected.status, rejected.number_status, rejected.review_reason]).toEqual(['REJECTED', 'REJECTED', 'The call script is incomplete']);
    expect((await failure(reviewNumberApplication(ops(), app.id, 'APPROVE'))).code).toBe('INVALID_STATUS');
    expect((await eventsOf(app.id)).at(-1)).toMatchObject({ status: 'REJECTED', numberStatus: 'REJECTED', previousStatus: 'PENDING_REVIEW', reason: 'The call script is incomplete' });
  });

  it('N3: approval allocates from stock, creates the priced order and emails the contact; paying makes the numbers take effect, then ACTIVE', async () => {
    const app = await applyForNumbers(as(acme.admin), input({ quantity: 2, contactEmail: 'pay.me@acme.example' }));
    const approved = await reviewNumberApplication(ops(), app.id, 'APPROVE');
    expect([approved.status, approved.number_status]).toEqual(['APPROVED', 'APPROVED']);
    expect(await runDueJobs()).toContain('applications.allocate');

    const delivered = (await findApplication(as(acme.admin), app.id))!;
    expect([delivered.status, delivered.number_status]).toEqual(['PENDING_PAYMENT', 'DELIVERED']);
    const held = await numbersOfApplications(as(acme.admin), [app.id]);
    expect(held).toHaveLength(2);
    expect(held.every((n) => n.status === 'RESERVED' && n.tenant_id === acme.tenantId && n.application_id === app.id && n.call_type === 'INBOUND_OUTBOUND')).toBe(true);
    const order = await orderOf(delivered.order_id!);
    expect(order).toMatchObject({ status: 'UNPAID', kind: 'NUMBER_APPLICATION', total: '100.000', expires_at: null });

    const emails = await outboxQuery(as(acme.supervisor), { subjectId: app.id }).execute();
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toBe('pay.me@acme.example');
    expect(emails[0]!.subject).toContain(app.ticket_no);
    expect(emails[0]!.body).toContain(order.order_no);
    expect(emails[0]!.sent_at).toBeNull();

    const balance = (await balanceOf(as(acme.admin))).amount;
    await payOrder(as(acme.admin), order.id);
    expect(Number((await balanceOf(as(acme.admin))).amount)).toBe(Number(balance) - 100);
    const paid = (await findApplication(ops(), app.id))!;
    expect([paid.status, paid.number_status]).toEqual(['PENDING_PAYMENT', 'TAKING_EFFECT']);
    // N7: a number still taking effect is not unsubscribed.
    const batch = await unsubscribeNumbers(as(acme.admin), [held[0]!.id]);
    await runDueJobs();
    const [item] = await unsubscribeItemsOf(ops(), [batch.id]);
    expect([item!.result, item!.reason_code]).toEqual(['FAILED', 'APPLICATION_IN_PROGRESS']);
    expect(await runDueJobs()).not.toContain('applications.activate'); // the short delay has not passed

    w.clock.advance(w.ctx().settings.numberActivationSeconds);
    expect(await runDueJobs()).toContain('applications.activate');
    const done = (await findApplication(ops(), app.id))!;
    expect([done.status, done.number_status]).toEqual(['COMPLETED', 'ACTIVE']);
    const active = await numbersOfApplications(ops(), [app.id]);
    expect(active.every((n) => n.status === 'ACTIVE' && n.term_start && n.term_end && n.term_end > n.term_start)).toBe(true);

    expect((await eventsOf(app.id)).map((e) => `${e.status}/${e.numberStatus}`)).toEqual([
      'PENDING_REVIEW/PENDING_REVIEW',
      'APPROVED/APPROVED',
      'APPROVED/ALLOCATING',
      'PENDING_PAYMENT/DELIVERED',
      'PENDING_PAYMENT/TAKING_EFFECT',
      'COMPLETED/ACTIVE',
    ]);
  });

  it('N3: without stock the application stays APPROVED with a reason; an OPERATOR retries after importing', async () => {
    const app = await applyForNumbers(as(acme.admin), input({ province: 'Zhejiang', city: 'Hangzhou' }));
    await reviewNumberApplication(ops(), app.id, 'APPROVE');
    await runDueJobs();
    const waiting = (await findApplication(ops(), app.id))!;
    expect([waiting.status, waiting.number_status]).toEqual(['APPROVED', 'APPROVED']);
    expect(waiting.status_reason).toMatch(/no stock: 0 of 1 LOCAL number\(s\) available in Zhejiang Hangzhou/);
    expect((await failure(retryNumberAllocation(as(acme.admin), app.id))).code).toBe('FORBIDDEN');
    expect((await retryNumberAllocation(ops(), app.id)).number_status).toBe('APPROVED');

    await importNumbers(ops(), [{ number: '0571 8888 0001', type: 'LOCAL', province: 'Zhejiang', city: 'Hangzhou', carrier: 'China Mobile' }]);
    const allocated = await retryNumberAllocation(ops(), app.id);
    expect([allocated.status, allocated.number_status, allocated.status_reason]).toEqual(['PENDING_PAYMENT', 'DELIVERED', null]);
    expect((await failure(retryNumberAllocation(ops(), app.id))).code).toBe('INVALID_STATUS');
  });

  it("N3: cancelling the application's order gives the numbers back and closes the application", async () => {
    const app = await applyForNumbers(as(acme.admin), input());
    await reviewNumberApplication(ops(), app.id, 'APPROVE');
    await runDueJobs();
    const delivered = (await findApplication(ops(), app.id))!;
    const [held] = await numbersOfApplications(ops(), [app.id]);
    const order = await orderOf(delivered.order_id!);
    await cancelOrder(as(acme.admin), order.id);
    const closed = (await findApplication(ops(), app.id))!;
    expect([closed.status, closed.number_status, closed.status_reason]).toEqual(['CLOSED', 'RELEASED', `order ${order.order_no} cancelled`]);
    expect(await numberRow(held!.e164)).toMatchObject({ status: 'AVAILABLE', tenant_id: null });
  });

  it('N3: records filter by status, number status and applied-at range', async () => {
    const all = await applicationsQuery(as(acme.supervisor)).execute();
    expect(all.length).toBeGreaterThan(3);
    const rejected = await applicationsQuery(as(acme.supervisor), { status: 'REJECTED' }).execute();
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((a) => a.status === 'REJECTED')).toBe(true);
    const active = await applicationsQuery(ops(), { numberStatus: 'ACTIVE' }).execute();
    expect(active.every((a) => a.number_status === 'ACTIVE')).toBe(true);
    const first = await applicationsQuery(ops(), { from: new Date('2026-11-25T02:00:00Z'), to: new Date('2026-11-25T02:00:01Z') }).execute();
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(await applicationsQuery(ops(), { to: new Date('2026-11-24T00:00:00Z') }).execute()).toEqual([]);
    expect((await failure(Promise.resolve().then(() => applicationsQuery(ops(), { from: new Date(2), to: new Date(1) })))).field).toBe('to');
  });
});

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const docs = (types: readonly DocumentType[] = DOCUMENT_TYPES) =>
  types.map((t) => ({ documentType: t, file: new File([PDF], `${t.toLowerCase()}.pdf`, { type: 'application/pdf' }) }));

const apply400 = () => applyForNumbers(as(acme.admin), input({ type: 'TOLL_FREE_400', tier: 'GOLD', qualificationId: q.acme400! }));

describe('N6: 400 numbers and the handler materials', () => {
  it('N6: without materials within 7 days the held number goes back to stock and the application closes', async () => {
    const app = await apply400();
    expect(app.call_type).toBe('INBOUND_ONLY');
    expect(app.materials_status).toBe('PENDING');
    expect(app.materials_due_at!.getTime() - app.applied_at.getTime()).toBe(7 * 86_400_000);
    await reviewNumberApplication(ops(), app.id, 'APPROVE');
    await runDueJobs();
    const delivered = (await findApplication(ops(), app.id))!;
    expect(delivered.number_status).toBe('DELIVERED');
    const [held] = await numbersOfApplications(ops(), [app.id]);
    expect(held).toMatchObject({ status: 'RESERVED', tier: 'GOLD' });
    // The first term of a 400 number is 3 months of the tier's minimum spend (N5).
    expect((await orderOf(delivered.order_id!)).total).toBe('7500.000');
    const email = (await outboxQuery(ops(), { subjectId: app.id }).execute())[0]!;
    expect(email.body).toMatch(/handler's materials/);

    w.clock.advance(7 * 86_400 - 1);
    await runDueJobs();
    expect((await findApplication(ops(), app.id))!.status).toBe('PENDING_PAYMENT');
    w.clock.advance(1);
    expect(await runDueJobs()).toContain('applications.materialsDeadline');
    const closed = (await findApplication(as(acme.admin), app.id))!;
    expect([closed.status, closed.number_status, closed.status_reason]).toEqual(['CLOSED', 'RELEASED', MATERIALS_NOT_SUBMITTED]);
    expect(await numberRow(held!.e164)).toMatchObject({ status: 'AVAILABLE', tenant_id: null, application_id: null });
    expect((await orderOf(delivered.order_id!)).status).toBe('CANCELLED');
    expect((await failure(submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: docs() }))).code).toBe('INVALID_STATUS');
    expect((await eventsOf(app.id)).at(-1)).toMatchObject({ status: 'CLOSED', previousStatus: 'PENDING_PAYMENT', reason: MATERIALS_NOT_SUBMITTED });
  });

  it('N6: a 400 application paid but without materials: at the deadline the number is released and the payment refunded', async () => {
    const app = await apply400();
    await reviewNumberApplication(ops(), app.id, 'APPROVE');
    await runDueJobs();
    const delivered = (await findApplication(ops(), app.id))!;
    const before = (await balanceOf(as(acme.admin))).amount;
    await payOrder(as(acme.admin), delivered.order_id!);
    expect((await findApplication(ops(), app.id))!.number_status).toBe('TAKING_EFFECT');
    w.clock.advance(7 * 86_400);
    await runDueJobs();
    const closed = (await findApplication(ops(), app.id))!;
    expect([closed.status, closed.number_status]).toEqual(['CLOSED', 'RELEASED']);
    expect((await balanceOf(as(acme.admin))).amount).toBe(before);
    const refund = await w.db.selectFrom('ledger_entries').selectAll().where('order_id', '=', delivered.order_id!).where('kind', '=', 'ADJUSTMENT').execute();
    expect(refund).toHaveLength(1);
    expect(refund[0]!.amount).toBe('7500.000');
  });

  it('N6: materials need a saved handler and all four documents', async () => {
    const app = await apply400();
    const missing = await failure(submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: docs(['AUTHORIZATION_LETTER']) }));
    expect([missing.field, missing.message]).toEqual(['documents', expect.stringContaining('BUSINESS_ACCEPTANCE_FORM')]);
    const twice = await failure(
      submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: [...docs(), ...docs(['AUTHORIZATION_LETTER'])] }),
    );
    expect(twice.field).toBe('documents.4.documentType');
    const noHandler = await failure(submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Nobody', documents: docs() }));
    expect([noHandler.code, noHandler.field]).toEqual(['NOT_FOUND', 'handlerName']);
    const badFile = await failure(
      submitHandlerMaterials(as(acme.admin), {
        applicationId: app.id,
        handlerName: 'Wang Wu',
        documents: docs().map((d, i) => (i === 2 ? { ...d, file: new File(['plain text'], 'x.pdf', { type: 'application/pdf' }) } : d)),
      }),
    );
    expect(badFile.field).toBe('documents.2.file');
    const local = await applyForNumbers(as(acme.admin), input());
    expect((await failure(submitHandlerMaterials(as(acme.admin), { applicationId: local.id, handlerName: 'Wang Wu', documents: docs() }))).code).toBe(
      'MATERIALS_NOT_REQUIRED',
    );
    expect((await findApplication(ops(), app.id))!.materials_status).toBe('PENDING');
    expect(await materialsOf(ops(), [app.id])).toEqual([]);
  });

  it('N6: the carrier review of the materials (OPERATOR) is what makes a paid 400 number ACTIVE', async () => {
    const app = await apply400();
    const submitted = await submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: docs() });
    expect(submitted.materials_status).toBe('SUBMITTED');
    expect(await materialsOf(as(acme.supervisor), [app.id])).toHaveLength(4);
    await reviewNumberApplication(ops(), app.id, 'APPROVE');
    await runDueJobs();
    const delivered = (await findApplication(ops(), app.id))!;
    await payOrder(as(acme.admin), delivered.order_id!);
    w.clock.advance(3600);
    await runDueJobs();
    // Paid, but the carrier has not approved the materials: still taking effect.
    expect((await findApplication(ops(), app.id))!.number_status).toBe('TAKING_EFFECT');

    expect((await failure(reviewHandlerMaterials(ops(), app.id, 'REJECT'))).field).toBe('reason');
    const rejected = await reviewHandlerMaterials(ops(), app.id, 'REJECT', 'The authorization letter is not stamped');
    expect([rejected.materials_status, rejected.materials_review_reason]).toEqual(['REJECTED', 'The authorization letter is not stamped']);
    await submitHandlerMaterials(as(acme.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: docs() });
    expect(await materialsOf(ops(), [app.id])).toHaveLength(4);
    const approved = await reviewHandlerMaterials(ops(), app.id, 'APPROVE');
    expect(approved.materials_status).toBe('APPROVED');
    w.clock.advance(w.ctx().settings.numberActivationSeconds);
    await runDueJobs();
    const done = (await findApplication(ops(), app.id))!;
    expect([done.status, done.number_status]).toEqual(['COMPLETED', 'ACTIVE']);
    const [n] = await numbersOfApplications(ops(), [app.id]);
    expect(n!.status).toBe('ACTIVE');
    expect(n!.call_type).toBe('INBOUND_ONLY');

    // The deadline passing later changes nothing.
    w.clock.advance(8 * 86_400);
    await runDueJobs();
    expect((await findApplication(ops(), app.id))!.status).toBe('COMPLETED');
  });
});

describe('N3: tenant isolation of applications and outbox emails', () => {
  it("N3: another tenant's application is invisible and cannot be acted on; emails are the tenant's own", async () => {
    const app = await applyForNumbers(as(acme.admin), input());
    expect(await findApplication(as(beta.admin), app.id)).toBeNull();
    expect(await applicationsQuery(as(beta.supervisor)).execute()).toEqual([]);
    expect(await numbersOfApplications(as(beta.admin), [app.id])).toEqual([]);
    const e = await failure(submitHandlerMaterials(as(beta.admin), { applicationId: app.id, handlerName: 'Wang Wu', documents: docs() }));
    expect([e.code, e.field]).toEqual(['NOT_FOUND', 'applicationId']);
    expect(await outboxQuery(as(beta.admin)).execute()).toEqual([]);
    expect((await outboxQuery(as(acme.admin)).execute()).length).toBeGreaterThan(0);
    expect((await outboxQuery(ops()).execute()).length).toBe((await outboxQuery(as(acme.admin)).execute()).length);
  });
});
