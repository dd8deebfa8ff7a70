import type { Kysely } from 'kysely';

/**
 * DESIGN §1: a PARTNER key belongs to one privacy or voice app, and reads only that app's rows and
 * events. The apps arrive with their modules; until then the id is kept without a reference.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('app_id', 'uuid').execute();
  await db.schema.alterTable('events').addColumn('app_id', 'uuid').execute();
  await db.schema.createIndex('events_app_idx').on('events').columns(['app_id', 'txid', 'seq']).where('app_id', 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_app_idx').execute();
  await db.schema.alterTable('events').dropColumn('app_id').execute();
  await db.schema.alterTable('api_keys').dropColumn('app_id').execute();
}
