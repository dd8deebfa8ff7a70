// The manual clock (CALLPLANE_CLOCK=manual), kept in the database: one row, `manual_clock`.
import { sql, type Kysely } from 'kysely';
import { ManualClock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import type { ServiceContext } from '../../context.js';
import { DomainError } from '../../errors.js';

/**
 * At start: a manual clock without a start of its own resumes the database's manual clock (a
 * restart does not jump to real time); one with a start sets the database's clock to it.
 */
export async function attachManualClock(db: Kysely<Database>, clock: ManualClock): Promise<void> {
  if (clock.resumes) {
    const stored = await sql<{ at: Date }>`insert into manual_clock (at) values (${clock.now()}) on conflict (id) do update set at = manual_clock.at returning at`.execute(db);
    clock.set(stored.rows[0]!.at);
  } else await sql`insert into manual_clock (at) values (${clock.now()}) on conflict (id) do update set at = excluded.at`.execute(db);
}

/**
 * advanceClock: moves the database's manual clock forward and this server's with it, from the
 * later of the two, so that servers sharing the database never move it back.
 */
export async function advanceManualClock(ctx: ServiceContext, seconds: number): Promise<Date> {
  const clock = ctx.clock;
  if (!(clock instanceof ManualClock))
    throw new DomainError('CLOCK_NOT_MANUAL', 'advanceClock works only when the server runs with CALLPLANE_CLOCK=manual', 'seconds');
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('seconds must be a non-negative number');
  const moved = await inTransaction(ctx, (tx) =>
    sql<{ at: Date }>`
    insert into manual_clock (at) values (${clock.now()}::timestamptz + make_interval(secs => ${seconds}))
    on conflict (id) do update set at = greatest(manual_clock.at, excluded.at - make_interval(secs => ${seconds})) + make_interval(secs => ${seconds})
    returning at`.execute(tx.trx),
  );
  clock.set(moved.rows[0]!.at);
  return clock.now();
}
