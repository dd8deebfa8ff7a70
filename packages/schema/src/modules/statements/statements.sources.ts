// M2: a statement line's source records as a Relay connection (read by the GraphQL layer; kept out
// of statements.queries.ts so that the worker, which loads the services, loads no GraphQL helper).
import type { DefaultConnectionArguments, PageInfoShape } from '@pothos/plugin-relay';
import type { ServiceContext } from '../../context.js';
import { scopedFrom } from '../../access/scope.js';
import { keysetConnection } from '../../graphql/connection.js';
import { cdrsOfLine, statementsQuery, usageWindowOf, voiceMessagesOfLine, type StatementSourceRecord } from './statements.queries.js';
import type { StatementLine } from './statements.table.js';

/** M2: a line's source records, a page at a time (Relay connection). */
export async function sourcesOfLine(ctx: ServiceContext, line: StatementLine, args: DefaultConnectionArguments) {
  // usage lines name their records by a query over the statement's window (statements.window.ts)
  if (line.cdr_toll_free !== null || line.voice_app_id !== null) {
    const s = await statementsQuery(ctx).where('statements.id', '=', line.statement_id).executeTakeFirst();
    if (!s) return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
    const w = await usageWindowOf(ctx, s);
    if (line.voice_app_id !== null) {
      const page = await keysetConnection(args, voiceMessagesOfLine(ctx, line, w), 'voice_messages');
      return mapNodes(page, async (messages) => messages.map((voiceMessage): StatementSourceRecord => ({ kind: 'VOICE_MESSAGE', orderId: null, orderLine: null, ledgerEntryId: null, cdr: null, voiceMessage })));
    }
    const page = await keysetConnection(args, cdrsOfLine(ctx, line, w), 'cdrs', 'ended_at');
    return mapNodes(page, async (cdrs) => cdrs.map((cdr): StatementSourceRecord => ({ kind: 'CDR', orderId: null, orderLine: null, ledgerEntryId: null, cdr })));
  }
  const query = scopedFrom(ctx, 'statement_line_sources').selectAll().where('statement_line_sources.statement_line_id', '=', line.id);
  const page = await keysetConnection(args, query, 'statement_line_sources');
  return mapNodes(page, async (rows) => {
    const ids = rows.map((r) => r.order_line_id).filter((id): id is string => !!id);
    const orderLines = ids.length ? await scopedFrom(ctx, 'order_lines').selectAll().where('order_lines.id', 'in', ids).execute() : [];
    const byId = new Map(orderLines.map((l) => [l.id, l]));
    return rows.map(
      (r): StatementSourceRecord => ({
        kind: r.order_line_id ? 'ORDER_LINE' : 'LEDGER_ENTRY',
        orderId: r.order_id,
        orderLine: r.order_line_id ? (byId.get(r.order_line_id) ?? null) : null,
        ledgerEntryId: r.ledger_entry_id,
        cdr: null,
      }),
    );
  });
}

type Page<T> = { edges: readonly ({ cursor: string; node: T } | null)[]; pageInfo: PageInfoShape };

async function mapNodes<T, U>(page: Page<T>, map: (nodes: T[]) => Promise<U[]>): Promise<Page<U>> {
  const edges = page.edges.filter((e): e is { cursor: string; node: T } => !!e);
  const nodes = await map(edges.map((e) => e.node));
  return { ...page, edges: edges.map((e, i) => ({ cursor: e.cursor, node: nodes[i]! })) };
}

