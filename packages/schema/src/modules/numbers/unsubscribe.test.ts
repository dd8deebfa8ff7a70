import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { filedQualification } from '../../../../../test/support/qualifications.js';
import type { Actor } from '../../access/actor.js';
import { payOrder, topUpBalance } from '../billing/billing.service.js';
import { calendarDate } from '../../shared/calendar.js';
import { importNumbers, purchaseNumber, renewNumber } from './numbers.service.js';
import {
  findUnsubscribeBatch,
  firstOfNextMonth,
  registerUnsubscribeCheck,
  runUnsubscribeChecks,
  unsubscribeBatchesQuery,
  unsubscribeItemsOf,
  unsubscribeNumbers,
} from './unsubscribe.service.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;
const quals: Record<string, string> = {};
let next = 0;

const ops = () => w.ctx();
const as = (a: Actor) => w.ctx(a);

const approvedQualification = (t: TenantFixture) => filedQualification(w, t);

/** A number of the tenant: bought (N2), and paid unless told otherwise. */
async function ownNumber(t: TenantFixture, paid = true) {
  const e = `010 6600 ${String(1000 + next++)}`;
  await importNumbers(ops(), [{ number: e, type: 'LOCAL', province: 'Beijing', city: 'Beijing', carrier: 'China Telecom' }]);
  const stock = await w.db.selectFrom('numbers').selectAll().where('status', '=', 'AVAILABLE').orderBy('created_at', 'desc').orderBy('e164', 'desc').executeTakeFirstOrThrow();
  const { number, order } = await purchaseNumber(as(t.admin), { numberId: stock.id, qualificationId: quals[t.tenantId]!, callType: 'INBOUND_ONLY' });
  if (paid) await payOrder(as(t.admin), order.id);
  return number;
}

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  quals[acme.tenantId] = await approvedQualification(acme);
  quals[beta.tenantId] = await approvedQualification(beta);
  await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '10000' });
  await topUpBalance(ops(), { tenantId: beta.tenantId, amount: '10000' });
});
afterAll(() => w?.drop());

const batchCount = async () => Number((await sql<{ n: string }>`select count(*)::text as n from unsubscribe_batches`.execute(w.db)).rows[0]!.n);

describe('N7: unsubscribing numbers in a batch', () => {
  it('N7: fees stop from the first day of the next month in the tenant time zone', () => {
    expect(firstOfNextMonth(new Date('2026-11-30T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-12-01');
    expect(firstOfNextMonth(new Date('2026-11-30T16:00:00Z'), 'Asia/Shanghai')).toBe('2027-01-01');
    expect(firstOfNextMonth(new Date('2026-12-31T23:00:00Z'), 'UTC')).toBe('2027-01-01');
  });

  it('N7: the batch starts CHECKING; numbers that pass go back to stock, one with an unpaid order fails with UNPAID_ORDER: PARTIAL_SUCCESS', async () => {
    const active = await ownNumber(acme);
    const renewing = await ownNumber(acme);
    await renewNumber(as(acme.admin), renewing.id); // an UNPAID renewal order
    const reserved = await ownNumber(acme, false); // its purchase order is unpaid
    w.clock.set(new Date('2026-11-30T16:30:00Z')); // 1 December in Shanghai

    const batch = await unsubscribeNumbers(as(acme.admin), [active.id, renewing.id, reserved.id]);
    expect(batch.status).toBe('CHECKING');
    const done = (await runUnsubscribeChecks(ops(), batch.id))!;
    expect(done.status).toBe('PARTIAL_SUCCESS');
    const items = await unsubscribeItemsOf(as(acme.supervisor), [batch.id]);
    expect(items.map((i) => [i.e164, i.result, i.reason_code])).toEqual([
      [active.e164, 'RELEASED', null],
      [renewing.e164, 'FAILED', 'UNPAID_ORDER'],
      [reserved.e164, 'FAILED', 'UNPAID_ORDER'],
    ]);
    expect(items[1]!.reason).toMatch(/order ORD\d+ for .* is unpaid/);
    expect(calendarDate(items[0]!.fees_end_month as string | Date)).toBe('2027-01-01');
    expect(items[1]!.fees_end_month).toBeNull();

    const released = await w.db.selectFrom('numbers').selectAll().where('id', '=', active.id).executeTakeFirstOrThrow();
    expect(released).toMatchObject({ status: 'AVAILABLE', tenant_id: null, qualification_id: null, term_end: null });
    const kept = await w.db.selectFrom('numbers').selectAll().where('id', '=', renewing.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ status: 'ACTIVE', tenant_id: acme.tenantId });

    const events = await readableEvents(w.db, { subjectId: batch.id }, { limit: 10 });
    expect(events.map((e) => e.payload)).toEqual([
      { status: 'CHECKING', previousStatus: null, released: 0, failed: 0, total: 3 },
      { status: 'PARTIAL_SUCCESS', previousStatus: 'CHECKING', released: 1, failed: 2, total: 3 },
    ]);
    const numberEvents = await readableEvents(w.db, { subjectId: active.id, types: ['NUMBER_STATUS_CHANGED'] }, { limit: 10 });
    expect(numberEvents.at(-1)!.payload).toMatchObject({ status: 'AVAILABLE', previousStatus: 'ACTIVE', reason: 'UNSUBSCRIBED', feesEndMonth: '2027-01-01' });
    expect(numberEvents.at(-1)!.tenantId).toBe(acme.tenantId);
    // A finished batch is not checked again.
    expect((await runUnsubscribeChecks(ops(), batch.id))!.status).toBe('PARTIAL_SUCCESS');
  });

  it('N7: all pass → COMPLETED; none pass → CHECK_FAILED; later modules add their checks to the registry', async () => {
    const a = await ownNumber(acme);
    const b = await ownNumber(acme);
    const completed = await unsubscribeNumbers(as(acme.admin), [a.id, b.id]);
    expect((await runUnsubscribeChecks(ops(), completed.id))!.status).toBe('COMPLETED');

    const primary = await ownNumber(acme);
    registerUnsubscribeCheck('testPrimaryNumber', async (_tx, n) =>
      n.id === primary.id ? { code: 'INSTANCE_PRIMARY_NUMBER', reason: `${n.e164} is the primary number of instance demo` } : null,
    );
    const failed = await unsubscribeNumbers(as(acme.admin), [primary.id]);
    expect((await runUnsubscribeChecks(ops(), failed.id))!.status).toBe('CHECK_FAILED');
    const [item] = await unsubscribeItemsOf(ops(), [failed.id]);
    expect([item!.result, item!.reason_code]).toEqual(['FAILED', 'INSTANCE_PRIMARY_NUMBER']);
  });

  it("N7: another tenant's number, unknown ids, duplicates or an empty list are refused naming the entry, and nothing is written", async () => {
    const own = await ownNumber(acme);
    const theirs = await ownNumber(beta);
    const before = await batchCount();
    const foreign = await failure(unsubscribeNumbers(as(acme.admin), [own.id, theirs.id]));
    expect([foreign.code, foreign.field]).toEqual(['NOT_FOUND', 'numberIds.1']);
    const unknown = await failure(unsubscribeNumbers(as(acme.admin), ['00000000-0000-0000-0000-000000000000']));
    expect([unknown.code, unknown.field]).toEqual(['NOT_FOUND', 'numberIds.0']);
    expect((await failure(unsubscribeNumbers(as(acme.admin), [own.id, own.id]))).field).toBe('numberIds.1');
    expect((await failure(unsubscribeNumbers(as(acme.admin), []))).field).toBe('numberIds');
    expect((await failure(unsubscribeNumbers(as(acme.supervisor), [own.id]))).code).toBe('FORBIDDEN');
    expect(await batchCount()).toBe(before);
  });

  it("N7: a tenant sees only its own batches", async () => {
    const own = await ownNumber(beta);
    const batch = await unsubscribeNumbers(as(beta.admin), [own.id]);
    expect(await findUnsubscribeBatch(as(acme.admin), batch.id)).toBeNull();
    expect((await unsubscribeBatchesQuery(as(acme.supervisor)).execute()).some((b) => b.id === batch.id)).toBe(false);
    expect(await unsubscribeItemsOf(as(acme.admin), [batch.id])).toEqual([]);
    expect((await findUnsubscribeBatch(as(beta.supervisor), batch.id))!.id).toBe(batch.id);
    expect((await unsubscribeBatchesQuery(ops()).execute()).some((b) => b.id === batch.id)).toBe(true);
  });
});
