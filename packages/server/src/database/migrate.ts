import type pg from 'pg';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '@callplane/schema/core';
import { installJobSchema } from '../jobs/worker.js';

/** Callplane's own migrations, then graphile-worker's schema. Returns the names just applied. */
export async function migrateAll(db: Kysely<any>, pool: pg.Pool): Promise<string[]> {
  const results = await migrateToLatest(db);
  await installJobSchema(pool);
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
