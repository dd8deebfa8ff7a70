/**
 * The baseline of `pnpm bench webhooks`, in a process of its own: the same signed bodies (the
 * deliveries' ids and payloads, signed with their app's secrets) POSTed to the same receiver with
 * node:http over keep-alive connections and the same number of requests in flight as Callplane's
 * worker, and nothing else: no claim, no bookkeeping. Prints `sent <n> in <ms> ms, <n> failed`.
 */
import { Agent, request } from 'node:http';
import { connect } from '@callplane/schema/core';
import { signingSecrets } from '../../packages/schema/src/modules/privacy/privacy.apps.js';
import { signatureHeader } from '../../packages/schema/src/modules/privacy/routing.control.js';
import { deliveryBody, DELIVERY_ID_HEADER, SIGNATURE_HEADER } from '../../packages/schema/src/modules/webhooks/webhooks.send.js';

const concurrency = Number(process.env.BENCH_CONCURRENCY);
const { db, close } = connect(process.env.DATABASE_URL!, { max: 2 });
const deliveries = await db.selectFrom('deliveries').selectAll().orderBy('created_at').execute();
const secrets = new Map<string, string[]>();
for (const d of deliveries) if (!secrets.has(d.app_id)) secrets.set(d.app_id, await signingSecrets(db, d.app_id, new Date()));
await close();

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const started = performance.now();
let next = 0;
let failed = 0;
async function lane() {
  while (next < deliveries.length) {
    const d = deliveries[next++]!;
    // signed as each request goes, as Callplane does
    const body = deliveryBody(d);
    const signature = signatureHeader(secrets.get(d.app_id)!, body, Math.floor(Date.now() / 1000));
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [SIGNATURE_HEADER]: signature, [DELIVERY_ID_HEADER]: d.id };
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(d.url, { method: 'POST', headers, agent }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 200) failed++;
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const ms = performance.now() - started;
process.stdout.write(`sent ${deliveries.length} in ${ms.toFixed(0)} ms, ${failed} failed\n`);
