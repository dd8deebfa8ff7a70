import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ManualClock, defineTask, scheduleJob } from '@callplane/schema';
import type { TenantFixture } from '../support/context.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { insertQualification } from '../support/qualifications.js';

const DAY = 86_400_000;

// A task of this file only: it starts, then waits for the test to let it finish.
const gate = { started: deferred(), release: deferred(), finished: false };
defineTask('jobsTimeTest.slow', async () => {
  gate.started.resolve();
  await gate.release.promise;
  gate.finished = true;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls until `check` holds; fails naming what did not happen. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const advance = async (t: TestApp, seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds })).advanceClock as string;
const serverNow = async (t: TestApp) => ok(await t.gql(`{ now }`)).now as string;

/** A tenant with an approved qualification and money, on `t`. */
async function buyer(t: TestApp, name: string): Promise<TenantFixture & { qualification: string }> {
  const tenant = await t.tenant(name);
  const qualification = gid('Qualification', await insertQualification(t.app.db, t.clock, tenant.tenantId, 'STANDARD'));
  ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "1000") { amount } }`, { t: gid('Tenant', tenant.tenantId) }));
  return { ...tenant, qualification };
}

let serial = 0;
/** Imports a number and reserves it for the tenant (N2): the number and its UNPAID order. */
async function reserve(t: TestApp, tenant: TenantFixture & { qualification: string }) {
  const digits = String(3000 + serial++);
  ok(await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`, {
    rows: [{ number: `021-6200 ${digits}`, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_TELECOM' }],
  }));
  const stock = ok(await t.gql(`{ availableNumbers(type: LOCAL, first: 100) { edges { node { id e164 } } } }`, {}, tenant.keys.admin));
  const node = stock.availableNumbers.edges.map((e: any) => e.node).find((n: any) => n.e164 === `+86216200${digits}`);
  const bought = ok(
    await t.gql(
      `mutation($n: ID!, $q: ID!) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY) { number { id reservedUntil } order { id } } }`,
      { n: node.id, q: tenant.qualification },
      tenant.keys.admin,
    ),
  ).purchaseNumber;
  return { numberId: bought.number.id as string, orderId: bought.order.id as string, reservedUntil: bought.number.reservedUntil as string };
}

const numberState = async (t: TestApp, id: string) =>
  ok(await t.gql(`query($id: ID!) { node(id: $id) { ... on Number { status termEnd graceUntil } } }`, { id })).node as { status: string; termEnd: string | null; graceUntil: string | null };
const orderStatus = async (t: TestApp, id: string) => ok(await t.gql(`query($id: ID!) { order(id: $id) { status } }`, { id })).order.status as string;

/** The job of a key is gone, or waits for a time the database has not reached: no worker is about to take it. */
const settled = (t: TestApp, key: string) => async () =>
  !(await sql`select 1 from graphile_worker.jobs where key = ${key} and run_at <= now()`.execute(t.app.db)).rows.length;

/** Deletes the job of a key, as if it had been lost. */
const loseJob = (t: TestApp, key: string) => sql`select graphile_worker.remove_job(${key})`.execute(t.app.db);

describe('jobs under a manual clock behind real time', () => {
  let t: TestApp;
  let acme: TenantFixture & { qualification: string };
  beforeAll(async () => {
    t = await startTestApp({ clock: new ManualClock(new Date(Date.now() - 2 * DAY)) });
    acme = await buyer(t, 'Behind');
  });
  afterAll(() => t?.stop());

  it('a reservation expires exactly when the manual clock passes its time, even after a worker took its job early', async () => {
    const { numberId, orderId, reservedUntil } = await reserve(t, acme);
    expect(new Date(reservedUntil).getTime() - t.clock.now().getTime()).toBe(30 * 60_000);
    // by the database's real time the job is long due: let the real worker take it before the manual clock moves
    await until(settled(t, `order-expiry:${fromGlobal(orderId)}`), 'the worker has looked at the reservation-expiry job');
    await advance(t, 1799);
    expect(await orderStatus(t, orderId)).toBe('UNPAID');
    expect((await numberState(t, numberId)).status).toBe('RESERVED');
    await advance(t, 1);
    expect(await orderStatus(t, orderId)).toBe('EXPIRED');
    expect((await numberState(t, numberId)).status).toBe('AVAILABLE');
  });

  it('an overdue reservation whose job was lost is expired by the sweep (advanceClock runs it)', async () => {
    const { numberId, orderId } = await reserve(t, acme);
    await loseJob(t, `order-expiry:${fromGlobal(orderId)}`);
    await advance(t, 1800);
    expect(await orderStatus(t, orderId)).toBe('EXPIRED');
    expect((await numberState(t, numberId)).status).toBe('AVAILABLE');
  });

  it('a number whose term-end and grace-end jobs were lost still expires and goes back to stock (sweep)', async () => {
    const { numberId, orderId } = await reserve(t, acme);
    ok(await t.gql(`mutation($o: ID!) { payOrder(orderId: $o) { status } }`, { o: orderId }, acme.keys.admin));
    ok(await t.gql(`mutation($n: ID!) { setAutoRenew(numberId: $n, autoRenew: false) { autoRenew } }`, { n: numberId }, acme.keys.admin));
    const key = `number-term:${fromGlobal(numberId)}`;
    await loseJob(t, key);
    const { termEnd } = await numberState(t, numberId);
    await advance(t, Math.ceil((new Date(termEnd!).getTime() - t.clock.now().getTime()) / 1000));
    const expired = await numberState(t, numberId);
    expect(expired.status).toBe('EXPIRED');
    await loseJob(t, key);
    await advance(t, Math.ceil((new Date(expired.graceUntil!).getTime() - t.clock.now().getTime()) / 1000));
    expect((await numberState(t, numberId)).status).toBe('AVAILABLE');
  });

  it('the sweep is also a periodic job of the worker (graphile-worker cron)', async () => {
    const crontabs = await sql<{ identifier: string }>`select identifier from graphile_worker._private_known_crontabs`.execute(t.app.db);
    expect(crontabs.rows.map((r) => r.identifier)).toContain('jobs.sweepOverdue');
  });
});

describe('jobs under a manual clock ahead of real time', () => {
  let t: TestApp;
  let acme: TenantFixture & { qualification: string };
  beforeAll(async () => {
    t = await startTestApp({ clock: new ManualClock(new Date(Date.now() + 2 * DAY)) });
    acme = await buyer(t, 'Ahead');
  });
  afterAll(() => t?.stop());

  it('a job meant to run at once runs at once, without an advanceClock (N7 unsubscribe batch)', async () => {
    const { numberId, orderId } = await reserve(t, acme);
    ok(await t.gql(`mutation($o: ID!) { payOrder(orderId: $o) { status } }`, { o: orderId }, acme.keys.admin));
    const batch = ok(await t.gql(`mutation($ids: [ID!]!) { unsubscribeNumbers(numberIds: $ids) { id } }`, { ids: [numberId] }, acme.keys.admin)).unsubscribeNumbers;
    await until(
      async () => ok(await t.gql(`query($id: ID!) { unsubscribeBatch(id: $id) { status } }`, { id: batch.id }, acme.keys.admin)).unsubscribeBatch.status !== 'CHECKING',
      'the unsubscribe batch was checked',
    );
    expect((await numberState(t, numberId)).status).toBe('AVAILABLE');
  });

  it('a reservation still expires exactly at its time', async () => {
    const { orderId } = await reserve(t, acme);
    await advance(t, 1799);
    expect(await orderStatus(t, orderId)).toBe('UNPAID');
    await advance(t, 1);
    expect(await orderStatus(t, orderId)).toBe('EXPIRED');
  });
});

describe('advanceClock and running jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ settings: { advanceClockTimeoutMs: 2000 } });
  });
  afterAll(() => {
    gate.release.resolve();
    return t?.stop();
  });

  it('waits for a due job another worker already took; past its time-out it answers JOBS_STILL_RUNNING naming the job', async () => {
    await scheduleJob(t.app.db, 'jobsTimeTest.slow', {}, { runAt: t.clock.now(), jobKey: 'slow-one' });
    await gate.started.promise; // the server's worker has taken it
    const late = await t.gql(`mutation { advanceClock(seconds: 0) }`);
    expect(late.errors?.[0]?.extensions?.code).toBe('JOBS_STILL_RUNNING');
    expect(late.errors?.[0]?.message).toMatch(/jobsTimeTest\.slow/);
    expect(late.errors?.[0]?.message).toMatch(/slow-one/);
    expect(gate.finished).toBe(false);
    const waiting = t.gql(`mutation { advanceClock(seconds: 0) }`).then((r) => ({ r, finishedFirst: gate.finished }));
    gate.release.resolve();
    const { r, finishedFirst } = await waiting;
    expect(r.errors).toBeUndefined();
    expect(finishedFirst).toBe(true);
  });
});

describe('the manual clock survives a restart', () => {
  it('a second server on the same database resumes the manual clock where the first left it, and both move it together', async () => {
    const db = await createTestDatabase();
    const first = await startTestApp({ databaseUrl: db.url, clock: new ManualClock(new Date('2026-01-01T00:00:00Z')) });
    let second: TestApp | undefined;
    let third: TestApp | undefined;
    try {
      expect(await advance(first, 3600)).toBe('2026-01-01T01:00:00.000Z');
      await first.stop();
      second = await startTestApp({ databaseUrl: db.url });
      expect(await serverNow(second)).toBe('2026-01-01T01:00:00.000Z');
      // two servers at once on one database: the clock moves from wherever the last advance left it
      third = await startTestApp({ databaseUrl: db.url });
      expect(await advance(second, 60)).toBe('2026-01-01T01:01:00.000Z');
      expect(await advance(third, 60)).toBe('2026-01-01T01:02:00.000Z');
    } finally {
      await third?.stop();
      await second?.stop();
      await first.stop();
      await db.drop();
    }
  });
});
