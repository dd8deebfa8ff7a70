// C3: one attempt of a delivery: a signed POST to the app's URL, success on a 2xx within the
// timeout; otherwise the next attempt 1, 4, 9, 106, 203 and 300 minutes after the first, then DEAD.
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { systemDb } from '../../access/scope.js';
import { signingSecrets } from '../privacy/privacy.apps.js';
import { signatureHeader } from '../privacy/routing.control.js';
import { emitDeliveryChanged, scheduleAttempt } from './webhooks.service.js';
import type { Delivery } from './webhooks.table.js';

/** When each attempt is made, in minutes after the first (C3): 7 attempts in all. */
export const ATTEMPT_OFFSETS_MINUTES = [0, 1, 4, 9, 106, 203, 300] as const;
export const SIGNATURE_HEADER = 'Callplane-Signature';
export const DELIVERY_ID_HEADER = 'Callplane-Delivery-Id';
/** Overdue deliveries one sweep attempts, and how many at once. */
const SWEEP_LIMIT = 200;
const SWEEP_PARALLEL = 10;
/** A claimed delivery is held this long past the request's timeout before a sweep may take it again. */
const CLAIM_MARGIN_MS = 60_000;

/** The request body: the delivery's id and kind, the app, and its items (a CDR batch, one status change, one SMS). */
export const deliveryBody = (d: Delivery): string => JSON.stringify({ deliveryId: d.id, kind: d.kind, appId: d.app_id, items: d.payload });

interface Outcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

async function post(ctx: ServiceContext, d: Delivery, at: Date): Promise<Outcome> {
  const body = deliveryBody(d);
  const secrets = await signingSecrets(systemDb(ctx), d.app_id, at);
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const timeout = ctx.settings.webhookTimeoutMs;
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signatureHeader(secrets, body, Math.floor(at.getTime() / 1000)),
        [DELIVERY_ID_HEADER]: d.id,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeout),
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status <= 299;
    return { statusCode: res.status, latencyMs: took(), error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeout} ms` : `not reached (${e.cause?.code ?? e.message})`;
    return { statusCode: null, latencyMs: took(), error };
  }
}

/**
 * Step 1: takes the delivery if it is PENDING and due by the injected clock, and holds it for the
 * request (its next attempt moved past the timeout, so that a job and a sweep that both find it
 * never both send, and a process that dies mid-request leaves it to the sweep).
 */
async function claim(ctx: ServiceContext, deliveryId: string): Promise<{ d: Delivery; at: Date } | null> {
  return inTransaction(ctx, async (tx) => {
    const d = await tx.trx
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', deliveryId)
      .where('status', '=', 'PENDING')
      .where('next_attempt_at', '<=', tx.now)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!d) return null;
    const held = new Date(tx.now.getTime() + ctx.settings.webhookTimeoutMs + CLAIM_MARGIN_MS);
    await tx.trx.updateTable('deliveries').set({ next_attempt_at: held }).where('id', '=', d.id).execute();
    return { d, at: tx.now };
  });
}

/** Step 3: the attempt, the new state, the next job and the event, together; nothing if the delivery changed meanwhile. */
async function record(ctx: ServiceContext, d: Delivery, at: Date, outcome: Outcome): Promise<Delivery | null> {
  const attempt = d.attempts + 1;
  const first = d.first_attempt_at ?? at;
  const delivered = outcome.error === null;
  const offset = ATTEMPT_OFFSETS_MINUTES[attempt];
  const next = delivered || offset === undefined ? null : new Date(first.getTime() + offset * 60_000);
  return inTransaction(ctx, async (tx) => {
    const updated = await tx.trx
      .updateTable('deliveries')
      .set({
        status: delivered ? 'DELIVERED' : next ? 'PENDING' : 'DEAD',
        attempts: attempt,
        first_attempt_at: first,
        last_attempt_at: at,
        next_attempt_at: next,
        updated_at: tx.now,
      })
      .where('id', '=', d.id)
      .where('status', '=', 'PENDING')
      .where('attempts', '=', d.attempts)
      .returningAll()
      .executeTakeFirst();
    if (!updated) return null;
    await tx.trx
      .insertInto('delivery_attempts')
      .values({
        delivery_id: d.id,
        tenant_id: d.tenant_id,
        app_id: d.app_id,
        attempt,
        attempted_at: at,
        status_code: outcome.statusCode,
        latency_ms: outcome.latencyMs,
        error: outcome.error?.slice(0, 500) ?? null,
        created_at: tx.now,
      })
      .execute();
    if (next) await scheduleAttempt(tx, d.id, next);
    await emitDeliveryChanged(tx, updated);
    return updated;
  });
}

/**
 * C3: makes the delivery's attempt if it is PENDING and due: claimed in a short transaction, sent
 * with no transaction open (a slow receiver holds no database connection), then recorded.
 */
export async function attemptDelivery(ctx: ServiceContext, deliveryId: string): Promise<Delivery | null> {
  const claimed = await claim(ctx, deliveryId);
  if (!claimed) return null;
  return record(ctx, claimed.d, claimed.at, await post(ctx, claimed.d, claimed.at));
}

/** The safety net: PENDING deliveries past their attempt time (a lost job, a restart), attempted now. */
export async function sweepDueDeliveries(ctx: ServiceContext): Promise<number> {
  const due = await systemDb(ctx)
    .selectFrom('deliveries')
    .select('id')
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', ctx.clock.now())
    .orderBy('next_attempt_at')
    .limit(SWEEP_LIMIT)
    .execute();
  let made = 0;
  for (let i = 0; i < due.length; i += SWEEP_PARALLEL) {
    const done = await Promise.all(due.slice(i, i + SWEEP_PARALLEL).map((r) => attemptDelivery(ctx, r.id)));
    made += done.filter(Boolean).length;
  }
  return made;
}

