import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { planWorld, plannedQuery } from '../support/plan-fixtures.js';
import { ok } from '../support/graphql.js';
import { inChunks, planOf, queryRows, runSql } from '../support/plans.js';
import { captureQueries } from '../support/sql-count.js';

/**
 * C3 at scale: the overview's webhook health (its counts) and the webhooks page's dead letters and pending deliveries are read from an index of
 * the deliveries not delivered (migration 0027), not by walking the tenant's delivered ones: among
 * 20 000 DELIVERED deliveries, the statements the API really sends are planned.
 */

let t: TestApp;
let A: TenantFixture;
let partner: string;
const LIST = `query($status: DeliveryStatus) { deliveries(first: 20, status: $status) { edges { node { status url } } } }`;

beforeAll(async () => {
  t = await startTestApp();
  ({ A, partner } = await planWorld(t, 'd-1', { secondsAgo: 60 }));
  // the reported call's tenant and app; `age`: seconds before now the delivery was made
  const rows = (status: string, name: string, age: string, from = '') =>
    `insert into deliveries (tenant_id, app_id, kind, url, payload, item_count, status, attempts, next_attempt_at, created_at, updated_at)
     select c.tenant_id, c.app_id, 'CDR', 'https://hooks.example/${name}', '[]'::jsonb, 1, '${status}', ${status === 'PENDING' ? 0 : 7},
       ${status === 'PENDING' ? 'now()' : 'null'}, now() - ${age} * interval '1 second', now()
     from cdrs c ${from} where c.switch_call_id = 'd-1'`;
  await runSql(
    t.databaseUrl,
    ...inChunks(rows('DELIVERED', 'ok', 'i', 'cross join generate_series(1, 20000) i')),
    rows('DEAD', 'dead', '30000'),
    rows('PENDING', 'pending', '30001'),
    'analyze deliveries',
  );
}, 60_000);
afterAll(() => t?.stop());

describe('C3: deliveries not delivered are found without reading the delivered ones', () => {
  it('C3: the dead letters and the pending deliveries of the tenant and of a PARTNER key are read from an index of open deliveries only', async () => {
    for (const key of [A.keys.admin, partner])
      for (const status of ['DEAD', 'PENDING']) {
        const { data, plan } = await plannedQuery(t, /from "deliveries"/, LIST, { status }, key);
        const found = data.deliveries.edges.map((e: any) => e.node);
        expect(found.every((d: any) => d.status === status)).toBe(true);
        expect(found).toContainEqual({ status, url: `https://hooks.example/${status.toLowerCase()}` });
        expect(plan.types).not.toContain('Seq Scan');
        // the open deliveries' index (or, for PENDING, the due index: pending ones only)
        expect(plan.indexes.length).toBeGreaterThan(0);
        expect(plan.indexes.filter((i) => i !== 'deliveries_open_idx' && i !== 'deliveries_due_idx')).toEqual([]);
      }
  });
  it('C3: webhookHealth counts the open deliveries from their index and the 20 000 delivered from their counters, reading no delivered row', async () => {
    const HEALTH = `{ webhookHealth { pending dead delivered } }`;
    let data: any;
    const sent = await captureQueries(/from "(deliveries|delivery_counts)"/, async () => (data = ok(await t.gql(HEALTH, {}, A.keys.admin))));
    const delivered = Number((await queryRows(t.databaseUrl, `select count(*)::int as n from deliveries where status = 'DELIVERED' and tenant_id = $1`, [A.tenantId]))[0].n);
    expect(delivered).toBeGreaterThanOrEqual(20_000);
    expect(data.webhookHealth).toMatchObject({ dead: 1, delivered });
    expect(data.webhookHealth.pending).toBeGreaterThanOrEqual(1);
    expect(sent).toHaveLength(2);
    for (const s of sent) {
      const plan = await planOf(t.databaseUrl, s.text, s.values);
      expect(plan.types).not.toContain('Seq Scan');
      expect(plan.indexes.filter((i) => !['deliveries_open_idx', 'deliveries_due_idx', 'delivery_counts_pkey'].includes(i))).toEqual([]);
    }
  });
});

