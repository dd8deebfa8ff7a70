import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { enqueueDelivery, inTransaction, type DeliveryKind } from '@callplane/schema';
import type { TestApp } from './app.js';
import { gid, ok } from './graphql.js';
import { startReceiver } from './webhook-receiver.js';

export { startReceiver, type Received } from './webhook-receiver.js';

/** Queues `items` for the app (row id) as the system would, in one transaction. */
export async function enqueue(t: TestApp, appId: string, kind: DeliveryKind, items: unknown[]) {
  return inTransaction(t.app.systemContext(), (tx) => enqueueDelivery(tx, { appId, kind, items }));
}

/** The README's verification snippet ("Verifying Callplane's webhooks"), exactly as printed there, run as a receiver would. */
export function readmeVerifier(): (header: string, rawBody: string, secret: string, nowSeconds?: number) => boolean {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split("## Verifying Callplane's webhooks")[1];
  const code = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README has no verification snippet');
  return new Function('require', `${code}\nreturn verifyCallplaneSignature;`)(createRequire(import.meta.url));
}

const Q = {
  update: `mutation($id: ID!, $input: PrivacyAppUpdateInput!) { updatePrivacyApp(id: $id, input: $input) { id } }`,
  delivery: `query($id: ID!) { delivery(id: $id) { status } }`,
};

/**
 * C3 rows for the isolation matrix: a CDR delivery of one app of each tenant (A's app 1, B's app 3;
 * row ids), sent to a local receiver and DELIVERED, with its attempt, before the matrix reads. The
 * apps are left without a CDR URL, so that the CDRs of later fixtures queue nothing that would be
 * attempted while the matrix reads.
 */
export async function isolationDeliveries(t: TestApp, apps: { tenantKey: string; appId: string }[]): Promise<void> {
  const receiver = await startReceiver();
  const ids: string[] = [];
  for (const { tenantKey, appId } of apps) {
    ok(await t.gql(Q.update, { id: gid('PrivacyApp', appId), input: { cdrUrl: receiver.url } }, tenantKey));
    const [d] = await enqueue(t, appId, 'CDR', [{ cdrId: `isolation-${appId}` }]);
    ids.push(d!.id);
  }
  for (const id of ids) await t.afterJobs(async () => ok(await t.gql(Q.delivery, { id: gid('Delivery', id) })).delivery?.status, (s) => s === 'DELIVERED', 'webhook delivery');
  for (const { tenantKey, appId } of apps) ok(await t.gql(Q.update, { id: gid('PrivacyApp', appId), input: { cdrUrl: null } }, tenantKey));
  await receiver.close();
}

/**
 * V3 rows for the isolation matrix: a VOICE_STATUS delivery of each voice app (row ids), sent to a
 * local receiver and DELIVERED, with its attempt. The status URL is set for it only (voice apps have
 * no update mutation: written as the fixture's apps are), so that later outcomes push nothing.
 */
export async function isolationVoiceDeliveries(t: TestApp, voiceAppIds: string[]): Promise<void> {
  const receiver = await startReceiver();
  const statusUrl = (url: string | null) => t.app.db.updateTable('voice_apps').set({ status_url: url }).where('id', 'in', voiceAppIds).execute();
  await statusUrl(receiver.url);
  const ids: string[] = [];
  for (const appId of voiceAppIds) ids.push((await enqueue(t, appId, 'VOICE_STATUS', [{ messageId: `isolation-${appId}`, status: 'ANSWERED' }]))[0]!.id);
  for (const id of ids) await t.afterJobs(async () => ok(await t.gql(Q.delivery, { id: gid('Delivery', id) })).delivery?.status, (s) => s === 'DELIVERED', 'voice status delivery');
  await statusUrl(null);
  await receiver.close();
}
