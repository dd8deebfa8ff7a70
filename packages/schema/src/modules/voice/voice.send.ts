// V3: sendVoiceMessage. The app's TENANT_ADMIN or one of the app's PARTNER keys queues a message to
// one callee, played from one of the app's open voice numbers. In one transaction: one minute is
// held on the tenant's package that expires first and has one free (none: NO_MINUTES_LEFT and
// nothing is written), the message is QUEUED with its VOICE_MESSAGE_STATUS_CHANGED event, and the
// job that fails it if no outcome comes in time (CALLPLANE_VOICE_MESSAGE_TIMEOUT_SECONDS) is queued.
import type { ServiceContext } from '../../context.js';
import { addSeconds } from '../../clock.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { requireActor, scopedFrom, validIds } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { requiredText } from '../../shared/input-fields.js';
import { characterCount } from '../../shared/text.js';
import { parseNumber } from '../numbers/numbers.phone.js';
import { holdMinute } from './voice.deduct.js';
import { pushVoiceStatus } from './voice.push.js';
import type { VoiceMessage } from './voice.table.js';

/** Characters of a message's text (read out by text-to-speech). */
export const MAX_VOICE_TEXT = 500;
export const MAX_TEMPLATE_PARAMS = 20;
export const MAX_TEMPLATE_PARAM = 100;

export const VOICE_TIMEOUT_TASK = 'voice.failStaleMessage';
export const timeoutJobKey = (messageId: string) => `voice-message-timeout:${messageId}`;

export interface SendVoiceMessageInput {
  appId: string;
  to: string;
  text?: string | null;
  templateId?: string | null;
  templateParams?: readonly string[] | null;
  /** A voice_numbers row of the app; default: its first open number. */
  fromNumberId?: string | null;
}

interface CheckedContent {
  to: string;
  text: string | null;
  templateId: string | null;
  templateParams: string[] | null;
}

/** The callee in E.164 and either a text or a template with its parameters; errors name the field. */
export function checkContent(input: SendVoiceMessageInput): CheckedContent {
  const parsed = parseNumber((input.to ?? '').slice(0, 64));
  if (!parsed.ok) throw new ValidationError('to', `to: ${parsed.message}`);
  const hasText = input.text !== null && input.text !== undefined;
  const hasTemplate = input.templateId !== null && input.templateId !== undefined;
  if (hasText === hasTemplate) throw new ValidationError(hasText ? 'templateId' : 'text', 'give either text or templateId (with templateParams), not both');
  if (!hasTemplate && input.templateParams?.length) throw new ValidationError('templateParams', 'templateParams come with templateId only');
  if (hasText) {
    const text = input.text!.trim();
    if (!text) throw new ValidationError('text', 'text must not be empty');
    if (characterCount(text) > MAX_VOICE_TEXT) throw new ValidationError('text', `text has at most ${MAX_VOICE_TEXT} characters`);
    return { to: parsed.e164, text, templateId: null, templateParams: null };
  }
  const templateId = requiredText(input.templateId, 'templateId', 'templateId', 64);
  const params = input.templateParams ?? [];
  if (params.length > MAX_TEMPLATE_PARAMS) throw new ValidationError('templateParams', `at most ${MAX_TEMPLATE_PARAMS} templateParams`);
  params.forEach((p, i) => {
    if (characterCount(p) > MAX_TEMPLATE_PARAM) throw new ValidationError('templateParams', `templateParams[${i}] has at most ${MAX_TEMPLATE_PARAM} characters`);
  });
  return { to: parsed.e164, text: null, templateId, templateParams: [...params] };
}

/** V3: queues a voice message (see the file's head). */
export async function sendVoiceMessage(ctx: ServiceContext, input: SendVoiceMessageInput): Promise<VoiceMessage> {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'TENANT_ADMIN' && actor.role !== 'PARTNER') throw new ForbiddenError('voice messages are sent by the app’s TENANT_ADMIN or one of its PARTNER keys');
  const content = checkContent(input);
  return inTransaction(ctx, async (tx) => {
    const scoped = { db: tx.trx, actor };
    // the policy's rows: the tenant's apps for its admin, the key's own app for a PARTNER key
    const app = await scopedFrom(scoped, 'voice_apps').selectAll().where('voice_apps.id', '=', validIds([input.appId])[0] ?? null).executeTakeFirst();
    if (!app) throw new NotFoundError('voice app', 'appId');
    const number = await openNumberOf(tx, app.id, input.fromNumberId);
    const packageId = await holdMinute(tx, app.tenant_id);
    const message = await tx.trx
      .insertInto('voice_messages')
      .values({
        tenant_id: app.tenant_id,
        app_id: app.id,
        voice_number_id: number.id,
        to_e164: content.to,
        text: content.text,
        template_id: content.templateId,
        template_params: content.templateParams ? JSON.stringify(content.templateParams) : null,
        status: 'QUEUED',
        reserved_package_id: packageId,
        created_by: actor.userId,
        queued_at: tx.now,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitMessageStatus(tx, message);
    await scheduleJob(tx, VOICE_TIMEOUT_TASK, { messageId: message.id }, { runAt: addSeconds(tx.now, ctx.settings.voiceMessageTimeoutSeconds), jobKey: timeoutJobKey(message.id) });
    return message;
  });
}

/** The app's open number to play from (kept open by a share lock until the message is queued). */
async function openNumberOf(tx: Tx, appId: string, fromNumberId: string | null | undefined) {
  let q = tx.trx.selectFrom('voice_numbers').select(['id', 'e164']).where('app_id', '=', appId).where('closed_at', 'is', null);
  if (fromNumberId) q = q.where('id', '=', validIds([fromNumberId])[0] ?? null);
  const number = await q.orderBy('opened_at').orderBy('id').limit(1).forShare().executeTakeFirst();
  if (!number)
    throw fromNumberId
      ? new DomainError('VOICE_NUMBER_NOT_OPEN', 'fromNumberId is not an open number of the app', 'fromNumberId')
      : new DomainError('VOICE_NUMBER_NOT_OPEN', 'the app has no open voice number: open one first', 'appId');
  return number;
}

/** VOICE_MESSAGE_STATUS_CHANGED, seen by the tenant's keys and the app's PARTNER keys. */
export async function emitMessageStatus(tx: Tx, m: VoiceMessage): Promise<void> {
  // C3: a final outcome is pushed to the app's status URL too (voice.push.ts), in this transaction
  await pushVoiceStatus(tx, m);
  await tx.emit({
    type: 'VOICE_MESSAGE_STATUS_CHANGED',
    tenantId: m.tenant_id,
    appId: m.app_id,
    subjectId: m.id,
    payload: {
      messageId: m.id,
      appId: m.app_id,
      status: m.status,
      to: m.to_e164,
      billedMinutes: m.billed_minutes,
      unbilledMinutes: m.unbilled_minutes,
      durationSeconds: m.duration_seconds,
      failureReason: m.failure_reason,
    },
  });
}
