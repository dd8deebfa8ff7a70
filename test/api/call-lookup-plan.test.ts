import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ok } from '../support/graphql.js';
import { partnerKey } from '../support/partner-keys.js';
import { privacyApps } from '../support/privacy-fixtures.js';
import { inChunks, planOf, runSql } from '../support/plans.js';
import { captureQueries } from '../support/sql-count.js';

/**
 * C1: a report finds (and locks) its calls by one index probe per switch call id, whatever
 * PostgreSQL's statistics say. Here they are stale on purpose, as they are while a tenant's calls
 * grow faster than autovacuum analyses them: `calls` was analysed with one call in it, then
 * 20 000 live calls came. With `switch_call_id = any(…)` the planner then read every call of the
 * tenant and compared each with the batch's ids (measured in `pnpm bench ingest`: the look-up went
 * from 2.5 to 14 ms per batch as the table grew). The plan is that of the statement the API sends.
 */

let t: TestApp;
let partner: string;
const X1 = '+862155600001';
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`;
const BATCH = 400;

beforeAll(async () => {
  t = await startTestApp();
  const A = await t.tenant('Acme');
  const B = await t.tenant('Beta');
  const apps = await privacyApps(t, A, B);
  partner = await partnerKey(t, A, apps.app1, 'app1');
  const at = t.clock.now().getTime() - 600_000;
  const events = [{ eventId: 'probe-in', callId: 'probe', type: 'CALLIN', occurredAt: new Date(at).toISOString(), caller: '13800000003', called: X1 }];
  expect((ok(await t.gql(REPORT, { events }, partner)).reportCallEvents as { status: string }[]).map((r) => r.status)).toEqual(['STORED']);
  await runSql(
    t.databaseUrl,
    'alter table calls set (autovacuum_enabled = off)',
    'analyze calls',
    ...inChunks(`
    insert into calls (tenant_id, app_id, number_id, switch_call_id, direction, state, x_e164, call_in_at, created_at, updated_at)
    select c.tenant_id, c.app_id, c.number_id, 'bulk-' || i, 'IN', 'RINGING', c.x_e164, c.call_in_at, c.created_at, c.created_at
    from calls c, generate_series(1, 20000) i where c.switch_call_id = 'probe'`),
  );
});
afterAll(async () => {
  if (t) await runSql(t.databaseUrl, 'alter table calls reset (autovacuum_enabled)');
  await t?.stop();
});

describe('C1: a report’s calls are found by their switch call ids', () => {
  /** Reports ALERTINGs of `n` bulk calls with the key; returns the plan of the statement that found the calls. */
  async function lookupPlan(key: string, tag: string, n: number) {
    const at = new Date(t.clock.now().getTime() - 590_000).toISOString();
    const events = Array.from({ length: n }, (_, i) => ({ eventId: `${tag}-${i}`, callId: `bulk-${i * 40 + 1}`, type: 'ALERTING', occurredAt: at }));
    let statuses: string[] = [];
    const sent = await captureQueries(/from "calls"/, async () => (statuses = (ok(await t.gql(REPORT, { events }, key)).reportCallEvents as { status: string }[]).map((r) => r.status)));
    expect(statuses).toEqual(events.map(() => 'STORED'));
    const lookups = sent.filter((s) => /switch_call_id/.test(s.text));
    expect(lookups).toHaveLength(1);
    return planOf(t.databaseUrl, lookups[0]!.text, lookups[0]!.values);
  }

  it('C1: among 20 000 calls and stale statistics, the batch’s calls are read by index probes on their switch call id, not by reading the tenant’s calls', async () => {
    const plan = await lookupPlan(partner, 'alert', BATCH);
    expect(plan.indexes).toContain('calls_switch_call');
    expect(plan.indexConds.some((c) => /switch_call_id/.test(c))).toBe(true);
    expect(plan.filters.filter((f) => /switch_call_id/.test(f))).toEqual([]);
    expect(plan.types).not.toContain('Seq Scan');
  });

  it('C1: an OPERATOR’s report (calls of any tenant) finds them by index probes too, not by reading every call', async () => {
    const plan = await lookupPlan(t.operatorKey, 'op-alert', 100);
    expect(plan.indexes).toContain('calls_switch_call');
    expect(plan.indexConds.some((c) => /switch_call_id = s\.switch_call_id/.test(c))).toBe(true);
    expect(plan.filters.filter((f) => /switch_call_id/.test(f))).toEqual([]);
    expect(plan.types).not.toContain('Seq Scan');
  });
});
