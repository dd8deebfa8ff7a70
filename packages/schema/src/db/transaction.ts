import type { Selectable, Transaction } from 'kysely';
import type { ServiceContext } from '../context.js';
import type { Database } from './database.js';
import type { EventNotice } from '../modules/events/events.bus.js';
import { writeEvent, type NewEvent } from '../modules/events/events.service.js';

export interface Tx {
  trx: Transaction<Database>;
  /** The clock's time when the transaction began: one "now" for the whole change. */
  now: Date;
  /** Writes the event in this transaction; it is published after commit (RT1, RT2). */
  emit(event: NewEvent): Promise<void>;
}

/** Runs a state change and its events atomically, then wakes subscribers. */
export async function inTransaction<T>(ctx: ServiceContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const notices: EventNotice[] = [];
  const now = ctx.clock.now();
  const run = (trx: Transaction<Database>) =>
    fn({
      trx,
      now,
      emit: async (event) => {
        notices.push(await writeEvent(trx, event, now));
      },
    });
  // Called inside a caller's own transaction (bootstrap, CLI): its work joins that one; the
  // notices only wake subscribers, who find the events once the caller commits (RT2).
  const result = ctx.db.isTransaction ? await run(ctx.db as Transaction<Database>) : await ctx.db.transaction().execute(run);
  if (notices.length) ctx.bus.notify(notices);
  return result;
}

/**
 * System work (jobs, order-line effects) locks a row by id outside any key's scope: the caller
 * has already decided who may act.
 */
export function lockRow<T extends keyof Database>(tx: Tx, table: T, id: string): Promise<Selectable<Database[T]> | undefined> {
  return (tx.trx.selectFrom(table) as any).selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}
