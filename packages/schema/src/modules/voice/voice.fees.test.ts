import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { insertQualification } from '../../../../../test/support/qualifications.js';
import { runTask } from '../../jobs/tasks.js';
import { balanceOf, setTariff, topUpBalance } from '../billing/billing.service.js';
import { importNumbers } from '../numbers/numbers.inventory.js';
import { runUnsubscribeChecks, unsubscribeNumbers } from '../numbers/unsubscribe.service.js';
import { createVoiceApp } from './voice.apps.js';
import { chargeMonthlyFees, MONTHLY_FEE_TASK, sweepMonthlyFees } from './voice.fees.js';
import { openVoiceNumbers } from './voice.numbers.js';
import type { VoiceNumber } from './voice.table.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;
let app: string;
const opened: VoiceNumber[] = [];

const ops = () => w.ctx();
const balance = async (t: TenantFixture) => (await balanceOf(w.ctx(t.admin))).amount;
const feeOrders = () => w.db.selectFrom('orders').selectAll().where('kind', '=', 'VOICE_MONTHLY_FEE').orderBy('created_at').execute();
const chargedIn = async (month: string) =>
  (await w.db.selectFrom('voice_fee_charges').select('voice_number_id').where('month', '=', `${month}-01`).execute()).map((c) => c.voice_number_id).sort();

/** The job of the tenant's month as graphile-worker holds it (what a worker would take). */
async function monthJob(tenantId: string, month: string) {
  const r = await sql<{ task_identifier: string; key: string; max_attempts: number; flags: Record<string, unknown> | null; payload: unknown; run_at: Date }>`
    select t.identifier as task_identifier, j.key, j.max_attempts, j.flags, j.payload, j.run_at
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where j.key = ${`voice-monthly-fee:${tenantId}:${month}`}`.execute(w.db);
  return r.rows[0];
}

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
  await sql`update tenants set time_zone = 'UTC' where id = ${beta.tenantId}`.execute(w.db);
  for (const t of [acme, beta]) await insertQualification(w.db, w.clock, t.tenantId, 'STANDARD');
  await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '200' });
  await topUpBalance(ops(), { tenantId: beta.tenantId, amount: '50' });
  await importNumbers(
    ops(),
    Array.from({ length: 6 }, (_, i) => ({ number: `021 6800 ${1000 + i}`, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_UNICOM' })),
  );
  app = (await createVoiceApp(w.ctx(acme.admin), { name: 'Notices' })).id;
  // 2026-11-25 10:00 in Shanghai: November is paid at opening, a part month as a whole one
  opened.push(...(await openVoiceNumbers(w.ctx(acme.admin), { appId: app, count: 2 })).numbers);
});
afterAll(() => w?.drop());

describe('V1: the monthly function fee', () => {
  it('V1: the job of a month is due at 00:00 on its first day in the tenant’s time zone (Asia/Shanghai by default; UTC for a tenant in UTC)', async () => {
    expect((await monthJob(acme.tenantId, '2026-12'))?.run_at.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    const betaApp = (await createVoiceApp(w.ctx(beta.admin), { name: 'Notices' })).id;
    await openVoiceNumbers(w.ctx(beta.admin), { appId: betaApp, count: 1 });
    expect((await monthJob(beta.tenantId, '2026-12'))?.run_at.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(await chargedIn('2026-11')).toHaveLength(3);
  });

  it('V1: run early (a second before the month starts in the tenant’s zone), the job puts itself back and charges nothing', async () => {
    w.clock.set(new Date('2026-11-30T15:59:59Z'));
    const job = (await monthJob(acme.tenantId, '2026-12'))!;
    expect(job.task_identifier).toBe(MONTHLY_FEE_TASK);
    expect(await runTask(job, job.payload, ops())).toBe('not yet due');
    expect(await chargeMonthlyFees(ops(), acme.tenantId, '2026-12')).toEqual({ status: 'NOT_YET_DUE' });
    expect(await feeOrders()).toEqual([]);
    expect((await monthJob(acme.tenantId, '2026-12'))?.run_at.getTime()).toBeGreaterThan(0);
  });

  it('V1: at 00:00 on the 1st (tenant’s zone) every number open then is charged 50 CNY: one order VOICE_MONTHLY_FEE, a line per number with the month’s bounds; the next month’s job is queued', async () => {
    w.clock.set(new Date('2026-11-30T16:00:00Z'));
    const job = (await monthJob(acme.tenantId, '2026-12'))!;
    expect(await runTask(job, job.payload, ops())).toBe('ran');
    const [order] = await feeOrders();
    expect(order).toMatchObject({ tenant_id: acme.tenantId, status: 'PAID', total: '100.000' });
    const lines = await w.db.selectFrom('order_lines').selectAll().where('order_id', '=', order!.id).orderBy('position').execute();
    expect(lines.map((l) => [l.kind, l.tariff_code, l.quantity, l.amount, l.subject_id])).toEqual(
      [...opened].sort((a, b) => a.e164.localeCompare(b.e164)).map((v) => ['VOICE_NUMBER_FEE', 'VOICE_NUMBER_MONTHLY', 1, '50.000', v.id]),
    );
    expect(lines.map((l) => [l.period_start!.toISOString(), l.period_end!.toISOString()])).toEqual(Array(2).fill(['2026-11-30T16:00:00.000Z', '2026-12-31T16:00:00.000Z']));
    expect(await chargedIn('2026-12')).toEqual(opened.map((v) => v.id).sort());
    expect(await balance(acme)).toBe('0.000');
    expect((await monthJob(acme.tenantId, '2027-01'))?.run_at.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('V1: a rerun (or a restart) of the month charges nothing twice', async () => {
    expect(await chargeMonthlyFees(ops(), acme.tenantId, '2026-12')).toMatchObject({ status: 'CHARGED', order: null, charged: 0 });
    await sweepMonthlyFees(ops());
    expect(await feeOrders()).toHaveLength(1);
    expect(await balance(acme)).toBe('0.000');
  });

  it('V1: unsubscribed during December → charged for December, not from January on; opened during December → paid at opening, charged in January; an OPERATOR’s tariff change applies; two runs at once charge once, into arrears if need be', async () => {
    w.clock.set(new Date('2026-12-10T04:00:00Z'));
    const batch = await unsubscribeNumbers(w.ctx(acme.admin), [opened[0]!.number_id]);
    await runUnsubscribeChecks(ops(), batch.id);
    await topUpBalance(ops(), { tenantId: acme.tenantId, amount: '50' });
    const late = (await openVoiceNumbers(w.ctx(acme.admin), { appId: app, count: 1 })).numbers[0]!;
    expect(await chargedIn('2026-12')).toEqual([...opened.map((v) => v.id), late.id].sort());
    expect(await balance(acme)).toBe('0.000');
    await setTariff(ops(), { code: 'VOICE_NUMBER_MONTHLY', amount: '60' });

    w.clock.set(new Date('2026-12-31T16:00:00Z'));
    const runs = await Promise.all([chargeMonthlyFees(ops(), acme.tenantId, '2027-01'), chargeMonthlyFees(ops(), acme.tenantId, '2027-01')]);
    expect(runs.map((r) => (r.status === 'CHARGED' ? r.charged : -1)).sort()).toEqual([0, 2]);
    const orders = await feeOrders();
    expect(orders).toHaveLength(2);
    expect(orders[1]).toMatchObject({ status: 'PAID', total: '120.000' });
    expect(await chargedIn('2027-01')).toEqual([opened[1]!.id, late.id].sort());
    // a fee cannot be refused: the balance goes into arrears, recorded in the ledger
    expect(await balance(acme)).toBe('-120.000');
    const entry = await w.db.selectFrom('ledger_entries').selectAll().where('order_id', '=', orders[1]!.id).executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ kind: 'ORDER_PAYMENT', amount: '-120.000', balance_after: '-120.000' });
  });

  it('V1: the sweep charges a month whose job was lost; a tenant with no open number queues no further job', async () => {
    await sql`delete from graphile_worker._private_jobs where key like 'voice-monthly-fee:%'`.execute(w.db);
    w.clock.set(new Date('2027-01-31T16:00:30Z'));
    // Acme (Shanghai: February has begun) and Beta (UTC: still January; its December and January jobs were lost)
    expect(await sweepMonthlyFees(ops())).toBe(3);
    expect((await w.db.selectFrom("voice_fee_charges").select("month").where("tenant_id", "=", beta.tenantId).orderBy("month").execute()).map((c) => String(c.month))).toEqual(["2026-11-01", "2026-12-01", "2027-01-01"]);
    expect(await chargedIn('2027-02')).toEqual([opened[1]!.id, (await lateNumber()).id].sort());
    expect(await sweepMonthlyFees(ops())).toBe(0);
    // Beta closes its only number: its next month has no job
    const betaNumber = await w.db.selectFrom('voice_numbers').selectAll().where('tenant_id', '=', beta.tenantId).executeTakeFirstOrThrow();
    const batch = await unsubscribeNumbers(w.ctx(beta.admin), [betaNumber.number_id]);
    await runUnsubscribeChecks(ops(), batch.id);
    w.clock.set(new Date('2027-02-01T00:00:00Z'));
    expect(await chargeMonthlyFees(ops(), beta.tenantId, '2027-02')).toMatchObject({ charged: 0 });
    expect(await monthJob(beta.tenantId, '2027-03')).toBeUndefined();
  });
});

const lateNumber = () =>
  w.db.selectFrom('voice_numbers').selectAll().where('tenant_id', '=', acme.tenantId).where('closed_at', 'is', null).where('id', '<>', opened[1]!.id).executeTakeFirstOrThrow();
