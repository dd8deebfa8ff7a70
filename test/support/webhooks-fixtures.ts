import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { enqueueDelivery, inTransaction, type DeliveryKind } from '@callplane/schema';
import type { TestApp } from './app.js';
import { gid, ok } from './graphql.js';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real local HTTP receiver of webhooks: records every request (raw body and headers) and answers
 * with what `answer` says for the n-th request (0-based): 500 for a receiver that is down.
 */
export async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const state = { answer };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = state.answer(received.length);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    /** Changes how the next requests are answered. */
    answerWith(f: (n: number) => number) {
      state.answer = f;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Queues `items` for the app (row id) as the system would, in one transaction. */
export async function enqueue(t: TestApp, appId: string, kind: DeliveryKind, items: unknown[]) {
  return inTransaction(t.app.systemContext(), (tx) => enqueueDelivery(tx, { appId, kind, items }));
}

const Q = {
  update: `mutation($id: ID!, $input: PrivacyAppUpdateInput!) { updatePrivacyApp(id: $id, input: $input) { id } }`,
  delivery: `query($id: ID!) { delivery(id: $id) { status } }`,
};

/**
 * C3 rows for the isolation matrix: a CDR delivery of one app of each tenant (A's app 1, B's app 3;
 * row ids), sent to a local receiver and DELIVERED, with its attempt, before the matrix reads.
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
  await receiver.close();
}
