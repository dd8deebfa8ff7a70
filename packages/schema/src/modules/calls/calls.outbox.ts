// RT1 for a reportCallEvents batch: the events of every item (its CALL_EVENT, the agent's and the
// CDR's, the deliveries') are written to the outbox with one insert at the end of the transaction,
// instead of one insert each. The batch's CALL_EVENTs come first, in event order, as one row per
// tenant and app (a run: events.table.ts `batch`, up to EVENTS_PER_ROW), then its CDR_CREATED
// likewise, then the other events as emitted, a row each. A call's CALL_EVENTs still precede what
// they caused (its CDR, its agent's status, its deliveries).
import type { Tx } from '../../db/transaction.js';
import type { EventNotice } from '../events/events.bus.js';
import { encodeCursor } from '../events/events.cursor.js';
import { EVENTS_PER_ROW, type NewEvent } from '../events/events.service.js';
import { sql, type RawBuilder } from 'kysely';
import { isoTime, jsonColumns, jsonRowsInsert } from './calls.write.js';

const EVENT_COLUMNS = jsonColumns([
  ['type', 'text'],
  ['tenant_id', 'uuid'],
  ['app_id', 'uuid'],
  ['subject_id', 'text'],
  ['payload', 'jsonb'],
  ['occurred_at', 'timestamptz'],
  ['batch', 'jsonb'],
]);

/** The types a batch writes as runs, in this order, before its other events. */
const RUN_TYPES: readonly string[] = ['CALL_EVENT', 'CDR_CREATED'];

/** An outbox row to write: one event, or a run of events of one type, tenant and app. */
interface OutboxRow {
  events: NewEvent[];
  /** Its JSON row; a null column is left out (calls.write.ts `orMissing`). */
  row: { type: string; tenant_id: string | null; app_id?: string; subject_id: string; payload: unknown; occurred_at: string; batch?: [string, unknown][] };
}

/** The rows of the buffered events: the runs of RUN_TYPES (per tenant and app, in order), then the rest as emitted. */
function outboxRows(pending: readonly NewEvent[], occurredAt: string): OutboxRow[] {
  const row = (e: NewEvent, subjectId: string, payload: unknown, batch?: [string, unknown][]): OutboxRow['row'] =>
    ({ type: e.type, tenant_id: e.tenantId, app_id: e.appId ?? undefined, subject_id: subjectId, payload, occurred_at: occurredAt, batch });
  // per run type (in RUN_TYPES' order), per tenant and app: chunks of at most EVENTS_PER_ROW
  const runs = new Map(RUN_TYPES.map((type) => [type, new Map<string, NewEvent[][]>()]));
  const rest: OutboxRow[] = [];
  for (const e of pending) {
    const ofType = runs.get(e.type);
    if (!ofType) {
      rest.push({ events: [e], row: row(e, e.subjectId, e.payload) });
      continue;
    }
    const key = `${e.tenantId} ${e.appId ?? ''}`;
    const chunks = ofType.get(key) ?? ofType.set(key, [[]]).get(key)!;
    if (chunks.at(-1)!.length === EVENTS_PER_ROW) chunks.push([]);
    chunks.at(-1)!.push(e);
  }
  const inRuns = [...runs.values()].flatMap((ofType) => [...ofType.values()].flat()).map((events): OutboxRow => {
    const e = events[0]!;
    return { events, row: events.length === 1 ? row(e, e.subjectId, e.payload) : row(e, '', {}, events.map((x) => [x.subjectId, x.payload])) };
  });
  return [...inRuns, ...rest];
}

export interface BufferedTx extends Tx {
  /**
   * Writes the buffered events (in the order outboxRows gives); the notices are for the bus after commit.
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
      const rows = outboxRows(pending.splice(0), isoTime(tx.now));
      const insert = jsonRowsInsert<{ txid: string; seq: string }>(
        'events',
        EVENT_COLUMNS,
        rows.map((r) => r.row),
        'returning txid::text as txid, seq::text as seq',
      );
      const written = (await (alongside ? sql<{ txid: string; seq: string }>`with alongside as (${alongside}) ${insert}` : insert).execute(tx.trx)).rows;
      // the rows draw seq in the order given (a run's events are at seq − n + 1 … seq)
      written.sort((a, b) => a.seq.length - b.seq.length || (a.seq < b.seq ? -1 : 1)); // as numbers, without a BigInt per comparison
      // one notice per row: a run is announced by its last event's cursor (seq), with its count
      rows.forEach(({ events }, i) => {
        const { txid, seq } = written[i]!;
        const e = events[0]!;
        notices.push({ tenantId: e.tenantId, appId: e.appId ?? null, type: e.type, cursor: encodeCursor({ txid, seq }), ...(events.length > 1 ? { count: events.length } : {}) });
      });
      return notices;
    },
  };
}
