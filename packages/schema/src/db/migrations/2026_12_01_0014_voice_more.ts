import { type Kysely } from 'kysely';

/**
 * Voice messages, more (V1, V2):
 * - `voice_apps.status_url`: where the outcome of the app's messages is pushed (optional);
 * - tariff `VOICE_PACKAGE_VALIDITY_MONTHS` (unit MONTHS): how long a minute package lasts from its
 *   purchase, 12 months unless an OPERATOR changes it (setTariff); a whole number of months.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_apps').addColumn('status_url', 'text').execute();
  await db
    .insertInto('tariffs')
    .values({ code: 'VOICE_PACKAGE_VALIDITY_MONTHS', description: 'Voice-message packages: months a package lasts from its purchase', amount: '12.000', unit: 'MONTHS' })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('tariffs').where('code', '=', 'VOICE_PACKAGE_VALIDITY_MONTHS').execute();
  await db.schema.alterTable('voice_apps').dropColumn('status_url').execute();
}
