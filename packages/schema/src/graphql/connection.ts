import { resolveCursorConnection, type DefaultConnectionArguments, type ResolveCursorConnectionArgs } from '@pothos/plugin-relay';
import { sql, type SelectQueryBuilder } from 'kysely';
import { ValidationError } from '../errors.js';
import { UUID } from '../access/scope.js';

export const MAX_PAGE = 100;

/**
 * A Relay connection over any (already scoped and filtered) query, newest first, with a keyset
 * cursor on (created_at, id) so that pages never skip or repeat rows.
 */
export function keysetConnection<Row extends { id: string; created_at: Date }>(
  args: DefaultConnectionArguments,
  query: SelectQueryBuilder<any, any, Row>,
  table: string,
) {
  if ((args.first ?? 0) > MAX_PAGE || (args.last ?? 0) > MAX_PAGE)
    throw new ValidationError(args.first ? 'first' : 'last', `at most ${MAX_PAGE} items per page`);
  return resolveCursorConnection(
    { args, toCursor: (r: Row) => Buffer.from(`${r.created_at.toISOString()}|${r.id}`).toString('base64url') },
    ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
      let q = query;
      const key = sql`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)})`;
      if (after) q = q.where(sql<boolean>`${key} < (${decode(after, 'after')})`);
      if (before) q = q.where(sql<boolean>`${key} > (${decode(before, 'before')})`);
      const dir = inverted ? 'asc' : 'desc';
      return q.orderBy(sql.ref(`${table}.created_at`), dir).orderBy(sql.ref(`${table}.id`), dir).limit(limit).execute();
    },
  );
}

function decode(cursor: string, field: string) {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const when = at ? new Date(at) : null;
  // a cursor is only what toCursor made: an ISO time PostgreSQL can hold, and a row id
  if (rest.length || !when || Number.isNaN(when.getTime()) || when.toISOString() !== at || when.getUTCFullYear() < 1 || !UUID.test(id ?? ''))
    throw new ValidationError(field, `${field} is not a cursor of this list`, 'INVALID_CURSOR');
  return sql`${when}::timestamptz, ${id}::uuid`;
}
