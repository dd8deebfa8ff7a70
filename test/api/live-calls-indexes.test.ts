import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid } from '../support/graphql.js';
import { planWorld, plannedQuery } from '../support/plan-fixtures.js';
import { inChunks, planOf, runSql } from '../support/plans.js';

/**
 * C1: the live-call lists are answered from the partial live-call indexes (`ended_at is null`; by
 * app and by instance only the calls that have one), not by reading the tenant's calls: among
 * 20 000 ended calls of the tenant, the statements the API really sends (and the instance
 * metrics' queue count) read only live rows. Migrations 0020 and 0022 moved these indexes off
 * `state` so that an event that changes a call's state but not its end updates the row in place.
 */

let t: TestApp;
let A: TenantFixture;
let partner: string;
const LIVE = `query($app: ID, $instance: ID) { liveCalls(appId: $app, instanceId: $instance, first: 20) { edges { node { switchCallId state } } } }`;

/** The live calls the key sees through the API, and the plan of the statement it sent. */
async function liveCalls(key: string, vars: Record<string, string> = {}) {
  const { data, plan } = await plannedQuery(t, /from "calls"/, LIVE, vars, key);
  return { calls: data.liveCalls.edges.map((e: any) => [e.node.switchCallId, e.node.state]), plan };
}

beforeAll(async () => {
  t = await startTestApp();
  ({ A, partner } = await planWorld(t, 'live-1', { secondsAgo: 600, live: true }));
  // 20 000 ended calls of the same tenant and app
  await runSql(
    t.databaseUrl,
    ...inChunks(`
    insert into calls (tenant_id, app_id, number_id, switch_call_id, direction, state, x_e164, call_in_at, ended_at, created_at, updated_at)
    select c.tenant_id, c.app_id, c.number_id, 'ended-' || i, 'IN', 'ENDED', c.x_e164, c.created_at, c.created_at, c.created_at, c.created_at
    from calls c, generate_series(1, 20000) i where c.switch_call_id = 'live-1'`),
    'analyze calls',
  );
});
afterAll(() => t?.stop());

describe('C1: live calls are read from the live-call indexes', () => {
  it('C1: liveCalls of a PARTNER key, of the tenant, and of an instance read only live rows, through their partial indexes', async () => {
    const byApp = await liveCalls(partner);
    expect(byApp.calls).toEqual([['live-1', 'RINGING']]);
    expect(byApp.plan.types).not.toContain('Seq Scan');
    expect(byApp.plan.indexes).toContain('calls_live_app_idx');

    const byTenant = await liveCalls(A.keys.admin);
    expect(byTenant.calls).toEqual([['live-1', 'RINGING']]);
    expect(byTenant.plan.types).not.toContain('Seq Scan');
    expect(byTenant.plan.indexes.some((i) => /^calls_live_(tenant|app)_idx$/.test(i))).toBe(true);

    const byInstance = await liveCalls(A.keys.admin, { instance: gid('Instance', randomUUID()) });
    expect(byInstance.calls).toEqual([]);
    expect(byInstance.plan.types).not.toContain('Seq Scan');
    expect(byInstance.plan.indexes).toContain('calls_live_instance_idx');
  });

  it('C1: the instance metrics’ queue count (instance_id in …, QUEUED) reads only live rows', async () => {
    const plan = await planOf(t.databaseUrl, `select instance_id, count(*) from calls where instance_id in ($1, $2) and ended_at is null and state = 'QUEUED' group by instance_id`, [randomUUID(), randomUUID()]);
    expect(plan.types).not.toContain('Seq Scan');
    expect(plan.indexes.length && plan.indexes.every((i) => /^calls_live_/.test(i))).toBe(true);
  });
});
