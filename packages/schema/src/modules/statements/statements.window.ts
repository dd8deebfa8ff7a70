// M2: which usage records (CDRs, voice messages) a statement holds. A record has a time of its own
// (a call's end, a message's outcome: the switch's clock) and the time the platform stored it. A
// statement holds the records of before its period's end that were stored by its close, less those
// the previous statement held: a record the switch reported after its month closed lands on the
// next statement, and every record on exactly one (periods' ends and closes only grow).
//
// "Stored by its close" means stored USAGE_SETTLE_MS before it: a record's storing time is its
// transaction's start, and a report transaction that began just before the close may commit just
// after it, unseen by the close; were it on this statement, nothing would charge it. A record
// stored in that last minute goes on the next statement instead.
import { sql, type RawBuilder } from 'kysely';
import type { Statement } from './statements.table.js';

/** How long before its close a statement stops taking usage records in (far longer than a report transaction). */
export const USAGE_SETTLE_MS = 60_000;

export interface UsageWindow {
  end: Date;
  /** Records stored up to this time (USAGE_SETTLE_MS before the close). */
  storedBy: Date;
  /** The previous statement's (null for the tenant's first statement). */
  previous: { end: Date; storedBy: Date } | null;
}

const storedBy = (s: Pick<Statement, 'closed_at'>) => new Date(s.closed_at.getTime() - USAGE_SETTLE_MS);

export const usageWindow = (s: Pick<Statement, 'period_end' | 'closed_at'>, previous: Pick<Statement, 'period_end' | 'closed_at'> | null | undefined): UsageWindow => ({
  end: s.period_end,
  storedBy: storedBy(s),
  previous: previous ? { end: previous.period_end, storedBy: storedBy(previous) } : null,
});

/** The SQL condition "on this statement" for a record whose own time is `at` and storing time `stored`. */
export function inUsageWindow(w: UsageWindow, at: RawBuilder<unknown>, stored: RawBuilder<unknown>): RawBuilder<boolean> {
  const held = (end: Date, by: Date) => sql<boolean>`(${at} < ${end}::timestamptz and ${stored} <= ${by}::timestamptz)`;
  return w.previous ? sql<boolean>`(${held(w.end, w.storedBy)} and not ${held(w.previous.end, w.previous.storedBy)})` : held(w.end, w.storedBy);
}
