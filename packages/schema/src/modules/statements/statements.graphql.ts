// M2: monthly statements in GraphQL: statements, statement(id) / node, lines and their sources.
import { dataloaderGetter } from '@pothos/plugin-dataloader';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { scopedFrom } from '../../access/scope.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { LedgerEntryRef, OrderLineRef, OrderRef } from '../billing/billing.graphql.js';
import { CdrRef } from '../calls/cdrs.graphql.js';
import { VoiceMessageRef } from '../voice/voice.messages.graphql.js';
import { entriesOfStatement, linesOfStatements, monthOf, statementsQuery, type StatementSourceRecord } from './statements.queries.js';
import { sourcesOfLine } from './statements.sources.js';
import { STATEMENT_LINE_KINDS, type Statement, type StatementLine } from './statements.table.js';

/** The charging order of each CALL_MINUTES line a response asks for, in one query (not one per line). */
const lineOrderLoader = dataloaderGetter<string, string | null, string>(
  undefined,
  async (lineIds, ctx) => {
    const rows = await scopedFrom(ctx as GraphQLContext, 'statement_line_sources')
      .select(['statement_line_sources.statement_line_id', 'statement_line_sources.order_id'])
      .where('statement_line_sources.statement_line_id', 'in', [...lineIds])
      .where('statement_line_sources.order_id', 'is not', null)
      .execute();
    const byLine = new Map(rows.map((r) => [r.statement_line_id, r.order_id]));
    return lineIds.map((id) => byLine.get(id) ?? null);
  },
  undefined,
  false,
);

const StatementLineKindEnum = builder.enumType('StatementLineKind', {
  values: STATEMENT_LINE_KINDS,
  description:
    'NUMBER_RENT (number purchases and renewals), MINIMUM_SPEND_400 (400 numbers’ monthly minimum spend, N5), VOICE_NUMBER_FEE (V1), VOICE_PACKAGE (V2), CALL_MINUTES (per privacy app or instance, charged at close), VOICE_MINUTES (per voice app: the package minutes its messages took, 0 CNY: the packages paid for them), OTHER, ADJUSTMENT (a correction: negative when it credits).',
});
const StatementSourceKindEnum = builder.enumType('StatementSourceKind', { values: ['ORDER_LINE', 'LEDGER_ENTRY', 'CDR', 'VOICE_MESSAGE'] as const });

const StatementSourceRef = builder.objectRef<StatementSourceRecord>('StatementSource').implement({
  description: 'A record a statement line is made of: an order line with its order and payment, an adjustment’s ledger entry, a CDR (CALL_MINUTES) or a voice message (VOICE_MINUTES).',
  fields: (t) => ({
    kind: t.field({ type: StatementSourceKindEnum, resolve: (s) => s.kind }),
    order: t.field({ type: OrderRef, nullable: true, resolve: (s) => s.orderId }),
    orderLine: t.field({ type: OrderLineRef, nullable: true, resolve: (s) => s.orderLine }),
    ledgerEntry: t.field({ type: LedgerEntryRef, nullable: true, description: 'The payment of the order, or the adjustment.', resolve: (s) => s.ledgerEntryId }),
    cdr: t.field({ type: CdrRef, nullable: true, resolve: (s) => s.cdr }),
    voiceMessage: t.field({ type: VoiceMessageRef, nullable: true, resolve: (s) => s.voiceMessage ?? null }),
  }),
});

export const StatementLineRef = builder.loadableNode('StatementLine', {
  description: 'M2: one line of a monthly statement. amount = quantity × unit price (an ADJUSTMENT: its signed amount).',
  id: { resolve: (l: StatementLine) => l.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'statement_lines', ids),
  sort: (l) => l.id,
  fields: (t) => ({
    position: t.exposeInt('position'),
    kind: t.field({ type: StatementLineKindEnum, resolve: (l) => l.kind }),
    description: t.exposeString('description'),
    tariffCode: t.exposeString('tariff_code', { nullable: true }),
    quantity: t.exposeInt('quantity', { description: 'Months, packages or package minutes, numbers, call minutes, voice-message minutes; 1 for an adjustment.' }),
    unitPrice: t.field({ type: 'Decimal', resolve: (l) => l.unit_price }),
    amount: t.field({ type: 'Decimal', description: 'Signed: a credit (ADJUSTMENT) is negative.', resolve: (l) => l.amount }),
    note: t.exposeString('note', { nullable: true, description: 'Why a line is not charged (call minutes on 400 numbers, voice-message minutes).' }),
    order: t.field({
      type: OrderRef,
      nullable: true,
      description: 'The order that charged a CALL_MINUTES line (whose sources are its CDRs).',
      resolve: (l, _a, ctx) => (l.kind === 'CALL_MINUTES' && l.cdr_toll_free === false ? lineOrderLoader(ctx).load(l.id) : null),
    }),
    sources: t.connection({
      type: StatementSourceRef,
      description:
        'The records the line is made of, a page at a time: order lines, an adjustment’s ledger entry, (CALL_MINUTES) the CDRs or (VOICE_MINUTES) the voice messages the statement holds: those stored since the previous statement closed, a late one of an earlier month too.',
      resolve: (l, args, ctx) => sourcesOfLine(ctx, l, args),
    }),
  }),
});

export const StatementRef = builder.loadableNode('Statement', {
  description:
    'M2: a tenant’s monthly statement, closed on the first of the next month in its time zone and immutable after. closingBalance = openingBalance + topUps − total; every ledger entry is on exactly one statement.',
  id: { resolve: (s: Statement) => s.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'statements', ids),
  sort: (s) => s.id,
  fields: (t) => ({
    month: t.string({ description: 'YYYY-MM, in timeZone.', resolve: (s) => monthOf(s) }),
    timeZone: t.exposeString('time_zone'),
    periodStart: t.expose('period_start', { type: 'DateTime' }),
    periodEnd: t.expose('period_end', { type: 'DateTime' }),
    openingBalance: t.field({ type: 'Decimal', resolve: (s) => s.opening_balance }),
    topUps: t.field({ type: 'Decimal', resolve: (s) => s.top_ups }),
    total: t.field({ type: 'Decimal', description: 'The sum of the lines: what was charged, less adjustments that credit.', resolve: (s) => s.total }),
    closingBalance: t.field({ type: 'Decimal', resolve: (s) => s.closing_balance }),
    currency: t.string({ resolve: () => 'CNY' }),
    closedAt: t.expose('closed_at', { type: 'DateTime' }),
    tenant: t.field({ type: TenantRef, resolve: (s) => s.tenant_id }),
    lines: t.loadableGroup({
      type: StatementLineRef,
      load: (ids: string[], ctx) => linesOfStatements(ctx, ids),
      group: (l) => (l as StatementLine).statement_id,
      resolve: (s) => s.id,
    }),
    ledgerEntries: t.connection({
      type: LedgerEntryRef,
      description: 'The ledger entries on this statement, newest first: their sum is closingBalance − openingBalance.',
      resolve: (s, args, ctx) => keysetConnection(args, entriesOfStatement(ctx, s.id), 'ledger_entries'),
    }),
  }),
});

builder.queryFields((t) => ({
  statements: t.connection({
    type: StatementRef,
    description: 'M2: monthly statements the key may read (own tenant; OPERATOR: all), newest month first.',
    authScopes: { authenticated: true },
    resolve: (_r, args, ctx) => keysetConnection(args, statementsQuery(ctx), 'statements'),
  }),
  statement: t.field({
    type: StatementRef,
    nullable: true,
    description: 'null when the statement is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: StatementRef }) },
    resolve: (_r, args) => args.id.id,
  }),
}));
