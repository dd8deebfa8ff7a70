// P1, P2, P6: privacy apps, their mode (fixed for life), callback URLs and signing secrets.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError } from '../../errors.js';
import { findScoped, lockScoped, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { textLength } from '../../shared/text.js';
import { invalid, wrongMode } from './privacy.codes.js';
import { checkUrl, parseParty } from './privacy.input.js';
import { PRIVACY_MODES, type PrivacyApp, type PrivacyMode } from './privacy.table.js';

/** How long the previous secret still signs and is accepted after a rotation, unless told: 24 hours; at most 7 days. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 86_400;

export interface PrivacyAppInput {
  name: string;
  mode: PrivacyMode;
  extensionLength?: number | null;
  statusUrl?: string | null;
  cdrUrl?: string | null;
  smsUrl?: string | null;
  callControlUrl?: string | null;
  callControlTimeoutMs?: number | null;
  callControlFallback?: string | null;
}

export type PrivacyAppUpdate = { name?: string | null } & Partial<Omit<PrivacyAppInput, 'mode' | 'extensionLength' | 'name'>>;

/** An app and its signing secret, shown this once. */
export interface IssuedAppSecret {
  app: PrivacyApp;
  secret: string;
  previousValidUntil: Date | null;
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

function checkName(raw: string | null | undefined): string {
  const name = (raw ?? '').trim();
  if (!textLength(100, 1).schema.safeParse(name).success) throw invalid('name', 'the app name has 1 to 100 characters');
  return name;
}

/** The X-mode settings: the call-control URL (required), its timeout and the fallback number. */
function callControl(mode: PrivacyMode, input: PrivacyAppUpdate, current?: PrivacyApp) {
  const url = input.callControlUrl !== undefined ? checkUrl(input.callControlUrl, 'callControlUrl') : (current?.call_control_url ?? null);
  const timeout = input.callControlTimeoutMs ?? current?.call_control_timeout_ms ?? 2000;
  const fallbackRaw = input.callControlFallback !== undefined ? input.callControlFallback : current?.call_control_fallback_e164;
  if (mode !== 'X') {
    for (const f of ['callControlUrl', 'callControlTimeoutMs', 'callControlFallback'] as const)
      if (input[f] != null && input[f] !== '') throw wrongMode(f, `${f} is for X-mode apps; this app is ${mode}`);
    return { call_control_url: null, call_control_timeout_ms: 2000, call_control_fallback_e164: null };
  }
  if (!url) throw invalid('callControlUrl', 'an X-mode app needs a call-control URL: each call asks it where to connect');
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 10_000) throw invalid('callControlTimeoutMs', '100 to 10 000 milliseconds');
  const fallback = fallbackRaw ? parseParty(fallbackRaw, 'callControlFallback') : null;
  return { call_control_url: url, call_control_timeout_ms: timeout, call_control_fallback_e164: fallback };
}

async function nameTaken(tx: Tx, tenantId: string, name: string, except?: string) {
  let q = tx.trx.selectFrom('privacy_apps').select('id').where('tenant_id', '=', tenantId).where('name', '=', name);
  if (except) q = q.where('id', '<>', except);
  if (await q.executeTakeFirst()) throw new DomainError('ALREADY_EXISTS', `an app named '${name}' exists already`, 'name');
}

/**
 * P1, P2, P6: a TENANT_ADMIN creates an app of one mode (fixed for its life), with its callback
 * URLs; AXE apps have an extension length of 1–4 digits. The signing secret is returned this once.
 */
export async function createPrivacyApp(ctx: ServiceContext, input: PrivacyAppInput): Promise<IssuedAppSecret> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN creates privacy apps');
  const name = checkName(input.name);
  if (!PRIVACY_MODES.includes(input.mode)) throw invalid('mode', `one of ${PRIVACY_MODES.join(', ')}`);
  const length = input.extensionLength ?? null;
  if (input.mode !== 'AXE' && length !== null) throw wrongMode('extensionLength', `only AXE apps have extensions; this app is ${input.mode}`);
  if (input.mode === 'AXE' && (length === null || !Number.isInteger(length) || length < 1 || length > 4))
    throw invalid('extensionLength', 'an AXE app has extensions of 1 to 4 digits');
  const urls = { status_url: checkUrl(input.statusUrl, 'statusUrl'), cdr_url: checkUrl(input.cdrUrl, 'cdrUrl'), sms_url: checkUrl(input.smsUrl, 'smsUrl') };
  const control = callControl(input.mode, input);
  const secret = newSecret();
  return inTransaction(ctx, async (tx) => {
    await nameTaken(tx, tenantId, name);
    const app = await tx.trx
      .insertInto('privacy_apps')
      .values({
        tenant_id: tenantId,
        name,
        mode: input.mode,
        extension_length: length,
        ...urls,
        ...control,
        secret_created_at: tx.now,
        created_by: ctx.actor!.userId,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.trx.insertInto('privacy_app_secrets').values({ app_id: app.id, tenant_id: tenantId, secret, created_at: tx.now, valid_until: null }).execute();
    await emitAppChanged(tx, app, 'CREATED');
    return { app, secret, previousValidUntil: null };
  });
}

/** The name and callback URLs of an app; its mode and extension length never change (P6: transfer numbers instead). */
export async function updatePrivacyApp(ctx: ServiceContext, appId: string, input: PrivacyAppUpdate): Promise<PrivacyApp> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN changes privacy apps');
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'privacy_apps', appId, 'privacy app', 'id');
    const name = input.name != null ? checkName(input.name) : app.name;
    if (name !== app.name) await nameTaken(tx, tenantId, name, app.id);
    const url = (f: 'statusUrl' | 'cdrUrl' | 'smsUrl', current: string | null) => (input[f] !== undefined ? checkUrl(input[f], f) : current);
    const updated = await tx.trx
      .updateTable('privacy_apps')
      .set({
        name,
        status_url: url('statusUrl', app.status_url),
        cdr_url: url('cdrUrl', app.cdr_url),
        sms_url: url('smsUrl', app.sms_url),
        ...callControl(app.mode, input, app),
        updated_at: tx.now,
      })
      .where('id', '=', app.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAppChanged(tx, updated, 'UPDATED');
    return updated;
  });
}

/**
 * P1: a new signing secret, shown once. The previous one (and any older one still valid) signs and
 * is accepted for `overlapSeconds` more (default 24 h, 0 = retired at once, at most 7 days).
 */
export async function rotateAppSecret(ctx: ServiceContext, appId: string, overlapSeconds = DEFAULT_SECRET_OVERLAP_SECONDS): Promise<IssuedAppSecret> {
  requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN rotates app secrets');
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_SECRET_OVERLAP_SECONDS)
    throw invalid('overlapSeconds', `0 to ${MAX_SECRET_OVERLAP_SECONDS} seconds (7 days)`);
  const secret = newSecret();
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'privacy_apps', appId, 'privacy app', 'appId');
    const until = new Date(tx.now.getTime() + overlapSeconds * 1000);
    await tx.trx
      .updateTable('privacy_app_secrets')
      .set((eb) => ({ valid_until: eb.fn('least', [eb.fn.coalesce('valid_until', eb.val(until)), eb.val(until)]) }))
      .where('app_id', '=', app.id)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', tx.now)]))
      .execute();
    await tx.trx.insertInto('privacy_app_secrets').values({ app_id: app.id, tenant_id: app.tenant_id, secret, created_at: tx.now, valid_until: null }).execute();
    const updated = await tx.trx
      .updateTable('privacy_apps')
      .set({ secret_created_at: tx.now, previous_secret_valid_until: until, updated_at: tx.now })
      .where('id', '=', app.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitAppChanged(tx, updated, 'SECRET_ROTATED');
    return { app: updated, secret, previousValidUntil: until };
  });
}

/**
 * C3: the secrets that sign an app's deliveries at `now`, newest first (during a rotation's
 * overlap, two). System work only (the webhook sender): no key reads secrets.
 */
export async function signingSecrets(db: Kysely<Database>, appId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('privacy_app_secrets')
    .select('secret')
    .where('app_id', '=', appId)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]))
    .orderBy(sql`valid_until is null`, 'desc')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => r.secret);
}

async function emitAppChanged(tx: Tx, app: PrivacyApp, change: 'CREATED' | 'UPDATED' | 'SECRET_ROTATED') {
  await tx.emit({ type: 'PRIVACY_APP_CHANGED', tenantId: app.tenant_id, appId: app.id, subjectId: app.id, payload: { change, name: app.name, mode: app.mode } });
}

// Reads (through scopedFrom)

export function privacyAppsQuery(ctx: ServiceContext, f: { mode?: PrivacyMode | null } = {}) {
  let q = scopedFrom(ctx, 'privacy_apps').selectAll();
  if (f.mode) q = q.where('privacy_apps.mode', '=', f.mode);
  return q;
}

export async function findPrivacyApp(ctx: ServiceContext, id: string): Promise<PrivacyApp | null> {
  return (await findScoped(ctx, 'privacy_apps', id)) ?? null;
}
