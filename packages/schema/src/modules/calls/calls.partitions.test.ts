import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serviceWorld, type ServiceWorld } from '../../../../../test/support/context.js';
import { inTransaction } from '../../db/transaction.js';
import { ensureMonthsOf, maintainCallPartitions, partitionsOf } from './calls.partitions.js';

/** C2: the month partitions a report needs are made on the way, also when two reports race for them. */

let w: ServiceWorld;
beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

/** Whether a backend of this database waits for a lock (the second create, behind the first). */
async function someoneWaitsForALock(): Promise<boolean> {
  const r = await sql<{ n: string }>`select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(w.db);
  return Number(r.rows[0]!.n) > 0;
}

it('C2: two transactions making the same new month’s partitions at once both commit (the loser of the race keeps its transaction)', async () => {
  const month = new Date('2031-05-15T00:00:00Z');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let made = false;
  // the first makes the partitions and holds its transaction open
  const first = inTransaction(w.ctx(), async (tx) => {
    await ensureMonthsOf(tx.trx, [month], {});
    made = true;
    await gate;
    return 'first';
  });
  await expect.poll(() => made).toBe(true);
  // the second checks, finds none committed, and blocks behind the first's create
  const second = inTransaction(w.ctx(), async (tx) => {
    await ensureMonthsOf(tx.trx, [month], {});
    await sql`select 1`.execute(tx.trx); // the transaction is still usable
    return 'second';
  });
  await expect.poll(someoneWaitsForALock, { timeout: 10_000 }).toBe(true);
  release();
  expect(await Promise.all([first, second])).toEqual(['first', 'second']);
  const names = (await partitionsOf(w.db)).map((p) => p.name).filter((n) => n.endsWith('_203105'));
  expect(names.length).toBeGreaterThanOrEqual(3);
});

it('C2: calls ended before the retention start are trimmed a bounded number of rows per statement and per sweep; the next sweep goes on; live and later calls stay', async () => {
  const now = new Date('2027-06-15T00:00:00Z');
  const ctx = { ...w.ctx(), clock: { now: () => now } } as ReturnType<typeof w.ctx>;
  const tenant = await w.tenant('Trim Co');
  const call = (name: string, endedAt: string | null) => ({
    tenant_id: tenant.tenantId,
    switch_call_id: `trim-${name}`,
    direction: 'IN' as const,
    state: endedAt ? ('ENDED' as const) : ('RINGING' as const),
    x_e164: '+862155600001',
    ended_at: endedAt ? new Date(endedAt) : null,
    created_at: new Date('2027-03-01T00:00:00Z'),
    updated_at: new Date('2027-03-01T00:00:00Z'),
  });
  // retention 2 months: kept from 2027-04-01
  await w.db.insertInto('calls').values([...Array.from({ length: 7 }, (_, i) => call(`old-${i}`, `2027-03-0${i + 1}T10:00:00Z`)), call('live', null), call('kept', '2027-04-01T00:00:00Z')]).execute();
  const left = async () => (await w.db.selectFrom('calls').select('switch_call_id').where('tenant_id', '=', tenant.tenantId).orderBy('switch_call_id').execute()).map((c) => c.switch_call_id);
  await maintainCallPartitions(ctx, 2, { rows: 2, statements: 2 });
  expect((await left()).filter((n) => n.startsWith('trim-old'))).toHaveLength(3);
  await maintainCallPartitions(ctx, 2, { rows: 2, statements: 2 });
  expect(await left()).toEqual(['trim-kept', 'trim-live']);
});
