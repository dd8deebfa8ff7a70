// C3: every stored call event of a privacy app is pushed to the app's status URL, one event per
// request, queued in the transaction that stores the event (no status URL: nothing is queued).
import { globalId } from '../../shared/global-id.js';
import type { Tx } from '../../db/transaction.js';
import { enqueueDelivery } from '../webhooks/webhooks.service.js';
import type { CheckedEvent } from './calls.input.js';
import type { Call } from './calls.table.js';

/** A stored event with the call as it is after the event. */
export interface StoredCallEvent {
  call: Call;
  e: CheckedEvent;
}

/** A call-status change as the receiver gets it (close to a CDR item: webhooks.cdr.ts). */
export function callStatusItem({ call, e }: StoredCallEvent) {
  return {
    eventId: e.eventId,
    callId: globalId('Call', call.id),
    switchCallId: call.switch_call_id,
    event: e.type,
    state: call.state,
    occurredAt: e.occurredAt.toISOString(),
    caller: call.caller_e164,
    called: call.called_e164,
    callee: call.callee_e164,
    bindingId: call.binding_id ? globalId('PrivacyBinding', call.binding_id) : null,
    userData: call.user_data,
  };
}

/** Queues the status changes of a batch per app, in the order they were stored (event time per call). */
export async function pushCallStatuses(tx: Tx, stored: readonly StoredCallEvent[]): Promise<void> {
  const byApp = new Map<string, StoredCallEvent[]>();
  for (const s of stored) {
    if (!s.call.app_id) continue;
    const list = byApp.get(s.call.app_id) ?? [];
    if (!list.length) byApp.set(s.call.app_id, list);
    list.push(s);
  }
  if (!byApp.size) return;
  // the items of an app without a status URL are not built (enqueueDelivery would drop them)
  const pushed = new Set((await tx.trx.selectFrom('privacy_apps').select('id').where('id', 'in', [...byApp.keys()]).where('status_url', 'is not', null).execute()).map((a) => a.id));
  for (const [appId, list] of byApp) if (pushed.has(appId)) await enqueueDelivery(tx, { appId, kind: 'CALL_STATUS', items: list.map(callStatusItem) });
}
