import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// numeric and bigint come back as strings (exact decimals, M1); dates as Date.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);
// date columns are calendar days: keep them as YYYY-MM-DD strings, never shifted by a time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export interface Db {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function connect(connectionString: string, opts: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // PostgreSQL shutting down under us (57P01) must not crash the process (STACK trap 2).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}
