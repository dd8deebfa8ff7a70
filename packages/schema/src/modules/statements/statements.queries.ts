// M2: statements as the key may read them (scopedFrom), their lines, and the query of a line's CDRs.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom, UUID } from '../../access/scope.js';
import { calendarDate } from '../../shared/calendar.js';
import type { Cdr } from '../calls/calls.table.js';
import type { OrderLine } from '../billing/billing.table.js';
import type { Statement, StatementLine } from './statements.table.js';

/** Statements the key may read, newest month first by the keyset on (created_at = the period's end, id). */
export function statementsQuery(ctx: ServiceContext) {
  return scopedFrom(ctx, 'statements').selectAll();
}

/** A statement by id, or undefined when the key may not read it (like a missing one). */
export async function findStatement(ctx: ServiceContext, id: string): Promise<Statement | undefined> {
  if (!UUID.test(id)) return undefined;
  return statementsQuery(ctx).where('statements.id', '=', id).executeTakeFirst();
}

export async function linesOfStatements(ctx: ServiceContext, statementIds: readonly string[]): Promise<StatementLine[]> {
  if (!statementIds.length) return [];
  return scopedFrom(ctx, 'statement_lines').selectAll().where('statement_lines.statement_id', 'in', [...statementIds]).orderBy('statement_lines.position').execute();
}

/** YYYY-MM of a statement. */
export const monthOf = (s: Pick<Statement, 'month'>) => calendarDate(s.month).slice(0, 7);

/** A source record of a statement line: an order line (with its order and payment), an adjustment's ledger entry, or a CDR. */
export interface StatementSourceRecord {
  kind: 'ORDER_LINE' | 'LEDGER_ENTRY' | 'CDR';
  orderId: string | null;
  orderLine: OrderLine | null;
  ledgerEntryId: string | null;
  cdr: Cdr | null;
}

/**
 * The CDRs of a CALL_MINUTES line: the statement's month, the line's app or instance, on 400
 * numbers or not, stored before the close — the same rows whose billable minutes the line counts.
 * A query, not a list of ids, so that a line of 100 000 CDRs costs no row per CDR.
 */
export function cdrsOfLine(ctx: ServiceContext, line: StatementLine, s: Statement) {
  const tollFree = sql<boolean>`exists (select 1 from numbers n where n.e164 = cdrs.x_e164 and n.type = 'TOLL_FREE_400')`;
  return scopedFrom(ctx, 'cdrs')
    .selectAll()
    .where('cdrs.tenant_id', '=', line.tenant_id)
    .where('cdrs.ended_at', '>=', s.period_start)
    .where('cdrs.ended_at', '<', s.period_end)
    .where('cdrs.created_at', '<=', s.closed_at)
    .where(sql<boolean>`cdrs.app_id is not distinct from ${line.cdr_app_id}::uuid`)
    .where(sql<boolean>`cdrs.instance_id is not distinct from ${line.cdr_instance_id}::uuid`)
    .where(line.cdr_toll_free ? tollFree : sql<boolean>`not ${tollFree}`);
}

/** The ledger entries a statement holds (its month's movements). */
export function entriesOfStatement(ctx: ServiceContext, statementId: string) {
  return scopedFrom(ctx, 'ledger_entries')
    .selectAll()
    .where('ledger_entries.id', 'in', scopedFrom(ctx, 'statement_entries').select('statement_entries.ledger_entry_id').where('statement_entries.statement_id', '=', statementId));
}
