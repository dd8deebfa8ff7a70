// C3: every CDR of a privacy app, new or amended, is pushed to the app's CDR URL: the CDRs written
// in one transaction (a reportCallEvents batch) share requests of at most 50.
import { globalId } from '../../shared/global-id.js';
import type { Tx } from '../../db/transaction.js';
import type { CdrChange } from '../calls/calls.cdr.js';
import type { Cdr } from '../calls/calls.table.js';
import { enqueuePerApp } from './webhooks.service.js';

/** A CDR as the receiver gets it. */
export function cdrItem(cdr: Cdr, change: 'CREATED' | 'AMENDED') {
  const at = (d: Date | null) => d?.toISOString() ?? null;
  return {
    cdrId: globalId('Cdr', cdr.id),
    change,
    callId: globalId('Call', cdr.call_id),
    switchCallId: cdr.switch_call_id,
    bindingId: cdr.binding_id ? globalId('PrivacyBinding', cdr.binding_id) : null,
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

/**
 * The CDR hook (calls' onCdrCreated): the CDRs of a report, queued per app in event order, in
 * deliveries of at most 50 (enqueueDelivery: one insert for all of an app's deliveries), not a
 * statement per CDR.
 */
export async function pushCdrs(tx: Tx, changes: readonly CdrChange[]): Promise<void> {
  await enqueuePerApp(tx, 'CDR', changes, (c) => c.cdr.app_id, (c) => cdrItem(c.cdr, c.change));
}
