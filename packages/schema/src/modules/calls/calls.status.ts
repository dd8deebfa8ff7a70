// C3: every stored call event of a privacy app is pushed to the app's status URL, one event per
// request, queued in the transaction that stores the event (no status URL: nothing is queued).
import { globalId } from '../../shared/global-id.js';
import type { Tx } from '../../db/transaction.js';
import { enqueuePerApp } from '../webhooks/webhooks.service.js';
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
  await enqueuePerApp(tx, 'CALL_STATUS', stored, (s) => s.call.app_id, callStatusItem);
}
