// V3 fixtures: voice apps with open numbers and minute packages, written as rows (the apps, numbers
// and packages of V1/V2 are what the voice-core services make; the send tests need only their rows),
// and a PARTNER key of an app.
import { authenticate, createApiKey, createUser, importNumbers, type Actor, type Clock, type ServiceContext } from '@callplane/schema';
import type { Kysely } from 'kysely';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { gid, ok } from './graphql.js';

/** What the fixtures need of a service world or of a started app. */
export interface VoiceWorld {
  db: unknown;
  clock: Clock;
  ctx(): ServiceContext;
}

/** A started app as a VoiceWorld (its system context). */
export const voiceWorldOf = (t: TestApp): VoiceWorld => ({ db: t.app.db, clock: t.clock, ctx: () => t.app.systemContext() });

let seq = Math.floor(Math.random() * 1_000_000);

type Db = Kysely<any>;

/** A voice app of the tenant with `numbers` open numbers (fresh Shanghai numbers of the inventory). */
export async function voiceApp(w: VoiceWorld, tenantId: string, opts: { numbers?: number; name?: string } = {}) {
  const now = w.clock.now();
  const db = w.db as unknown as Db;
  const app = await db
    .insertInto('voice_apps')
    .values({ tenant_id: tenantId, name: opts.name ?? `voice app ${++seq}`, created_at: now, updated_at: now })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  const numberIds: string[] = [];
  for (let i = 0; i < (opts.numbers ?? 1); i++) {
    const national = `021 5${String(++seq % 10_000_000).padStart(7, '0')}`;
    const imported = await importNumbers(w.ctx(), [{ number: national, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_TELECOM' }]);
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors));
    const e164 = `+86${national.replace(/\D/g, '').replace(/^0/, '')}`;
    const n = await db.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirstOrThrow();
    await db.updateTable('numbers').set({ status: 'ACTIVE', tenant_id: tenantId }).where('id', '=', n.id).execute();
    const vn = await db
      .insertInto('voice_numbers')
      .values({ tenant_id: tenantId, app_id: app.id, number_id: n.id, e164, opened_at: now, created_at: now, updated_at: now })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    numberIds.push(vn.id);
  }
  return { id: app.id as string, numberIds };
}

/** A PARTNER key of a voice app: its actor (service tests) and its secret (HTTP tests). */
export async function voicePartner(w: VoiceWorld, tenantId: string, appId: string): Promise<{ actor: Actor; secret: string }> {
  const user = await createUser(w.ctx(), { tenantId, name: `voice switch ${++seq}`, email: `voice-switch-${seq}@${tenantId.slice(0, 8)}.example`, role: 'PARTNER' });
  const { secret } = await createApiKey(w.ctx(), { userId: user.id, appId });
  return { actor: (await authenticate(w.ctx(), secret))!, secret };
}

/** A paid minute package of the tenant: `remaining` of `total` minutes left, expiring at `expiresAt`. */
export async function voicePackage(w: VoiceWorld, tenantId: string, p: { total: number; remaining?: number; expiresAt: Date; purchasedAt?: Date }): Promise<string> {
  const db = w.db as unknown as Db;
  const now = w.clock.now();
  const purchasedAt = p.purchasedAt ?? new Date(Math.min(now.getTime(), p.expiresAt.getTime() - 86_400_000));
  const price = (p.total * 0.11).toFixed(3);
  const order = await db
    .insertInto('orders')
    .values({ order_no: `VOICE-FIXTURE-${++seq}`, tenant_id: tenantId, kind: 'VOICE_PACKAGE', status: 'PAID', total: price, created_at: now, paid_at: now, updated_at: now })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('voice_packages')
    .values({
      tenant_id: tenantId,
      kind: 'CUSTOM',
      tariff_code: 'VOICE_PACKAGE_10K',
      total_minutes: p.total,
      remaining_minutes: p.remaining ?? p.total,
      unit_price: '0.110',
      price,
      order_id: order.id,
      purchased_at: purchasedAt,
      expires_at: p.expiresAt,
      created_at: now,
      updated_at: now,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return row.id as string;
}

/** A package as the tenant sees it. */
export function packageRow(w: VoiceWorld, id: string) {
  return (w.db as unknown as Db).selectFrom('voice_packages').select(['remaining_minutes', 'reserved_minutes']).where('id', '=', id).executeTakeFirstOrThrow() as Promise<{ remaining_minutes: number; reserved_minutes: number }>;
}

const ISO = {
  send: `mutation($input: SendVoiceMessageInput!) { sendVoiceMessage(input: $input) { id } }`,
  report: `mutation($r: [VoiceMessageReportInput!]!) { reportVoiceMessages(reports: $r) { status } }`,
};

/**
 * V3 rows for the isolation matrix: in each tenant a voice app with a number and a package, and
 * through the API (its admin key) two messages, one answered (usages, PACKAGE_USAGE_CHANGED) and one
 * left queued: VoiceMessage rows and VOICE_MESSAGE_STATUS_CHANGED events of both tenants. Returns
 * each voice app's id and a PARTNER key of it.
 */
export async function isolationVoiceMessages(t: TestApp, tenants: { tenantId: string; adminKey: string }[]): Promise<{ appId: string; partnerKey: string }[]> {
  const w = voiceWorldOf(t);
  const out: { appId: string; partnerKey: string }[] = [];
  for (const { tenantId, adminKey } of tenants) {
    const app = await voiceApp(w, tenantId, { name: `Voice ${tenantId.slice(0, 8)}` });
    await voicePackage(w, tenantId, { total: 50, expiresAt: new Date(w.clock.now().getTime() + 90 * 86_400_000) });
    const appGid = Buffer.from(`VoiceApp:${app.id}`).toString('base64');
    const sent: string[] = [];
    for (const text of ['Your parcel arrives today', 'Your appointment is at 3 pm']) {
      const r = await t.gql(ISO.send, { input: { appId: appGid, to: '+8613800138000', text } }, adminKey);
      if (r.errors) throw new Error(`voice message of ${tenantId}: ${JSON.stringify(r.errors)}`);
      sent.push(r.data.sendVoiceMessage.id);
    }
    const r = await t.gql(ISO.report, { r: [{ messageId: sent[0], status: 'ANSWERED', durationSeconds: 75, at: w.clock.now().toISOString() }] }, adminKey);
    if (r.errors || r.data.reportVoiceMessages[0].status !== 'STORED') throw new Error(`voice report of ${tenantId}: ${JSON.stringify(r)}`);
    out.push({ appId: app.id, partnerKey: (await voicePartner(w, tenantId, app.id)).secret });
  }
  return out;
}

const API = {
  submit: `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`,
  approve: `mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`,
  topUp: `mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "5000") { amount } }`,
  import: `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { errors { row field message } } }`,
  app: `mutation($name: String!, $statusUrl: String) { createVoiceApp(input: { name: $name, statusUrl: $statusUrl }) { id secret } }`,
  open: `mutation($app: ID!) { openVoiceNumbers(input: { appId: $app, count: 1, city: "苏州" }) { numbers { id } } }`,
  buy: `mutation($minutes: Int!) { buyVoicePackage(input: { minutes: $minutes }) { id } }`,
};

let suzhou = Math.floor(Math.random() * 9000);

/** A tenant ready for voice apps through the API: an APPROVED STANDARD qualification and 5 000 CNY. */
export async function apiVoiceTenant(t: TestApp, tenant: TenantFixture): Promise<void> {
  const { minimalQualificationInput } = await import('@callplane/schema/testing');
  const q = ok(await t.gql(API.submit, { input: { ...minimalQualificationInput, kind: 'STANDARD' } }, tenant.keys.admin)).submitQualification.id;
  ok(await t.gql(API.approve, { id: q }));
  ok(await t.gql(API.topUp, { t: gid('Tenant', tenant.tenantId) }));
}

/**
 * V1 through the API: the admin creates a voice app (its outcomes pushed to `statusUrl` if given)
 * and opens one number of Suzhou for it (stock imported by the OPERATOR); a PARTNER key of it, and
 * the app's signing secret (C3) as createVoiceApp showed it.
 */
export async function apiVoiceApp(t: TestApp, tenant: TenantFixture, name: string, opts: { statusUrl?: string } = {}): Promise<{ id: string; gid: string; key: string; secret: string }> {
  const imported = ok(await t.gql(API.import, { rows: [{ number: `0512-6560 ${String(++suzhou).padStart(4, '0')}`, type: 'LOCAL', province: '江苏', city: '苏州', carrier: 'CHINA_TELECOM' }] }));
  if (imported.importNumbers.errors.length) throw new Error(JSON.stringify(imported.importNumbers.errors));
  const created = ok(await t.gql(API.app, { name, statusUrl: opts.statusUrl ?? null }, tenant.keys.admin)).createVoiceApp;
  const appGid = created.id as string;
  ok(await t.gql(API.open, { app: appGid }, tenant.keys.admin));
  const id = Buffer.from(appGid, 'base64').toString().split(':')[1]!;
  return { id, gid: appGid, key: (await voicePartner(voiceWorldOf(t), tenant.tenantId, id)).secret, secret: created.secret as string };
}

/** V2 through the API: the admin buys a custom package of `minutes`. */
export async function apiVoicePackage(t: TestApp, tenant: TenantFixture, minutes: number): Promise<string> {
  return ok(await t.gql(API.buy, { minutes }, tenant.keys.admin)).buyVoicePackage.id as string;
}
