import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { PLAN_X as X1, planWorld } from '../support/plan-fixtures.js';
import { inChunks, planOf, runSql } from '../support/plans.js';
import { captureQueries } from '../support/sql-count.js';

/**
 * C2, P9: `cdrs(number:)` (caller, called, callee or X) is answered from indexes: among 20 000 CDRs
 * of the tenant's month, PostgreSQL combines the four numbers' indexes (a BitmapOr) instead of
 * reading every CDR of the window. The plan is that of the statement the API really sends.
 */

let t: TestApp;
let A: TenantFixture;

beforeAll(async () => {
  t = await startTestApp();
  ({ A } = await planWorld(t, 'n-1', { secondsAgo: 600 }));
  // 20 000 more CDRs of the tenant in the same minute, each with numbers of its own
  await runSql(
    t.databaseUrl,
    ...inChunks(`
    insert into cdrs (tenant_id, app_id, call_id, switch_call_id, switch_event_id, x_e164, caller_e164, called_e164, callee_e164, ended_at, billable_minutes, created_at, updated_at)
    select c.tenant_id, c.app_id, c.call_id, 'bulk-' || i, 'bulk-' || i, '+8621' || lpad(i::text, 8, '0'), '+8613' || lpad(i::text, 9, '0'),
      '+8614' || lpad(i::text, 9, '0'), '+8615' || lpad(i::text, 9, '0'), c.ended_at, 0, c.created_at, c.updated_at
    from cdrs c, generate_series(1, 20000) i where c.switch_call_id = 'n-1'`),
    'analyze cdrs',
  );
});
afterAll(() => t?.stop());

describe('C2/P9: a CDR search by number', () => {
  it('C2: cdrs(number:) finds the CDR by its called number, and PostgreSQL answers it from the four numbers’ indexes', async () => {
    const query = `{ cdrs(number: "${X1}") { edges { node { switchCallId called } } } }`;
    let data: unknown;
    const sent = await captureQueries(/from "cdrs"/, async () => (data = ok(await t.gql(query, {}, A.keys.admin))));
    expect(data).toEqual({ cdrs: { edges: [{ node: { switchCallId: 'n-1', called: X1 } }] } });
    expect(sent).toHaveLength(1);
    const plan = await planOf(t.databaseUrl, sent[0]!.text, sent[0]!.values);
    const used = plan.indexes.map((name) => name.replace(/^cdrs_\d{4}_\d\d_/, 'cdrs_'));
    expect(plan.types).toContain('BitmapOr');
    expect(plan.types).not.toContain('Seq Scan');
    expect(used.some((name) => /called/.test(name))).toBe(true);
  });

  it('C2: cdrs(bindingId:) and cdrs(instanceId:) read the partial indexes of CDRs that have one (20 000 CDRs have neither)', async () => {
    for (const [arg, type, index] of [['bindingId', 'PrivacyBinding', 'binding'], ['instanceId', 'Instance', 'instance']] as const) {
      let data: any;
      const sent = await captureQueries(/from "cdrs"/, async () => (data = ok(await t.gql(`query($id: ID) { cdrs(${arg}: $id) { edges { node { switchCallId } } } }`, { id: gid(type, randomUUID()) }, A.keys.admin))));
      expect(data.cdrs.edges).toEqual([]);
      const plan = await planOf(t.databaseUrl, sent[0]!.text, sent[0]!.values);
      expect(plan.types, arg).not.toContain('Seq Scan');
      expect(plan.indexes.some((name) => name.endsWith(`_${index}_id_ended_at_idx`) || name === `cdrs_${index}_idx`), `${arg}: ${plan.indexes.join(', ')}`).toBe(true);
    }
  });
});
