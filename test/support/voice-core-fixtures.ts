// V1, V2 fixtures through the API: a voice app per tenant, a number opened for it (an order
// VOICE_NUMBERS, VOICE_NUMBER_OPENED) and a custom minute package bought (PACKAGE_USAGE_CHANGED).
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { gid, ok } from './graphql.js';

const Q = {
  import: `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`,
  topUp: `mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "200") { amount } }`,
  app: `mutation($name: String!) { createVoiceApp(input: { name: $name }) { id } }`,
  open: `mutation($app: ID!) { openVoiceNumbers(input: { appId: $app, count: 1, city: "南京" }) { numbers { id } } }`,
  buy: `mutation { buyVoicePackage(input: { minutes: 1000 }) { id } }`,
};

/**
 * For the isolation matrix, after the tenants' qualifications are approved: in each tenant a voice
 * app made by its admin, one number of Nanjing opened for it, and a 1 000-minute package bought.
 */
export async function isolationVoiceCore(t: TestApp, tenants: TenantFixture[]): Promise<void> {
  ok(await t.gql(Q.import, { rows: tenants.map((_, i) => ({ number: `025-5550 000${i + 1}`, type: 'LOCAL', province: '江苏', city: '南京', carrier: 'CHINA_TELECOM' })) }));
  for (const tenant of tenants) {
    ok(await t.gql(Q.topUp, { t: gid('Tenant', tenant.tenantId) }));
    const app = ok(await t.gql(Q.app, { name: `Voice core ${tenant.tenantId.slice(0, 8)}` }, tenant.keys.admin)).createVoiceApp.id as string;
    ok(await t.gql(Q.open, { app }, tenant.keys.admin));
    ok(await t.gql(Q.buy, {}, tenant.keys.admin));
  }
}
