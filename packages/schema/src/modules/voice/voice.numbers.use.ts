// V1: a number opened for a voice app plays that app's messages: it serves no privacy pool, no
// call-center instance and no IVR flow while it is open (the other modules ask here).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';

/** The open voice numbers among `numberIds`, by number id, with the app that holds each. */
export async function openVoiceNumbersAmong(db: Kysely<Database>, numberIds: readonly string[]): Promise<Map<string, string>> {
  if (!numberIds.length) return new Map();
  const rows = await db
    .selectFrom('voice_numbers')
    .innerJoin('voice_apps', 'voice_apps.id', 'voice_numbers.app_id')
    .select(['voice_numbers.number_id', 'voice_apps.name'])
    .where('voice_numbers.number_id', 'in', numberIds)
    .where('voice_numbers.closed_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.number_id, r.name]));
}

/** The reason a number cannot serve elsewhere because a voice app holds it, or null. */
export async function voiceNumberUse(db: Kysely<Database>, number: { id: string; e164: string }): Promise<string | null> {
  const app = (await openVoiceNumbersAmong(db, [number.id])).get(number.id);
  return app === undefined ? null : `${number.e164} plays the voice messages of voice app '${app}': unsubscribe it there first`;
}
