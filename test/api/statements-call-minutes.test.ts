import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { isolationCalls } from '../support/calls-fixtures.js';
import { privacyApps } from '../support/privacy-fixtures.js';

/** M2 over GraphQL: a month's call minutes per privacy app are a CALL_MINUTES line charged by the month's usage order. */

let t: TestApp;
let A: TenantFixture;

const STATEMENTS = `{ statements(first: 5) { edges { node { month lines { kind quantity unitPrice amount order { orderNo kind status total } } } } } }`;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  const B = await t.tenant('Beta');
  await privacyApps(t, A, B);
  // one call answered at 4 s and ended at 70 s: 2 billable minutes on Acme's AXB app
  await isolationCalls(t, [{ tag: 'A', adminKey: A.keys.admin, x: '+862155600001' }]);
  const now = t.clock.now();
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2));
  ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: Math.ceil((nextMonth.getTime() - now.getTime()) / 1000) }));
});
afterAll(() => t?.stop());

it('M2: the CALL_MINUTES line of a closed statement names the paid MONTHLY_USAGE order that charged it; other lines name none', async () => {
  const [edge] = ok(await t.gql(STATEMENTS, {}, A.keys.supervisor)).statements.edges;
  const lines = edge.node.lines as { kind: string; quantity: number; amount: string; order: { kind: string; status: string; total: string } | null }[];
  const minutes = lines.filter((l) => l.kind === 'CALL_MINUTES');
  expect(minutes).toEqual([{ kind: 'CALL_MINUTES', quantity: 2, unitPrice: '0.100', amount: '0.200', order: { orderNo: expect.any(String), kind: 'MONTHLY_USAGE', status: 'PAID', total: '0.200' } }]);
  expect(lines.filter((l) => l.kind !== 'CALL_MINUTES').map((l) => l.order)).toEqual(lines.filter((l) => l.kind !== 'CALL_MINUTES').map(() => null));
});
