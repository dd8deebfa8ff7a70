import { parseCursorConnectionArgs, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { sql, type SelectQueryBuilder } from 'kysely';
import { ValidationError } from '../errors.js';
import { UUID } from '../access/scope.js';

export const MAX_PAGE = 100;

/** The time a list is ordered by: when a row was made, or the column a list's time windows and indexes are on (a CDR's end, an SMS's sending). */
export type KeysetTime = 'created_at' | 'ended_at' | 'sent_at';
type KeysetRow<T extends KeysetTime> = { id: string } & Record<T, Date>;

/**
 * A Relay connection over any (already scoped and filtered) query, newest first, with a keyset
 * cursor on (time, id) so that pages never skip or repeat rows; the time is created_at unless
 * given. Cursors are encoded only when the selection asks for them (an edge's `cursor`,
 * pageInfo's start and end), not per row.
 */
export function keysetConnection<Row extends KeysetRow<T>, T extends KeysetTime = 'created_at'>(
  args: DefaultConnectionArguments,
  query: SelectQueryBuilder<any, any, Row>,
  table: string,
  time: T = 'created_at' as T,
) {
  if ((args.first ?? 0) > MAX_PAGE || (args.last ?? 0) > MAX_PAGE)
    throw new ValidationError(args.first ? 'first' : 'last', `at most ${MAX_PAGE} items per page`);
  return keysetPage(args, query, table, time);
}

async function keysetPage<Row extends KeysetRow<T>, T extends KeysetTime>(args: DefaultConnectionArguments, query: SelectQueryBuilder<any, any, Row>, table: string, time: T) {
  const page = parseCursorConnectionArgs({ args });
  let q = query;
  // PostgreSQL bounds an index on (owner, time) by the comparison's time: a page starts at its cursor
  const key = sql`(${sql.ref(`${table}.${time}`)}, ${sql.ref(`${table}.id`)})`;
  if (page.after) q = q.where(sql<boolean>`${key} < (${decode(page.after, 'after')})`);
  if (page.before) q = q.where(sql<boolean>`${key} > (${decode(page.before, 'before')})`);
  const dir = page.inverted ? 'asc' : 'desc';
  const rows = await q.orderBy(sql.ref(`${table}.${time}`), dir).orderBy(sql.ref(`${table}.id`), dir).limit(page.limit).execute();
  const trimmed = rows.slice(0, page.expectedSize);
  if (page.inverted) trimmed.reverse();
  const edges = trimmed.map((row) => new KeysetEdge(row, time));
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

class KeysetEdge<Row extends KeysetRow<T>, T extends KeysetTime> {
  constructor(
    readonly node: Row,
    private readonly time: T,
  ) {}

  get cursor(): string {
    return Buffer.from(`${this.node[this.time].toISOString()}|${this.node.id}`).toString('base64url');
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
