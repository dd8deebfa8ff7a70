import { findStatement, linesOfStatements, monthOf, NotFoundError, UUID } from '@callplane/schema';
import type { Route } from '../http/routes.js';
import { sendCsv } from './exports.js';
import { rowIdOf } from './cdrs.js';

/**
 * M2: GET /exports/statements/<Statement global id, or its row id>.csv — one statement's lines,
 * then its totals (opening balance, top-ups, total, closing balance), read through the statements
 * policy like `statement(id:)`: a statement the key may not read is 404, like a missing one.
 * Formula-like text cells are neutralised by sendCsv (csvCell), amounts stay numbers.
 */
const COLUMNS = ['month', 'time_zone', 'position', 'kind', 'description', 'tariff_code', 'quantity', 'unit_price', 'amount', 'currency', 'note'] as const;

export const statementExportRoute: Route = {
  method: 'GET',
  pattern: /^\/exports\/statements\/(?<id>[^/]+)\.csv$/,
  async handle(_req, res, ctx, params) {
    let raw: string;
    try {
      raw = decodeURIComponent(params.id!);
    } catch {
      throw new NotFoundError('statement', 'id');
    }
    const id = UUID.test(raw) ? raw : rowIdOf(raw, 'Statement');
    const statement = id ? await findStatement(ctx, id) : undefined;
    if (!statement) throw new NotFoundError('statement', 'id');
    const month = monthOf(statement);
    const lines = await linesOfStatements(ctx, [statement.id]);
    async function* records(): AsyncGenerator<unknown[]> {
      for (const l of lines) yield [month, statement!.time_zone, l.position, l.kind, l.description, l.tariff_code, l.quantity, l.unit_price, l.amount, 'CNY', l.note];
      for (const [kind, amount] of [
        ['OPENING_BALANCE', statement!.opening_balance],
        ['TOP_UPS', statement!.top_ups],
        ['TOTAL', statement!.total],
        ['CLOSING_BALANCE', statement!.closing_balance],
      ] as const)
        yield [month, statement!.time_zone, null, kind, null, null, null, null, amount, 'CNY', null];
    }
    await sendCsv(res, `statement-${month}.csv`, COLUMNS, records());
  },
};
