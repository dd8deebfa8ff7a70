// C4, P5: where an SMS to an X goes. The binding is found by routeCall's own lookup (routing.query.ts:
// the X's pool row and app, and the active binding of the routing keys AXB (X, sender) and AX (X),
// under the key's read policy); an SMS carries no extension, so AXE bindings are not looked up.
// AXB: A→X is relayed to B and B→X to A; AX: anyone→X to A; only when the binding relays SMS.
import type { Tx } from '../../db/transaction.js';
import type { Actor } from '../../access/actor.js';
import { DomainError } from '../../errors.js';
import { routingKeys, routingQuery } from '../privacy/routing.query.js';
import type { SmsNotRelayedReason, SmsRelayStatus } from './sms.table.js';

export interface SmsRoute {
  tenantId: string;
  appId: string;
  bindingId: string | null;
  userData: string | null;
  relayStatus: SmsRelayStatus;
  relayedTo: string | null;
  notRelayedReason: SmsNotRelayedReason | null;
}

/** C4: the relay decision for an SMS from `from` to the X `to`, at the transaction's now; an X the key does not own is SMS_NUMBER_NOT_OWNED. */
export async function routeSms(tx: Tx, actor: Actor | null, from: string, to: string): Promise<SmsRoute> {
  const rows = await routingQuery({ db: tx.trx, actor }, to, routingKeys({ caller: from, extension: null }), tx.now)
    .select(['privacy_pool_numbers.tenant_id', 'b.relay_sms'])
    .execute();
  const x = rows[0];
  if (!x) throw new DomainError('SMS_NUMBER_NOT_OWNED', `${to} is not a privacy number of this key`, 'to');
  const base = { tenantId: x.tenant_id, appId: x.app_id, bindingId: null, userData: null, relayedTo: null };
  const notRelayed = (reason: SmsNotRelayedReason, b?: (typeof rows)[number]): SmsRoute => ({
    ...base,
    ...(b ? { bindingId: b.binding_id, userData: b.user_data } : {}),
    relayStatus: 'NOT_RELAYED',
    notRelayedReason: reason,
  });
  const bound = rows.filter((r) => r.binding_id);
  const party = bound.find((r) => r.key === `P:${from}`);
  const ax = bound.find((r) => r.key === 'AX');
  const b = party ?? ax;
  if (!b) return notRelayed(x.app_mode === 'AXE' ? 'AXE_NEEDS_EXTENSION' : x.app_mode === 'X' ? 'X_MODE' : 'NO_BINDING');
  if (!b.relay_sms) return notRelayed('RELAY_SMS_OFF', b);
  const target = party ? (from === party.a_e164 ? party.b_e164! : party.a_e164!) : ax!.a_e164!;
  if (target === from) return notRelayed('SENDER_IS_BOUND_PARTY', b);
  return { ...base, bindingId: b.binding_id, userData: b.user_data, relayStatus: 'RELAYED', relayedTo: target, notRelayedReason: null };
}
