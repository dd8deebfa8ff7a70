import { closeStatement, ManualClock } from '@callplane/schema';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { gid, ok } from './graphql.js';

/**
 * M2 rows for the isolation matrix: in each tenant (Asia/Shanghai), a top-up and an operator's
 * adjustment written an hour before the current month began (the clock is set back for them and
 * then forward again: money only, no job is due in between), then last month's statement closed
 * as the monthly job would: a Statement with an ADJUSTMENT line, whose source is the ledger entry.
 */
export async function isolationStatements(t: TestApp, tenants: TenantFixture[]): Promise<void> {
  const clock = t.clock;
  if (!(clock instanceof ManualClock)) throw new Error('isolationStatements moves a manual clock');
  const now = clock.now();
  // Asia/Shanghai is UTC+8 all year: the current month there began at its first day 00:00 +08:00
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const monthStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 8 * 3_600_000;
  const last = new Date(monthStart - 3_600_000 + 8 * 3_600_000);
  const month = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
  clock.set(new Date(monthStart - 3_600_000));
  try {
    for (const f of tenants) {
      const tenantId = gid('Tenant', f.tenantId);
      ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "10") { amount } }`, { t: tenantId }));
      ok(await t.gql(`mutation($t: ID!) { adjustBalance(tenantId: $t, amount: "-1.5", note: "last month's correction") { amount } }`, { t: tenantId }));
    }
  } finally {
    // a statement closes ten minutes into the month (statements.close.ts CLOSE_GRACE_MS)
    clock.set(new Date(Math.max(now.getTime(), monthStart + 11 * 60_000)));
  }
  for (const f of tenants) await closeStatement(t.app.systemContext(), f.tenantId, month);
}
