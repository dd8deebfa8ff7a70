import { sql, type Kysely } from 'kysely';

/**
 * Monthly statements, more (M2, V3):
 * - line kind `VOICE_MINUTES`: per voice app, the package minutes its messages took (0 CNY: the
 *   prepaid packages paid for them), its sources the messages, named by a query like a
 *   CALL_MINUTES line's CDRs: `statement_lines.voice_app_id` (a plain id, like the CDR columns).
 * Adding a column or a check is no UPDATE: the closed statements stay as they were.
 */
const KINDS = ['NUMBER_RENT', 'MINIMUM_SPEND_400', 'VOICE_NUMBER_FEE', 'VOICE_PACKAGE', 'CALL_MINUTES', 'OTHER', 'ADJUSTMENT'];

const kindCheck = (kinds: string[]) => sql`alter table statement_lines add constraint statement_lines_kind_check check (kind in (${sql.join(kinds.map((k) => sql.lit(k)))}))`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('statement_lines').addColumn('voice_app_id', 'uuid').execute();
  await sql`alter table statement_lines drop constraint statement_lines_kind_check`.execute(db);
  await kindCheck([...KINDS, 'VOICE_MINUTES']).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table statement_lines drop constraint statement_lines_kind_check`.execute(db);
  await kindCheck(KINDS).execute(db);
  await db.schema.alterTable('statement_lines').dropColumn('voice_app_id').execute();
}
