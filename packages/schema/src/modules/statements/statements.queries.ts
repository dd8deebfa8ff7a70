// M2: statements as the key may read them (scopedFrom), their lines, and the query of a line's CDRs.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom, UUID } from '../../access/scope.js';
import { calendarDate } from '../../shared/calendar.js';
import type { Cdr } from '../calls/calls.table.js';
import type { OrderLine } from '../billing/billing.table.js';
import type { VoiceMessage } from '../voice/voice.table.js';
import type { Statement, StatementLine } from './statements.table.js';
import { inUsageWindow, usageWindow, type UsageWindow } from './statements.window.js';

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

/** A source record of a statement line: an order line (with its order and payment), an adjustment's ledger entry, a CDR or a voice message. */
export interface StatementSourceRecord {
  kind: 'ORDER_LINE' | 'LEDGER_ENTRY' | 'CDR' | 'VOICE_MESSAGE';
  orderId: string | null;
  orderLine: OrderLine | null;
  ledgerEntryId: string | null;
  cdr: Cdr | null;
  voiceMessage?: VoiceMessage | null;
}

/** The usage records a statement holds (statements.window.ts): after its previous statement's. */
export async function usageWindowOf(ctx: ServiceContext, s: Statement): Promise<UsageWindow> {
  const previous = await statementsQuery(ctx)
    .where('statements.tenant_id', '=', s.tenant_id)
    .where('statements.month', '<', calendarDate(s.month))
    .orderBy('statements.month', 'desc')
    .limit(1)
    .executeTakeFirst();
  return usageWindow(s, previous);
}

/**
 * The CDRs of a CALL_MINUTES line: the line's app or instance, on 400 numbers or not, that the
 * statement holds (ended before its period's end, stored by its close and not on the previous
 * statement) — the same rows whose billable minutes the line counts.
 * A query, not a list of ids, so that a line of 100 000 CDRs costs no row per CDR.
 */
export function cdrsOfLine(ctx: ServiceContext, line: StatementLine, w: UsageWindow) {
  const tollFree = sql<boolean>`exists (select 1 from numbers n where n.e164 = cdrs.x_e164 and n.type = 'TOLL_FREE_400')`;
  return scopedFrom(ctx, 'cdrs')
    .selectAll()
    .where('cdrs.tenant_id', '=', line.tenant_id)
    .where(inUsageWindow(w, sql.ref('cdrs.ended_at'), sql.ref('cdrs.created_at')))
    .where(sql<boolean>`cdrs.app_id is not distinct from ${line.cdr_app_id}::uuid`)
    .where(sql<boolean>`cdrs.instance_id is not distinct from ${line.cdr_instance_id}::uuid`)
    .where(line.cdr_toll_free ? tollFree : sql<boolean>`not ${tollFree}`);
}

/**
 * The voice messages of a VOICE_MINUTES line: the line's voice app's messages that took package
 * minutes and that the statement holds (their outcome before its period's end, the deduction
 * stored by its close, not on the previous statement).
 */
export function voiceMessagesOfLine(ctx: ServiceContext, line: StatementLine, w: UsageWindow) {
  return scopedFrom(ctx, 'voice_messages')
    .selectAll()
    .where('voice_messages.tenant_id', '=', line.tenant_id)
    .where('voice_messages.app_id', '=', line.voice_app_id!)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('voice_package_usages as u')
          .select('u.id')
          .whereRef('u.message_id', '=', 'voice_messages.id')
          .where(inUsageWindow(w, sql.ref('voice_messages.reported_at'), sql.ref('u.created_at'))),
      ),
    );
}

/** The ledger entries a statement holds (its month's movements). */
export function entriesOfStatement(ctx: ServiceContext, statementId: string) {
  return scopedFrom(ctx, 'ledger_entries')
    .selectAll()
    .where('ledger_entries.id', 'in', scopedFrom(ctx, 'statement_entries').select('statement_entries.ledger_entry_id').where('statement_entries.statement_id', '=', statementId));
}
