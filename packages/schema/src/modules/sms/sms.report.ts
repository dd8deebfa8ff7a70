// C4: reportSms. The switch reports up to 500 SMS sent to the platform's numbers per request; each
// item is STORED (relayed to the bound party or not, with the reason), DUPLICATE (its message id was
// stored before: stored once) or a typed error of that item, and the rest of the batch is stored.
// A stored SMS is pushed to the app's SMS URL (one per request) and is an SMS_RECEIVED event, both
// in the transaction that stores it.
import { globalId } from '../../shared/global-id.js';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, ValidationError } from '../../errors.js';
import { requireActor } from '../../access/scope.js';
import { MAX_FUTURE_MS } from '../calls/calls.input.js';
import { ensureMonthsOf, monthsKnown, retentionStart } from '../calls/calls.partitions.js';
import { enqueueDelivery } from '../webhooks/webhooks.service.js';
import { checkSms, MAX_SMS_BATCH, type CheckedSms, type SmsInput, type SmsItemResult } from './sms.input.js';
import { routeSms } from './sms.relay.js';
import type { Sms } from './sms.table.js';

function requireReporter(ctx: ServiceContext) {
  const role = requireActor(ctx.actor).role;
  if (role !== 'PARTNER' && role !== 'TENANT_ADMIN' && role !== 'OPERATOR')
    throw new ForbiddenError('SMS are reported with a PARTNER key of the app (or by a TENANT_ADMIN or OPERATOR)');
}

const itemError = (err: unknown): DomainError => {
  if (err instanceof DomainError) return err;
  throw err;
};

export async function reportSms(ctx: ServiceContext, messages: readonly SmsInput[]): Promise<SmsItemResult[]> {
  requireReporter(ctx);
  if (messages.length > MAX_SMS_BATCH) throw new ValidationError('messages', `at most ${MAX_SMS_BATCH} SMS per request`);
  const now = ctx.clock.now();
  const range = { from: retentionStart(now, ctx.settings.callRetentionMonths), to: new Date(now.getTime() + MAX_FUTURE_MS) };
  const results: SmsItemResult[] = new Array(messages.length);
  const valid: { index: number; m: CheckedSms }[] = [];
  messages.forEach((raw, index) => {
    try {
      valid.push({ index, m: checkSms(raw, range) });
    } catch (err) {
      results[index] = { index, messageId: String(raw.messageId ?? ''), status: 'ERROR', error: itemError(err) };
    }
  });
  // the months' partitions, in a short transaction of their own (DDL; made once per month and process)
  const times = valid.map((v) => v.m.sentAt);
  if (!monthsKnown(times, ctx.bus)) await inTransaction(ctx, (tx) => ensureMonthsOf(tx.trx, times, ctx.bus));
  await inTransaction(ctx, async (tx) => {
    for (const { index, m } of valid) {
      await sql`savepoint sms_item`.execute(tx.trx);
      try {
        results[index] = { index, messageId: m.messageId, ...(await storeSms(ctx, tx, m)) };
        await sql`release savepoint sms_item`.execute(tx.trx);
      } catch (err) {
        await sql`rollback to savepoint sms_item`.execute(tx.trx);
        results[index] = { index, messageId: m.messageId, status: 'ERROR', error: itemError(err) };
      }
    }
  });
  return results;
}

async function storeSms(ctx: ServiceContext, tx: Tx, m: CheckedSms): Promise<{ status: 'STORED' | 'DUPLICATE'; smsId: string }> {
  const route = await routeSms(tx, ctx.actor, m.from, m.to);
  const id = randomUUID();
  const fresh = await tx.trx
    .insertInto('sms_message_ids')
    .values({ tenant_id: route.tenantId, app_id: route.appId, message_id: m.messageId, sms_id: id, sent_at: m.sentAt })
    .onConflict((oc) => oc.columns(['tenant_id', 'message_id']).doNothing())
    .returning('sms_id')
    .executeTakeFirst();
  if (!fresh) {
    const first = await tx.trx.selectFrom('sms_message_ids').select('sms_id').where('tenant_id', '=', route.tenantId).where('message_id', '=', m.messageId).executeTakeFirstOrThrow();
    return { status: 'DUPLICATE', smsId: first.sms_id };
  }
  const sms = await tx.trx
    .insertInto('sms_messages')
    .values({
      id,
      tenant_id: route.tenantId,
      app_id: route.appId,
      binding_id: route.bindingId,
      message_id: m.messageId,
      from_e164: m.from,
      to_e164: m.to,
      relayed_to_e164: route.relayedTo,
      relay_status: route.relayStatus,
      not_relayed_reason: route.notRelayedReason,
      text: m.text,
      user_data: route.userData,
      sent_at: m.sentAt,
      created_at: tx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.emit({
    type: 'SMS_RECEIVED',
    tenantId: sms.tenant_id,
    appId: sms.app_id,
    subjectId: sms.id,
    payload: { smsId: sms.id, messageId: sms.message_id, relayStatus: sms.relay_status, relayedTo: sms.relayed_to_e164, bindingId: sms.binding_id, sentAt: sms.sent_at.toISOString() },
  });
  await enqueueDelivery(tx, { appId: sms.app_id, kind: 'SMS', items: [smsItem(sms)] });
  return { status: 'STORED', smsId: sms.id };
}

/** An SMS as the app's SMS URL receives it: the message and what the platform did with it. */
export function smsItem(s: Sms) {
  return {
    smsId: globalId('Sms', s.id),
    messageId: s.message_id,
    from: s.from_e164,
    to: s.to_e164,
    text: s.text,
    sentAt: s.sent_at.toISOString(),
    relayStatus: s.relay_status,
    relayedTo: s.relayed_to_e164,
    notRelayedReason: s.not_relayed_reason,
    bindingId: s.binding_id ? globalId('PrivacyBinding', s.binding_id) : null,
    userData: s.user_data,
    receivedAt: s.created_at.toISOString(),
  };
}
