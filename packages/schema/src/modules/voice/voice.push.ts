// V3, C3: the outcome of each voice message is pushed to its app's status URL (if it has one), signed
// with the app's secret, on the webhooks' retry schedule (enqueueDelivery, kind VOICE_STATUS), in
// the transaction that stores the outcome. Only final outcomes are pushed (ANSWERED, UNANSWERED,
// REJECTED, FAILED, including a timeout's): QUEUED is the send's own answer, and DELIVERING is
// followed by the final outcome within the timeout; the voiceMessageStatusChanged subscription
// carries every step. The secret: made with the app (createVoiceApp), rotated with an overlap.
import { globalId } from '../../shared/global-id.js';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { lockScoped, requireTenantAdmin } from '../../access/scope.js';
import { checkOverlap, DEFAULT_SECRET_OVERLAP_SECONDS, rotateSecret } from '../../shared/app-secrets.js';
import { enqueueDelivery } from '../webhooks/webhooks.service.js';
import { emitVoiceAppChanged } from './voice.apps.js';
import { isFinal } from './voice.report.js';
import type { VoiceApp, VoiceMessage } from './voice.table.js';

/** A voice app with its signing secret, shown this once (creation, rotation); null when read later. */
export type IssuedVoiceApp = VoiceApp & { secret: string; previousSecretValidUntil?: Date | null };

/** A message's outcome as the receiver gets it (README "Verifying Callplane's webhooks"). */
export function voiceStatusItem(m: VoiceMessage, from: string | null) {
  const at = (d: Date | null) => d?.toISOString() ?? null;
  return {
    messageId: globalId('VoiceMessage', m.id),
    status: m.status,
    to: m.to_e164,
    from,
    templateId: m.template_id,
    durationSeconds: m.duration_seconds,
    billedMinutes: m.billed_minutes,
    unbilledMinutes: m.unbilled_minutes,
    failureReason: m.failure_reason,
    queuedAt: at(m.queued_at),
    reportedAt: at(m.reported_at),
  };
}

/** V3: queues the push of a message's final outcome (nothing for other statuses, nor without a status URL). */
export async function pushVoiceStatus(tx: Tx, m: VoiceMessage): Promise<void> {
  if (!isFinal(m.status)) return;
  // one query for an app without a status URL (most outcomes of a busy switch's batch, then)
  const app = await tx.trx
    .selectFrom('voice_apps')
    .select((eb) => ['status_url', eb.selectFrom('voice_numbers').select('e164').where('id', '=', m.voice_number_id).as('from')])
    .where('id', '=', m.app_id)
    .executeTakeFirst();
  if (!app?.status_url) return;
  await enqueueDelivery(tx, { appId: m.app_id, kind: 'VOICE_STATUS', items: [voiceStatusItem(m, app.from ?? null)] });
}

/**
 * C3: a new signing secret of a voice app, shown once; the previous one signs and is accepted for
 * `overlapSeconds` more (default 24 h, 0 = retired at once, at most 7 days), as for privacy apps.
 */
export async function rotateVoiceAppSecret(ctx: ServiceContext, appId: string, overlapSeconds = DEFAULT_SECRET_OVERLAP_SECONDS): Promise<IssuedVoiceApp> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN rotates voice app secrets');
  checkOverlap(overlapSeconds);
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'voice_apps', appId, 'voice app', 'appId');
    const { secret, previousValidUntil } = await rotateSecret(tx, 'voice_apps', app, overlapSeconds);
    const updated = await tx.trx.selectFrom('voice_apps').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow();
    await emitVoiceAppChanged(tx, updated, 'SECRET_ROTATED');
    return { ...updated, secret, previousSecretValidUntil: previousValidUntil };
  });
}
