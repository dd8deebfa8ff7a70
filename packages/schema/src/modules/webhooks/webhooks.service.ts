// C3: webhook deliveries of privacy and voice apps: queued in the transaction of the change they report,
// read through the policy, and redelivered by hand once dead.
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError } from '../../errors.js';
import { findScoped, lockScoped, requireActor, scopedFrom, validIds } from '../../access/scope.js';
import { scheduleJob, scheduleJobsNow } from '../../jobs/schedule.js';
import type { Database } from '../../db/database.js';
import type { AppKind, Delivery, DeliveryAttempt, DeliveryKind, DeliveryStatus } from './webhooks.table.js';

/** C3: a CDR request carries at most this many CDRs; call-status changes and SMS go one per request. */
export const MAX_CDRS_PER_DELIVERY = 50;
/** The job that makes a delivery's next attempt (webhooks.send.ts). */
export const DELIVER_TASK = 'webhooks.deliver';

/** Each kind's app (table and kind) and URL column: privacy apps' three URLs, voice apps' status URL. */
const TARGET_OF = {
  CDR: { apps: 'privacy_apps', appKind: 'PRIVACY', url: 'cdr_url' },
  CALL_STATUS: { apps: 'privacy_apps', appKind: 'PRIVACY', url: 'status_url' },
  SMS: { apps: 'privacy_apps', appKind: 'PRIVACY', url: 'sms_url' },
  VOICE_STATUS: { apps: 'voice_apps', appKind: 'VOICE', url: 'status_url' },
} as const satisfies Record<DeliveryKind, { apps: keyof Database; appKind: AppKind; url: string }>;

/** The job of a delivery's next attempt, one per delivery (its key): due at `at` by the injected clock. */
export async function scheduleAttempt(tx: Pick<Tx, 'trx' | 'now'>, deliveryId: string, at: Date): Promise<void> {
  await scheduleJob(tx, DELIVER_TASK, { deliveryId }, { runAt: at, jobKey: deliveryJobKey(deliveryId), maxAttempts: ATTEMPT_JOB_TRIES });
}

/** A delivery's attempt job: one per delivery (its key), tried up to 3 times should the job itself fail. */
const deliveryJobKey = (deliveryId: string) => `delivery:${deliveryId}`;
const ATTEMPT_JOB_TRIES = 3;

export async function emitDeliveryChanged(tx: Tx, d: Delivery): Promise<void> {
  await tx.emit({
    type: 'DELIVERY_CHANGED',
    tenantId: d.tenant_id,
    appId: d.app_id,
    subjectId: d.id,
    payload: { deliveryId: d.id, appId: d.app_id, kind: d.kind, status: d.status, attempts: d.attempts, nextAttemptAt: d.next_attempt_at?.toISOString() ?? null },
  });
}

/** The apps among these that have a URL for this kind. */
async function appsWithUrl(tx: Pick<Tx, 'trx'>, kind: DeliveryKind, appIds: readonly string[]): Promise<Set<string>> {
  if (!appIds.length) return new Set();
  const target = TARGET_OF[kind];
  const rows = await tx.trx
    .selectFrom(target.apps as 'privacy_apps')
    .select('id')
    .where('id', 'in', [...appIds])
    .where(target.url as 'status_url', 'is not', null)
    .execute();
  return new Set(rows.map((a) => a.id));
}

/**
 * Queues what a batch reports (its CDRs, its call statuses) per app, in order: the items are built
 * only for the apps that have a URL of this kind (one look-up for all), since enqueueDelivery
 * would drop the others'.
 */
export async function enqueuePerApp<T>(tx: Tx, kind: DeliveryKind, entries: readonly T[], appOf: (e: T) => string | null, item: (e: T) => unknown): Promise<void> {
  const byApp = new Map<string, T[]>();
  for (const e of entries) {
    const appId = appOf(e);
    if (appId) (byApp.get(appId) ?? byApp.set(appId, []).get(appId)!).push(e);
  }
  if (!byApp.size) return;
  const pushed = await appsWithUrl(tx, kind, [...byApp.keys()]);
  for (const [appId, list] of byApp) if (pushed.has(appId)) await enqueueDelivery(tx, { appId, kind, items: list.map(item) });
}

/**
 * C3: queues the items for the app's URL of that kind (none set: nothing is sent), in the caller's
 * transaction: CDRs in batches of at most 50 per request, other kinds one item per request. Each
 * delivery's first attempt is due at once.
 */
export async function enqueueDelivery(tx: Tx, p: { appId: string; kind: DeliveryKind; items: readonly unknown[] }): Promise<Delivery[]> {
  if (!p.items.length) return [];
  const target = TARGET_OF[p.kind];
  // the apps tables share these columns: typed as one of them
  const app = await tx.trx.selectFrom(target.apps as 'privacy_apps').select(['id', 'tenant_id', target.url as 'status_url']).where('id', '=', p.appId).executeTakeFirstOrThrow();
  const url = (app as Record<string, unknown>)[target.url] as string | null;
  if (!url) return [];
  const size = p.kind === 'CDR' ? MAX_CDRS_PER_DELIVERY : 1;
  const batches: unknown[][] = [];
  for (let i = 0; i < p.items.length; i += size) batches.push(p.items.slice(i, i + size));
  const rows = await tx.trx
    .insertInto('deliveries')
    .values(
      batches.map((items) => ({
        tenant_id: app.tenant_id,
        app_id: app.id,
        app_kind: target.appKind,
        kind: p.kind,
        url,
        payload: JSON.stringify(items),
        item_count: items.length,
        status: 'PENDING' as const,
        attempts: 0,
        next_attempt_at: tx.now,
        created_at: tx.now,
        updated_at: tx.now,
      })),
    )
    .returningAll()
    .execute();
  // every first attempt due at once, queued in one statement (not one per delivery)
  await scheduleJobsNow(tx, DELIVER_TASK, rows.map((d) => ({ payload: { deliveryId: d.id }, jobKey: deliveryJobKey(d.id) })), { maxAttempts: ATTEMPT_JOB_TRIES });
  for (const d of rows) await emitDeliveryChanged(tx, d);
  return rows;
}

/**
 * C3: an OPERATOR or the tenant's TENANT_ADMIN sends a DEAD delivery again: the same id, a fresh
 * schedule (7 attempts, counted from the new first one), the first due at once.
 */
export async function redeliverDelivery(ctx: ServiceContext, id: string): Promise<Delivery> {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'OPERATOR' && actor.role !== 'TENANT_ADMIN') throw new ForbiddenError('an OPERATOR or a TENANT_ADMIN redelivers');
  return inTransaction(ctx, async (tx) => {
    const d = await lockScoped(tx, ctx.actor, 'deliveries', id, 'delivery', 'id');
    if (d.status !== 'DEAD') throw new DomainError('INVALID_STATUS', `only a DEAD delivery is redelivered; this one is ${d.status}`, 'id');
    const again = await tx.trx
      .updateTable('deliveries')
      .set({ status: 'PENDING', attempts: 0, first_attempt_at: null, next_attempt_at: tx.now, updated_at: tx.now })
      .where('id', '=', d.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await scheduleAttempt(tx, again.id, tx.now);
    await emitDeliveryChanged(tx, again);
    return again;
  });
}

// Reads (through scopedFrom)

export function deliveriesQuery(ctx: ServiceContext, f: { status?: DeliveryStatus | null; appId?: string | null } = {}) {
  let q = scopedFrom(ctx, 'deliveries').selectAll();
  if (f.status) q = q.where('deliveries.status', '=', f.status);
  if (f.appId) q = validIds([f.appId]).length ? q.where('deliveries.app_id', '=', f.appId) : q.where((eb) => eb.val(false));
  return q;
}

export async function findDelivery(ctx: ServiceContext, id: string): Promise<Delivery | null> {
  return (await findScoped(ctx, 'deliveries', id)) ?? null;
}

/** The attempts of these deliveries, oldest first: one query for a page. */
export async function attemptsOf(ctx: ServiceContext, deliveryIds: readonly string[]): Promise<DeliveryAttempt[]> {
  const valid = validIds(deliveryIds);
  if (!valid.length) return [];
  return scopedFrom(ctx, 'delivery_attempts')
    .selectAll()
    .where('delivery_attempts.delivery_id', 'in', valid)
    .orderBy('delivery_attempts.attempted_at')
    .orderBy('delivery_attempts.created_at')
    .execute();
}
