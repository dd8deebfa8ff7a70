// M2: which usage records (CDRs, voice messages) a statement holds. A record has a time of its own
// (a call's end, a message's outcome: the switch's clock) and the time the platform stored it. A
// statement holds the records of before its period's end that were stored by its close, less those
// the previous statement held: a record the switch reported after its month closed lands on the
// next statement, and every record on exactly one (periods' ends and closes only grow).
import { sql, type RawBuilder } from 'kysely';
import type { Statement } from './statements.table.js';

export interface UsageWindow {
  end: Date;
  closedAt: Date;
  /** The previous statement's period end and close (null for the tenant's first statement). */
  previous: { end: Date; closedAt: Date } | null;
}

export const usageWindow = (s: Pick<Statement, 'period_end' | 'closed_at'>, previous: Pick<Statement, 'period_end' | 'closed_at'> | null | undefined): UsageWindow => ({
  end: s.period_end,
  closedAt: s.closed_at,
  previous: previous ? { end: previous.period_end, closedAt: previous.closed_at } : null,
});

/** The SQL condition "on this statement" for a record whose own time is `at` and storing time `stored`. */
export function inUsageWindow(w: UsageWindow, at: RawBuilder<unknown>, stored: RawBuilder<unknown>): RawBuilder<boolean> {
  const held = (end: Date, closedAt: Date) => sql<boolean>`(${at} < ${end}::timestamptz and ${stored} <= ${closedAt}::timestamptz)`;
  return w.previous ? sql<boolean>`(${held(w.end, w.closedAt)} and not ${held(w.previous.end, w.previous.closedAt)})` : held(w.end, w.closedAt);
}
