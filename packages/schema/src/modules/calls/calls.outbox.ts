// RT1 for a reportCallEvents batch: the events of every item (its CALL_EVENT, the agent's and the
// CDR's, the deliveries') are kept in the order they were emitted and written to the outbox with
// one insert at the end of the transaction, instead of one insert each.
import type { Tx } from '../../db/transaction.js';
import type { EventNotice } from '../events/events.bus.js';
import { encodeCursor } from '../events/events.cursor.js';
import type { NewEvent } from '../events/events.service.js';
import { sql, type RawBuilder } from 'kysely';
import { isoTime, jsonColumns, jsonRowsInsert } from './calls.write.js';

const EVENT_COLUMNS = jsonColumns([
  ['type', 'text'],
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['subject_id', 'text'],
  ['payload', 'jsonb'],
  ['occurred_at', 'timestamptz'],
]);

export interface BufferedTx extends Tx {
  /**
   * Writes the buffered events, in emit order; the notices are for the bus after commit.
   * `alongside`: a statement of the same transaction sent in the same round trip (a WITH query).
   */
  flushEvents(alongside?: RawBuilder<unknown> | null): Promise<EventNotice[]>;
}

/** The transaction with its emit buffered: what is emitted through it is written by flushEvents. */
export function bufferedEvents(tx: Tx): BufferedTx {
  const pending: NewEvent[] = [];
  const notices: EventNotice[] = [];
  return {
    trx: tx.trx,
    now: tx.now,
    emit: async (event) => {
      pending.push(event);
    },
    async flushEvents(alongside) {
      if (!pending.length) {
        if (alongside) await alongside.execute(tx.trx);
        return notices;
      }
      const batch = pending.splice(0);
      const occurredAt = isoTime(tx.now);
      const insert = jsonRowsInsert<{ txid: string; seq: string }>(
        'events',
        EVENT_COLUMNS,
        batch.map((e) => ({ type: e.type, tenant_id: e.tenantId, app_id: e.appId ?? null, subject_id: e.subjectId, payload: e.payload, occurred_at: occurredAt })),
        'returning txid::text as txid, seq::text as seq',
      );
      const { rows } = await (alongside ? sql<{ txid: string; seq: string }>`with alongside as (${alongside}) ${insert}` : insert).execute(tx.trx);
      // the rows draw seq in the order given
      rows.sort((a, b) => a.seq.length - b.seq.length || (a.seq < b.seq ? -1 : 1)); // as numbers, without a BigInt per comparison
      batch.forEach((e, i) => notices.push({ tenantId: e.tenantId, appId: e.appId ?? null, type: e.type, cursor: encodeCursor({ txid: rows[i]!.txid, seq: rows[i]!.seq }) }));
      return notices;
    },
  };
}
