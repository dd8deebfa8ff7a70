// C3, RT1: the DELIVERY_CHANGED events of a batch of recorded attempts, written in one statement in
// the batch's transaction (one round trip instead of one per delivery); subscribers are woken
// after the commit, as tx.emit does.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Tx } from '../../db/transaction.js';
import type { EventNotice } from '../events/events.bus.js';
import { encodeCursor } from '../events/events.cursor.js';
import type { NewEvent } from '../events/events.service.js';
import { emitDeliveryChanged } from './webhooks.service.js';
import type { Delivery } from './webhooks.table.js';

/** Writes the events of these deliveries' new states; the notices to publish once the transaction has committed. */
export async function writeDeliveriesChanged(tx: Tx, deliveries: readonly Delivery[]): Promise<EventNotice[]> {
  const events: NewEvent[] = [];
  // the event as emitDeliveryChanged makes it, collected instead of written one by one
  const collect: Tx = { ...tx, emit: async (e) => void events.push(e) };
  for (const d of deliveries) await emitDeliveryChanged(collect, d);
  if (!events.length) return [];
  // one parameter for the batch (a JSON array), not six per event
  const rows = events.map((e) => ({ type: e.type, tenant_id: e.tenantId, app_id: e.appId ?? null, subject_id: e.subjectId, payload: e.payload }));
  const { rows: written } = await sql<{ txid: string; seq: string; tenant_id: string | null; app_id: string | null; type: string }>`
    insert into events (type, tenant_id, app_id, subject_id, payload, occurred_at)
    select e.type, e.tenant_id, e.app_id, e.subject_id, e.payload, ${tx.now}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(type text, tenant_id uuid, app_id uuid, subject_id text, payload jsonb)
    returning txid::text, seq, tenant_id, app_id, type`.execute(tx.trx);
  return written.map((r) => ({ tenantId: r.tenant_id, appId: r.app_id, type: r.type, cursor: encodeCursor({ txid: r.txid, seq: r.seq }) }));
}

export const publishAfterCommit = (ctx: ServiceContext, notices: EventNotice[]) => {
  if (notices.length) ctx.bus.notify(notices);
};
