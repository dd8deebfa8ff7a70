import { parseCursorConnectionArgs, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { sql, type SelectQueryBuilder } from 'kysely';
import { ValidationError } from '../errors.js';
import { UUID } from '../access/scope.js';

export const MAX_PAGE = 100;

/**
 * A Relay connection over any (already scoped and filtered) query, newest first, with a keyset
 * cursor on (created_at, id) so that pages never skip or repeat rows. Cursors are encoded only
 * when the selection asks for them (an edge's `cursor`, pageInfo's start and end), not per row.
 */
export function keysetConnection<Row extends { id: string; created_at: Date }>(
  args: DefaultConnectionArguments,
  query: SelectQueryBuilder<any, any, Row>,
  table: string,
) {
  if ((args.first ?? 0) > MAX_PAGE || (args.last ?? 0) > MAX_PAGE)
    throw new ValidationError(args.first ? 'first' : 'last', `at most ${MAX_PAGE} items per page`);
  return keysetPage(args, query, table);
}

async function keysetPage<Row extends { id: string; created_at: Date }>(args: DefaultConnectionArguments, query: SelectQueryBuilder<any, any, Row>, table: string) {
  const page = parseCursorConnectionArgs({ args });
  let q = query;
  const key = sql`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)})`;
  if (page.after) q = q.where(sql<boolean>`${key} < (${decode(page.after, 'after')})`);
  if (page.before) q = q.where(sql<boolean>`${key} > (${decode(page.before, 'before')})`);
  const dir = page.inverted ? 'asc' : 'desc';
  const rows = await q.orderBy(sql.ref(`${table}.created_at`), dir).orderBy(sql.ref(`${table}.id`), dir).limit(page.limit).execute();
  const trimmed = rows.slice(0, page.expectedSize);
  if (page.inverted) trimmed.reverse();
  const edges = trimmed.map((row) => new KeysetEdge(row));
  // without rows, the page's cursors are the ones it was asked from (as the relay plugin answers)
  const asked = args.after ?? args.before ?? '';
  return {
    edges,
    pageInfo: {
      get startCursor() {
        return edges[0]?.cursor ?? asked;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? asked;
      },
      hasPreviousPage: page.hasPreviousPage(rows.length),
      hasNextPage: page.hasNextPage(rows.length),
    },
  };
}

class KeysetEdge<Row extends { id: string; created_at: Date }> {
  constructor(readonly node: Row) {}

  get cursor(): string {
    return Buffer.from(`${this.node.created_at.toISOString()}|${this.node.id}`).toString('base64url');
  }
}

function decode(cursor: string, field: string) {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const when = at ? new Date(at) : null;
  // a cursor is only what toCursor made: an ISO time PostgreSQL can hold, and a row id
  if (rest.length || !when || Number.isNaN(when.getTime()) || when.toISOString() !== at || when.getUTCFullYear() < 1 || !UUID.test(id ?? ''))
    throw new ValidationError(field, `${field} is not a cursor of this list`, 'INVALID_CURSOR');
  return sql`${when}::timestamptz, ${id}::uuid`;
}
