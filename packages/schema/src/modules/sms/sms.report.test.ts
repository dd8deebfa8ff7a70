import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { authenticate, createApiKey, createUser } from '../tenants/tenants.service.js';
import { bind, createPrivacyApp, moveNumbersToPool, updateBinding } from '../privacy/privacy.service.js';
import type { PrivacyMode } from '../privacy/privacy.table.js';
import { maintainCallPartitions, partitionsOf } from '../calls/calls.partitions.js';
import { reportSms } from './sms.report.js';
import type { SmsInput } from './sms.input.js';

/** C4 in the service: relay per binding mode and option, per-item results, duplicates, the push queued. */

let s: PrivacyServiceWorld;
const as = (a: Actor) => s.w.ctx(a);
let seq = 0;
const A = '+8613800001111';
const B = '+8613900002222';

async function appWithPool(tenant: PrivacyServiceWorld['acme'], mode: PrivacyMode, extra: Record<string, unknown> = {}) {
  const { app } = await createPrivacyApp(as(tenant.admin), { name: `sms ${mode} ${++seq}`, mode, smsUrl: 'https://hooks.example/sms', ...extra });
  const [n] = await s.ownNumbers(tenant, 1);
  await moveNumbersToPool(as(tenant.admin), app.id, [n!.id]);
  const user = await createUser(s.w.ctx(), { tenantId: tenant.tenantId, name: `switch sms ${seq}`, email: `switch-sms-${app.id.slice(0, 8)}@example.com`, role: 'PARTNER' });
  const key = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
  return { app, x: n!.e164, key };
}

let axb: Awaited<ReturnType<typeof appWithPool>>;
let ax: Awaited<ReturnType<typeof appWithPool>>;
let axe: Awaited<ReturnType<typeof appWithPool>>;
let beta: Awaited<ReturnType<typeof appWithPool>>;

beforeAll(async () => {
  s = await privacyServiceWorld();
  axb = await appWithPool(s.acme, 'AXB');
  ax = await appWithPool(s.acme, 'AX');
  axe = await appWithPool(s.acme, 'AXE', { extensionLength: 1 });
  beta = await appWithPool(s.beta, 'AXB');
});
afterAll(() => s?.w.drop());

const sms = (from: string, to: string, over: Partial<SmsInput> = {}): SmsInput => ({
  messageId: `m-${++seq}`,
  from,
  to,
  text: `hello ${seq}`,
  sentAt: new Date(s.w.clock.now().getTime() - 60_000),
  ...over,
});
const smsRow = (id: string) => s.w.db.selectFrom('sms_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const idOf = (r: { status: string } & Partial<{ smsId: string }>) => r.smsId!;

describe('C4: relay by binding', () => {
  it('C4: AXB with relay SMS: A→X goes to B and B→X goes to A, with the binding and its user data', async () => {
    const b = await bind(as(axb.key), axb.app.id, { a: A, b: B, x: axb.x, relaySms: true, userData: 'order 7' });
    const [fromA, fromB] = await reportSms(as(axb.key), [sms(A, axb.x), sms(B, axb.x)]);
    expect([fromA!.status, fromB!.status]).toEqual(['STORED', 'STORED']);
    expect(await smsRow(idOf(fromA!))).toMatchObject({ relay_status: 'RELAYED', relayed_to_e164: B, binding_id: b.id, user_data: 'order 7', app_id: axb.app.id, tenant_id: s.acme.tenantId });
    expect(await smsRow(idOf(fromB!))).toMatchObject({ relay_status: 'RELAYED', relayed_to_e164: A });
    // P5: relay off → stored and pushed, not relayed
    await updateBinding(as(axb.key), b.id, { relaySms: false });
    const [off] = await reportSms(as(axb.key), [sms(A, axb.x)]);
    expect(await smsRow(idOf(off!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'RELAY_SMS_OFF', relayed_to_e164: null, binding_id: b.id });
    // a sender of no binding of X
    const [stranger] = await reportSms(as(axb.key), [sms('+8613700003333', axb.x)]);
    expect(await smsRow(idOf(stranger!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'NO_BINDING', binding_id: null });
  });

  it('C4: AX relays anyone’s SMS to A; AXE (no extension in an SMS) and X mode (no binding) are not relayed', async () => {
    await bind(as(ax.key), ax.app.id, { a: A, x: ax.x, relaySms: true });
    const [r] = await reportSms(as(ax.key), [sms('+8613700004444', ax.x)]);
    expect(await smsRow(idOf(r!))).toMatchObject({ relay_status: 'RELAYED', relayed_to_e164: A });
    const [own] = await reportSms(as(ax.key), [sms(A, ax.x)]);
    expect(await smsRow(idOf(own!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'SENDER_IS_BOUND_PARTY' });
    await bind(as(axe.key), axe.app.id, { a: A, x: axe.x, relaySms: true });
    const [e] = await reportSms(as(axe.key), [sms('+8613700004444', axe.x)]);
    expect(await smsRow(idOf(e!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'AXE_NEEDS_EXTENSION' });
    // X mode keeps no binding: the app gets the SMS on its SMS URL and decides
    const xMode = await appWithPool(s.acme, 'X', { callControlUrl: 'https://control.example/route' });
    const [x] = await reportSms(as(xMode.key), [sms('+8613700004444', xMode.x)]);
    expect(await smsRow(idOf(x!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'X_MODE', app_id: xMode.app.id });
  });

  it('C4, P5: an expired binding relays nothing', async () => {
    const c = '+8613600005555';
    await bind(as(beta.key), beta.app.id, { a: c, b: B, x: beta.x, relaySms: true, durationSeconds: 60 });
    const later = { ...as(beta.key), clock: { now: () => new Date(s.w.clock.now().getTime() + 61_000) } } as ReturnType<typeof as>;
    const [r] = await reportSms(later, [sms(c, beta.x)]);
    expect(await smsRow(idOf(r!))).toMatchObject({ relay_status: 'NOT_RELAYED', not_relayed_reason: 'NO_BINDING' });
  });
});

describe('C4: per-item results', () => {
  it('C4: a repeated message id is stored once and answered DUPLICATE with the first SMS', async () => {
    const first = sms(A, axb.x);
    const [one] = await reportSms(as(axb.key), [first]);
    const [again, twice] = await reportSms(as(axb.key), [{ ...first, sentAt: new Date(first.sentAt.getTime() - 5000) }, first]);
    expect([one!.status, again!.status, twice!.status]).toEqual(['STORED', 'DUPLICATE', 'DUPLICATE']);
    expect([idOf(again!), idOf(twice!)]).toEqual([idOf(one!), idOf(one!)]);
    expect(await s.w.db.selectFrom('sms_messages').select('id').where('message_id', '=', first.messageId).execute()).toHaveLength(1);
  });

  it('C4: bad items are errors naming their field; another key’s X is SMS_NUMBER_NOT_OWNED; the rest is stored, pushed and an event', async () => {
    const batch = [sms(A, axb.x), sms('not a number', axb.x), sms(A, axb.x, { text: ' ' }), sms(A, axb.x, { sentAt: new Date(s.w.clock.now().getTime() + 3_600_000) }), sms(A, beta.x), sms(A, ax.x), sms(A, axb.x, { messageId: '' })];
    const r = await reportSms(as(axb.key), batch);
    expect(r.map((x) => (x.status === 'ERROR' ? [x.error.code, x.error.field] : x.status))).toEqual([
      'STORED',
      ['INVALID_INPUT', 'from'],
      ['INVALID_INPUT', 'text'],
      ['INVALID_INPUT', 'sentAt'],
      ['SMS_NUMBER_NOT_OWNED', 'to'],
      ['SMS_NUMBER_NOT_OWNED', 'to'],
      ['INVALID_INPUT', 'messageId'],
    ]);
    const smsId = idOf(r[0]!);
    const delivery = await s.w.db.selectFrom('deliveries').selectAll().where('kind', '=', 'SMS').execute();
    // the pushed item names the SMS by its API id
    const mine = delivery.filter((d) => JSON.stringify(d.payload).includes(encodeGlobalID('Sms', smsId)));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ app_id: axb.app.id, url: 'https://hooks.example/sms', item_count: 1 });
    expect(await s.w.db.selectFrom('events').select(['type', 'app_id']).where('subject_id', '=', smsId).execute()).toEqual([{ type: 'SMS_RECEIVED', app_id: axb.app.id }]);
    // the tenant's admin reports for any of its apps; Beta's admin not for Acme's X
    expect((await reportSms(as(s.acme.admin), [sms(A, ax.x)]))[0]!.status).toBe('STORED');
    expect((await reportSms(as(s.beta.admin), [sms(A, ax.x)]))[0]).toMatchObject({ status: 'ERROR', error: { code: 'SMS_NUMBER_NOT_OWNED' } });
  });

  it('C4: a SUPERVISOR may not report; more than 500 is refused naming messages', async () => {
    await expect(reportSms(as(s.acme.supervisor), [sms(A, axb.x)])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(reportSms(as(axb.key), Array.from({ length: 501 }, () => sms(A, axb.x)))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'messages' });
  });
});

describe('P9: monthly partitions of SMS', () => {
  it('P9: the partition job makes sms_messages months ahead and drops them past the retention, with their message ids', async () => {
    const now = s.w.clock.now();
    const month = (d: Date) => `sms_messages_${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    await maintainCallPartitions(s.w.ctx());
    const ahead = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    expect((await partitionsOf(s.w.db)).map((p) => p.name)).toEqual(expect.arrayContaining([month(now), month(ahead)]));
    const [r] = await reportSms(as(axb.key), [sms(A, axb.x)]);
    const later = { ...s.w.ctx(), clock: { now: () => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 4, 15)) } } as ReturnType<typeof s.w.ctx>;
    await maintainCallPartitions(later, 2);
    expect((await partitionsOf(s.w.db)).map((p) => p.name)).not.toContain(month(now));
    expect(await s.w.db.selectFrom('sms_messages').select('id').where('id', '=', idOf(r!)).execute()).toEqual([]);
    expect(await s.w.db.selectFrom('sms_message_ids').select('sms_id').where('sms_id', '=', idOf(r!)).execute()).toEqual([]);
  });
});
