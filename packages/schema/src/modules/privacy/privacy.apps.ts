// P1, P2, P6: privacy apps, their mode (fixed for life), callback URLs and signing secrets.
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError } from '../../errors.js';
import { findScoped, lockScoped, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { textLength } from '../../shared/text.js';
import { addSecret, checkOverlap, DEFAULT_SECRET_OVERLAP_SECONDS, rotateSecret } from '../../shared/app-secrets.js';
import { invalid, wrongMode } from './privacy.codes.js';
import { checkUrl, parseParty } from './privacy.input.js';
import { PRIVACY_MODES, type PrivacyApp, type PrivacyMode } from './privacy.table.js';

// shared with voice apps (shared/app-secrets.ts); named here too for the privacy module's callers
export { DEFAULT_SECRET_OVERLAP_SECONDS, MAX_SECRET_OVERLAP_SECONDS, signingSecrets } from '../../shared/app-secrets.js';

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
    const secret = await addSecret(tx, 'privacy_apps', app);
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
  checkOverlap(overlapSeconds, invalid);
  return inTransaction(ctx, async (tx) => {
    const app = await lockScoped(tx, ctx.actor, 'privacy_apps', appId, 'privacy app', 'appId');
    const { secret, previousValidUntil } = await rotateSecret(tx, 'privacy_apps', app, overlapSeconds);
    const updated = await tx.trx.selectFrom('privacy_apps').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow();
    await emitAppChanged(tx, updated, 'SECRET_ROTATED');
    return { app: updated, secret, previousValidUntil };
  });
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
