import { expect } from 'vitest';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { ok } from './graphql.js';
import { partnerKey } from './partner-keys.js';
import { privacyApps } from './privacy-fixtures.js';
import { planOf } from './plans.js';
import { captureQueries } from './sql-count.js';

export const PLAN_X = '+862155600001';
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`;

/**
 * The start of a query-plan test: tenants Acme and Beta with their privacy apps, a PARTNER key of
 * Acme's app 1, and one call on its X (PLAN_X) reported through the API, `secondsAgo` before the
 * clock (ended 9 s later unless `live`): the row the test then copies by the thousand in SQL.
 */
export async function planWorld(t: TestApp, callId: string, o: { secondsAgo: number; live?: boolean }): Promise<{ A: TenantFixture; partner: string }> {
  const A = await t.tenant('Acme');
  const B = await t.tenant('Beta');
  const apps = await privacyApps(t, A, B);
  const partner = await partnerKey(t, A, apps.app1, 'app1');
  const at = (s: number) => new Date(t.clock.now().getTime() - o.secondsAgo * 1000 + s * 1000).toISOString();
  const events = [
    { eventId: `${callId}-in`, callId, type: 'CALLIN', occurredAt: at(0), caller: '13800000003', called: PLAN_X },
    ...(o.live ? [] : [{ eventId: `${callId}-end`, callId, type: 'DISCONNECT', occurredAt: at(9) }]),
  ];
  expect((ok(await t.gql(REPORT, { events }, partner)).reportCallEvents as { status: string }[]).map((r) => r.status)).toEqual(events.map(() => 'STORED'));
  return { A, partner };
}

/** Runs `query` with the key; its data, and PostgreSQL's plan of the one statement matching `pattern` it sent. */
export async function plannedQuery(t: TestApp, pattern: RegExp, query: string, variables: Record<string, unknown>, key: string) {
  let data: any;
  const sent = await captureQueries(pattern, async () => (data = ok(await t.gql(query, variables, key))));
  expect(sent).toHaveLength(1);
  return { data, plan: await planOf(t.databaseUrl, sent[0]!.text, sent[0]!.values) };
}
