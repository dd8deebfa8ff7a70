import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type SelectQueryBuilder } from 'kysely';
import { stringify } from 'csv-stringify';
import { ValidationError, numbersQuery, NUMBER_STATUSES, NUMBER_TYPES, type NumberRow, type NumberStatus, type NumberType, linesOf, ordersQuery, ORDER_STATUSES, type Order, type OrderStatus } from '@callplane/schema';
import type { Route } from '../http/routes.js';

/**
 * N8: number lists and order records as CSV, read through the same policy (READ_POLICY) as GraphQL:
 * a key that may read no number or order gets the header row alone.
 * Streamed a page at a time (keyset on created_at, id), so a large export holds one page in memory.
 * Columns are fixed (a header row first); a UTF-8 BOM lets spreadsheet programs read Chinese regions.
 */
const PAGE = 500;

const NUMBER_COLUMNS = [
  'id', 'e164', 'type', 'tier', 'status', 'province', 'city', 'carrier', 'call_type', 'auto_renew',
  'term_start', 'term_end', 'reserved_until', 'grace_until', 'instance_id', 'tenant_id', 'created_at',
] as const;

const ORDER_COLUMNS = [
  'id', 'order_no', 'kind', 'status', 'total', 'currency', 'items', 'tenant_id', 'created_at', 'paid_at', 'expires_at', 'closed_at',
] as const;

export const numbersExportRoute: Route = {
  method: 'GET',
  pattern: /^\/exports\/numbers\.csv$/,
  async handle(req, res, ctx) {
    const params = new URL(req.url ?? '', 'http://x').searchParams;
    const query = numbersQuery(ctx, {
      status: oneOf<NumberStatus>(params, 'status', NUMBER_STATUSES),
      type: oneOf<NumberType>(params, 'type', NUMBER_TYPES),
    });
    const rows = mapPages(pages<NumberRow>(query, 'numbers'), async (page) =>
      page.map((n) => [n.id, n.e164, n.type, n.tier, n.status, n.province, n.city, n.carrier, n.call_type, n.auto_renew, n.term_start, n.term_end, n.reserved_until, n.grace_until, n.instance_id, n.tenant_id, n.created_at]),
    );
    await sendCsv(res, 'numbers.csv', NUMBER_COLUMNS, rows);
  },
};

export const ordersExportRoute: Route = {
  method: 'GET',
  pattern: /^\/exports\/orders\.csv$/,
  async handle(req, res, ctx) {
    const params = new URL(req.url ?? '', 'http://x').searchParams;
    const query = ordersQuery(ctx, { status: oneOf<OrderStatus>(params, 'status', ORDER_STATUSES) });
    const rows = mapPages(pages<Order>(query, 'orders'), async (page) => {
      const lines = await linesOf(ctx, page.map((o) => o.id));
      return page.map((o) => [
        o.id, o.order_no, o.kind, o.status, o.total, 'CNY',
        lines.filter((l) => l.order_id === o.id).map((l) => `${l.description} × ${l.quantity} = ${l.amount}`).join('; '),
        o.tenant_id, o.created_at, o.paid_at, o.expires_at, o.closed_at,
      ]);
    });
    await sendCsv(res, 'orders.csv', ORDER_COLUMNS, rows);
  },
};

function oneOf<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T | null {
  const v = params.get(name);
  if (v === null || v === '') return null;
  if (!allowed.includes(v as T)) throw new ValidationError(name, `${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** Oldest first (by `time`, created_at unless given), one page per query: the same rows in the same order every time. */
export async function* pages<Row extends { id: string } & Record<T, Date>, T extends 'created_at' | 'ended_at' = 'created_at'>(query: SelectQueryBuilder<any, any, Row>, table: string, time: T = 'created_at' as T): AsyncGenerator<Row[]> {
  let last: Row | null = null;
  for (;;) {
    let q = query;
    if (last) q = q.where(sql<boolean>`(${sql.ref(`${table}.${time}`)}, ${sql.ref(`${table}.id`)}) > (${last[time]}::timestamptz, ${last.id}::uuid)`);
    const page = await q.orderBy(sql.ref(`${table}.${time}`), 'asc').orderBy(sql.ref(`${table}.id`), 'asc').limit(PAGE).execute();
    if (page.length) yield page;
    if (page.length < PAGE) return;
    last = page[page.length - 1]!;
  }
}

export async function* mapPages<Row>(source: AsyncGenerator<Row[]>, toRecords: (page: Row[]) => Promise<unknown[][]>): AsyncGenerator<unknown[]> {
  for await (const page of source) yield* await toRecords(page);
}

/**
 * Every text cell of every export (N8 numbers and orders, C2 CDRs, M2 statements): one a
 * spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return) is
 * prefixed with an apostrophe, so that it shows as the text it is (OWASP's CSV injection advice). A
 * plain number stays a number: a signed decimal ("-12.000", a credit; "+8613800000003", an E.164
 * number) runs nothing.
 */
export function csvCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) && !/^[+-]?\d+(\.\d+)?$/.test(v) ? `'${v}` : v;
}

/** Streams `records` as a CSV download, every cell through csvCell. */
export async function sendCsv(res: import('node:http').ServerResponse, fileName: string, columns: readonly string[], records: AsyncGenerator<unknown[]>) {
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'private, no-store',
  });
  const csv = stringify({
    header: true,
    columns: [...columns],
    bom: true,
    cast: { date: (d) => d.toISOString(), boolean: (b) => (b ? 'true' : 'false'), string: csvCell },
  });
  await pipeline(Readable.from(records), csv, res);
}
