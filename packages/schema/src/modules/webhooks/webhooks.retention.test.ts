import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import { createPrivacyApp } from '../privacy/privacy.service.js';
import { trimDeliveries } from './webhooks.retention.js';

/** C3 and the call retention: finished deliveries older than the retention go with their attempts, a bounded number per statement and sweep; pending and newer ones stay. */

let s: PrivacyServiceWorld;
beforeAll(async () => {
  s = await privacyServiceWorld();
});
afterAll(() => s?.w.drop());

it('C3: finished deliveries made before the retention start are trimmed with their attempts, a bounded number per sweep; PENDING and later ones stay; the DELIVERED counters follow', async () => {
  const { app } = await createPrivacyApp(s.w.ctx(s.acme.admin), { name: 'retention', mode: 'AXB' });
  // the clock 14 months on: with the default 13 months kept, what was made 14 months ago goes
  const now = s.w.clock.now();
  const later = new Date(now.getTime() + 14 * 31 * 86_400_000);
  const ctx = { ...s.w.ctx(), clock: { now: () => later } } as ReturnType<typeof s.w.ctx>;
  const delivery = (name: string, status: 'PENDING' | 'DELIVERED' | 'DEAD', createdAt: Date) => ({
    tenant_id: s.acme.tenantId,
    app_id: app.id,
    kind: 'CDR' as const,
    url: `https://hooks.example/${name}`,
    payload: JSON.stringify([{ name }]),
    item_count: 1,
    status,
    attempts: status === 'PENDING' ? 0 : 7,
    next_attempt_at: status === 'PENDING' ? later : null,
    created_at: createdAt,
    updated_at: createdAt,
  });
  const rows = await s.w.db
    .insertInto('deliveries')
    .values([
      ...[1, 2, 3].map((i) => delivery(`old-delivered-${i}`, 'DELIVERED', now)),
      ...[1, 2].map((i) => delivery(`old-dead-${i}`, 'DEAD', now)),
      delivery('old-pending', 'PENDING', now),
      delivery('recent-delivered', 'DELIVERED', later),
    ])
    .returning(['id', 'url'])
    .execute();
  await s.w.db
    .insertInto('delivery_attempts')
    .values(rows.map((d) => ({ delivery_id: d.id, tenant_id: s.acme.tenantId, app_id: app.id, attempt: 1, attempted_at: now, status_code: 500, latency_ms: 3, error: null, created_at: now })))
    .execute();
  const left = async () => (await s.w.db.selectFrom('deliveries').select('url').where('app_id', '=', app.id).orderBy('url').execute()).map((d) => d.url.split('/').pop());
  const attempts = async () => Number((await s.w.db.selectFrom('delivery_attempts').select((eb) => eb.fn.countAll().as('n')).where('app_id', '=', app.id).executeTakeFirstOrThrow()).n);

  // the DELIVERED counters (migration 0028's triggers) follow every insert and delete
  const counted = async () => ({
    rows: Number((await s.w.db.selectFrom('deliveries').select((eb) => eb.fn.countAll().as('n')).where('app_id', '=', app.id).where('status', '=', 'DELIVERED').executeTakeFirstOrThrow()).n),
    counters: Number((await s.w.db.selectFrom('delivery_counts').select(sql<string>`coalesce(sum(delivered), 0)`.as('n')).where('app_id', '=', app.id).executeTakeFirstOrThrow()).n),
  });
  expect(await counted()).toEqual({ rows: 4, counters: 4 });
  expect(await trimDeliveries(ctx, { rows: 2, statements: 2 })).toBe(4);
  expect(await left()).toHaveLength(3);
  expect(await trimDeliveries(ctx, { rows: 2, statements: 2 })).toBe(1);
  expect(await left()).toEqual(['old-pending', 'recent-delivered']);
  expect(await attempts()).toBe(2);
  expect(await counted()).toEqual({ rows: 1, counters: 1 });
  // a status change moves the count: the pending one delivered, the recent one dead (as no path does, but the count follows)
  await s.w.db.updateTable('deliveries').set({ status: 'DELIVERED', next_attempt_at: null }).where('url', 'like', '%/old-pending').execute();
  await s.w.db.updateTable('deliveries').set({ status: 'DEAD' }).where('url', 'like', '%/recent-delivered').execute();
  expect(await counted()).toEqual({ rows: 1, counters: 1 });
  // nothing is past the retention by the real clock
  expect(await trimDeliveries(s.w.ctx())).toBe(0);
});
