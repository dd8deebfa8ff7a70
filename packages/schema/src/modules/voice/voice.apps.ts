// V1: voice-message apps. An app is created under an APPROVED STANDARD qualification of the tenant
// (Q2); its numbers are opened with openVoiceNumbers, its PARTNER keys made with createApiKey(appId).
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { DomainError, ValidationError } from '../../errors.js';
import { uniqueViolation } from '../../db/unique-violation.js';
import { findScoped, requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { characterCount } from '../../shared/text.js';
import { requireApprovedQualification } from '../qualifications/qualifications.service.js';
import { checkUrl } from '../privacy/privacy.input.js';
import { addSecret } from '../../shared/app-secrets.js';
import type { IssuedVoiceApp } from './voice.push.js';
import type { VoiceApp } from './voice.table.js';

export interface VoiceAppInput {
  name: string;
  /** The APPROVED STANDARD qualification; without it, the tenant's most recently approved one. */
  qualificationId?: string | null;
  /** Where the outcome of the app's messages is pushed. */
  statusUrl?: string | null;
}

function checkName(raw: string | null | undefined): string {
  const name = (raw ?? '').trim();
  if (!name || characterCount(name) > 100) throw new ValidationError('name', 'the app name has 1 to 100 characters');
  return name;
}

/** Q2: the qualification the app's numbers are opened under: APPROVED, STANDARD, the tenant's own. */
async function qualificationFor(ctx: ServiceContext, tenantId: string, qualificationId: string | null | undefined): Promise<string> {
  if (qualificationId) return (await requireApprovedQualification(ctx, qualificationId, 'STANDARD', tenantId)).id;
  const approved = await scopedFrom(ctx, 'qualifications')
    .select('qualifications.id')
    .where('qualifications.status', '=', 'APPROVED')
    .where('qualifications.kind', '=', 'STANDARD')
    .orderBy('qualifications.updated_at', 'desc')
    .executeTakeFirst();
  if (!approved)
    throw new DomainError('QUALIFICATION_NOT_APPROVED', 'a voice app needs an APPROVED STANDARD qualification of the tenant: submit one and wait for its review', 'qualificationId');
  return approved.id;
}

/** V1: a TENANT_ADMIN creates a voice-message app (names are unique in the tenant); its signing secret (C3) is returned this once. */
export async function createVoiceApp(ctx: ServiceContext, input: VoiceAppInput): Promise<IssuedVoiceApp> {
  const tenantId = requireTenantAdmin(ctx.actor, 'a TENANT_ADMIN creates voice apps');
  const name = checkName(input.name);
  const statusUrl = checkUrl(input.statusUrl, 'statusUrl');
  const qualificationId = await qualificationFor(ctx, tenantId, input.qualificationId);
  const taken = () => new DomainError('ALREADY_EXISTS', `a voice app named '${name}' exists already`, 'name');
  return inTransaction(ctx, async (tx) => {
    if (await tx.trx.selectFrom('voice_apps').select('id').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst()) throw taken();
    const app = await tx.trx
      .insertInto('voice_apps')
      .values({ tenant_id: tenantId, name, qualification_id: qualificationId, status_url: statusUrl, secret_created_at: tx.now, created_by: ctx.actor!.userId, created_at: tx.now, updated_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow();
    const secret = await addSecret(tx, 'voice_apps', app);
    await emitVoiceAppChanged(tx, app, 'CREATED');
    return { ...app, secret };
  }).catch((err) => {
    // two creations racing for one name: the second gets the answer it would have got coming later
    throw uniqueViolation(err) === 'voice_apps_tenant_name' ? taken() : err;
  });
}

export async function emitVoiceAppChanged(tx: Tx, app: VoiceApp, change: 'CREATED' | 'SECRET_ROTATED') {
  await tx.emit({ type: 'VOICE_APP_CHANGED', tenantId: app.tenant_id, appId: app.id, subjectId: app.id, payload: { change, name: app.name } });
}

// Reads (through scopedFrom)

export function voiceAppsQuery(ctx: ServiceContext) {
  return scopedFrom(ctx, 'voice_apps').selectAll();
}

export async function findVoiceApp(ctx: ServiceContext, id: string): Promise<VoiceApp | null> {
  return (await findScoped(ctx, 'voice_apps', id)) ?? null;
}
