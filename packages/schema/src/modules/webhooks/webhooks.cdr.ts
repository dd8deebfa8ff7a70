// C3: every CDR of a privacy app, new or amended, is pushed to the app's CDR URL: the CDRs written
// in one transaction (a reportCallEvents batch) share requests of at most 50.
import { sql } from 'kysely';
import type { Tx } from '../../db/transaction.js';
import type { Cdr } from '../calls/calls.table.js';
import { enqueueDelivery, MAX_CDRS_PER_DELIVERY } from './webhooks.service.js';

/** The open CDR delivery of each app in a transaction (keyed by the transaction: gone with it); null: the app has no CDR URL. */
const openBatches = new WeakMap<object, Map<string, { id: string; count: number } | null>>();

/** A CDR as the receiver gets it. */
export function cdrItem(cdr: Cdr, change: 'CREATED' | 'AMENDED') {
  const at = (d: Date | null) => d?.toISOString() ?? null;
  return {
    cdrId: cdr.id,
    change,
    callId: cdr.call_id,
    switchCallId: cdr.switch_call_id,
    bindingId: cdr.binding_id,
    x: cdr.x_e164,
    caller: cdr.caller_e164,
    called: cdr.called_e164,
    callee: cdr.callee_e164,
    userData: cdr.user_data,
    callInAt: at(cdr.call_in_at),
    forwardStartAt: at(cdr.forward_start_at),
    alertingAt: at(cdr.alerting_at),
    answeredAt: at(cdr.answered_at),
    endedAt: at(cdr.ended_at),
    failureReason: cdr.failure_reason,
    recordingUrl: cdr.recording_url,
    billableMinutes: cdr.billable_minutes,
  };
}

/** The CDR hook (calls' onCdrCreated): appends the CDR to the app's open batch of this transaction, or opens one. */
export async function pushCdr(tx: Tx, cdr: Cdr, change: 'CREATED' | 'AMENDED'): Promise<void> {
  if (!cdr.app_id) return;
  const item = cdrItem(cdr, change);
  let byApp = openBatches.get(tx.trx);
  if (!byApp) openBatches.set(tx.trx, (byApp = new Map()));
  const open = byApp.get(cdr.app_id);
  if (open === null) return;
  if (open && open.count < MAX_CDRS_PER_DELIVERY) {
    await tx.trx
      .updateTable('deliveries')
      .set({ payload: sql<string>`payload || ${JSON.stringify([item])}::jsonb`, item_count: sql<number>`item_count + 1` })
      .where('id', '=', open.id)
      .execute();
    open.count++;
    return;
  }
  const [d] = await enqueueDelivery(tx, { appId: cdr.app_id, kind: 'CDR', items: [item] });
  byApp.set(cdr.app_id, d ? { id: d.id, count: 1 } : null);
}
