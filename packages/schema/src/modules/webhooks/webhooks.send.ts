// C3: attempts of deliveries: a signed POST to the app's URL, success on a 2xx within the timeout;
// otherwise the next attempt 1, 4, 9, 106, 203 and 300 minutes after the first, then DEAD.
// Deliveries that are due go in batches: claimed together, sent in parallel over keep-alive
// connections, recorded together, so that a backlog costs two short transactions per batch.
import type { ServiceContext } from '../../context.js';
import { systemDb } from '../../access/scope.js';
import { signingSecrets } from '../../shared/app-secrets.js';
import { claimDue, type Claimed } from './webhooks.claim.js';
import { postDelivery, type Outcome } from './webhooks.post.js';
import { recordAttempts } from './webhooks.record.js';
import type { Delivery } from './webhooks.table.js';

export { CONNECTIONS_PER_RECEIVER, deliveryBody, DELIVERY_ID_HEADER, SIGNATURE_HEADER } from './webhooks.post.js';
export { ATTEMPT_OFFSETS_MINUTES } from './webhooks.record.js';

/** Due deliveries one job claims at a time; their requests go at once, up to CONNECTIONS_PER_RECEIVER per receiver. */
export const DELIVERIES_PER_CLAIM = 250;
/** Batches one job drains before it gives its worker slot back (more wait as jobs of their own). */
const BATCHES_PER_JOB = 8;

/** Sends the claimed deliveries, each app's secrets read once; every outcome, once all have answered or timed out. */
async function post(ctx: ServiceContext, claimed: Claimed): Promise<{ d: Delivery; outcome: Outcome }[]> {
  const secrets = new Map<string, Promise<string[]>>();
  const secretsOf = (appId: string) => {
    if (!secrets.has(appId)) secrets.set(appId, signingSecrets(systemDb(ctx), appId, claimed.at));
    return secrets.get(appId)!;
  };
  return Promise.all(claimed.deliveries.map(async (d) => ({ d, outcome: await postDelivery(d, claimed.at, await secretsOf(d.app_id), ctx.settings.webhookTimeoutMs) })));
}

/**
 * C3: makes this delivery's attempt if it is PENDING and due: claimed in a short transaction, sent
 * with no transaction open (a slow receiver holds no database connection), then recorded. The
 * delivery as recorded, or null when it was not due or another attempt took it.
 */
export async function attemptDelivery(ctx: ServiceContext, deliveryId: string): Promise<Delivery | null> {
  const claimed = await claimDue(ctx, { own: deliveryId, limit: 1 });
  if (!claimed.deliveries.length) return null;
  return (await recordAttempts(ctx, claimed.at, await post(ctx, claimed))).find((d) => d.id === deliveryId) ?? null;
}

/**
 * The delivery job (`webhooks.deliver`): this delivery's attempt and, in the same batches, those of
 * other due deliveries (whose own jobs are dropped as they are claimed), until none is left or the
 * job has drained its share. A batch is recorded while the next one is claimed and sent. Returns
 * how many attempts were recorded.
 */
export async function deliverDue(ctx: ServiceContext, deliveryId: string | null): Promise<number> {
  let recording: Promise<number> = Promise.resolve(0);
  let made = 0;
  for (let i = 0; i < BATCHES_PER_JOB; i++) {
    const claimed = await claimDue(ctx, { own: i === 0 ? deliveryId : null, limit: DELIVERIES_PER_CLAIM });
    const outcomes = await post(ctx, claimed);
    made += await recording;
    recording = recordAttempts(ctx, claimed.at, outcomes).then((r) => r.length);
    recording.catch(() => {}); // awaited below; handled meanwhile, so that a failure is the job's, not the process's
    if (claimed.deliveries.length < DELIVERIES_PER_CLAIM) break;
  }
  return made + (await recording);
}

/** The safety net: PENDING deliveries past their attempt time (a lost job, a restart), attempted now. */
export const sweepDueDeliveries = (ctx: ServiceContext): Promise<number> => deliverDue(ctx, null);
