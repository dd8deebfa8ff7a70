// P1, C3: the signing secrets of apps whose pushes are signed (privacy apps, voice apps): made at
// the app's creation, rotated with an overlap, and read by the platform only, to sign.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';
import { ValidationError } from '../errors.js';

/** How long the previous secret still signs and is accepted after a rotation, unless told: 24 hours; at most 7 days. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 86_400;

/** The apps tables with signing secrets, and the table of each one's secrets (same columns). */
const SECRETS_OF = { privacy_apps: 'privacy_app_secrets', voice_apps: 'voice_app_secrets' } as const;
export type SignedAppTable = keyof typeof SECRETS_OF;
// the two secrets tables have the same columns: typed as one of them
const secretsTable = (apps: SignedAppTable) => SECRETS_OF[apps] as 'privacy_app_secrets';

export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** 0 to 7 days, whole seconds; `invalid` makes the error (privacy apps keep their P7 code). */
export function checkOverlap(overlapSeconds: number, invalid: (field: string, message: string) => Error = (f, m) => new ValidationError(f, m)): number {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_SECRET_OVERLAP_SECONDS)
    throw invalid('overlapSeconds', `0 to ${MAX_SECRET_OVERLAP_SECONDS} seconds (7 days)`);
  return overlapSeconds;
}

/** A new current secret of the app, in the caller's transaction; returned to be shown this once. */
export async function addSecret(tx: Tx, apps: SignedAppTable, app: { id: string; tenant_id: string }): Promise<string> {
  const secret = newSecret();
  await tx.trx.insertInto(secretsTable(apps)).values({ app_id: app.id, tenant_id: app.tenant_id, secret, created_at: tx.now, valid_until: null }).execute();
  return secret;
}

/**
 * P1: a rotation of a locked app's secret: the previous one (and any older one still valid) signs
 * and is accepted `overlapSeconds` more, a new current one is made (returned, shown once), and the
 * app's `secret_created_at` / `previous_secret_valid_until` say so.
 */
export async function rotateSecret(tx: Tx, apps: SignedAppTable, app: { id: string; tenant_id: string }, overlapSeconds: number) {
  const until = new Date(tx.now.getTime() + overlapSeconds * 1000);
  await tx.trx
    .updateTable(secretsTable(apps))
    .set((eb) => ({ valid_until: eb.fn('least', [eb.fn.coalesce('valid_until', eb.val(until)), eb.val(until)]) }))
    .where('app_id', '=', app.id)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', tx.now)]))
    .execute();
  const secret = await addSecret(tx, apps, app);
  await tx.trx
    .updateTable(apps as 'privacy_apps')
    .set({ secret_created_at: tx.now, previous_secret_valid_until: until, updated_at: tx.now })
    .where('id', '=', app.id)
    .execute();
  return { secret, previousValidUntil: until };
}

/**
 * C3: the secrets that sign an app's deliveries at `now`, newest first (during a rotation's overlap,
 * two), whichever kind of app it is (app ids are UUIDs: one app has that id). System work only
 * (the webhook sender, call control): no key reads secrets.
 */
export async function signingSecrets(db: Kysely<Database>, appId: string, now: Date): Promise<string[]> {
  const of = (apps: SignedAppTable) =>
    db
      .selectFrom(secretsTable(apps))
      .select(['secret', 'created_at', sql<boolean>`valid_until is null`.as('current')])
      .where('app_id', '=', appId)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]));
  const rows = await of('privacy_apps')
    .unionAll(of('voice_apps'))
    .orderBy('current', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.secret);
}
