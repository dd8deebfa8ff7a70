import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { scopedFrom } from '../../access/scope.js';
import { createApiKey, createUser } from '../tenants/tenants.service.js';
import {
  bind,
  createPrivacyApp,
  expireBinding,
  moveNumbersToPool,
  poolUsageOf,
  quotasOf,
  rotateAppSecret,
  signingSecrets,
  sweepExpiredBindings,
  transferNumbers,
  updatePrivacyApp,
} from './privacy.service.js';

let s: PrivacyServiceWorld;
const as = (a: Actor) => s.w.ctx(a);
const admin = () => as(s.acme.admin);

beforeAll(async () => {
  s = await privacyServiceWorld();
});
afterAll(() => s?.w.drop());

describe('P1: apps and signing secrets', () => {
  it('P1: a TENANT_ADMIN creates an app; the secret is returned once and signs; no key reads the secrets table', async () => {
    const { app, secret } = await createPrivacyApp(admin(), { name: 'calls', mode: 'AXB', cdrUrl: 'https://hooks.example/cdr?x=1' });
    expect([app.mode, app.cdr_url, app.extension_length]).toEqual(['AXB', 'https://hooks.example/cdr?x=1', null]);
    expect(await signingSecrets(s.w.db, app.id, s.w.clock.now())).toEqual([secret]);
    for (const who of [s.acme.admin, s.acme.supervisor, s.w.operator])
      expect(await scopedFrom(as(who), 'privacy_app_secrets').selectAll().execute()).toEqual([]);
    expect((await failure(createPrivacyApp(as(s.acme.supervisor), { name: 'nope', mode: 'AX' }))).code).toBe('FORBIDDEN');
  });

  it('P1: rotating keeps the previous secret valid (signing) during the overlap, then only the new one', async () => {
    const { app, secret: first } = await createPrivacyApp(admin(), { name: 'rotating', mode: 'AX' });
    const { secret: second, previousValidUntil } = await rotateAppSecret(admin(), app.id, 600);
    expect(previousValidUntil).toEqual(new Date(s.w.clock.now().getTime() + 600_000));
    expect(await signingSecrets(s.w.db, app.id, s.w.clock.now())).toEqual([second, first]);
    s.w.clock.advance(600);
    expect(await signingSecrets(s.w.db, app.id, s.w.clock.now())).toEqual([second]);
    const { secret: third } = await rotateAppSecret(admin(), app.id, 0);
    expect(await signingSecrets(s.w.db, app.id, s.w.clock.now())).toEqual([third]);
    expect((await failure(rotateAppSecret(as(s.beta.admin), app.id))).code).toBe('NOT_FOUND');
  });

  it('P2: the mode is fixed for life: updatePrivacyApp changes the name and URLs only', async () => {
    const { app } = await createPrivacyApp(admin(), { name: 'controlled', mode: 'X', callControlUrl: 'https://control.example/a' });
    const u = await updatePrivacyApp(admin(), app.id, { callControlUrl: 'https://control.example/b', smsUrl: 'http://sms.example/' });
    expect([u.mode, u.call_control_url, u.sms_url]).toEqual(['X', 'https://control.example/b', 'http://sms.example/']);
    expect((await failure(updatePrivacyApp(admin(), app.id, { callControlUrl: '' }))).field).toBe('callControlUrl');
  });

  it('§1: a PARTNER key belongs to an app of its user’s tenant only', async () => {
    const { app } = await createPrivacyApp(admin(), { name: 'keys', mode: 'AX' });
    const betaUser = await createUser(s.w.ctx(), { tenantId: s.beta.tenantId, name: 'beta switch', email: 'sw@beta.example', role: 'PARTNER' });
    expect((await failure(createApiKey(s.w.ctx(), { userId: betaUser.id, appId: app.id }))).code).toBe('NOT_FOUND');
    const acmeUser = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'acme switch', email: 'sw@acme.example', role: 'PARTNER' });
    expect((await createApiKey(s.w.ctx(), { userId: acmeUser.id, appId: app.id })).key.app_id).toBe(app.id);
  });
});

describe('P1: pools', () => {
  it('P1: ACTIVE local and mobile numbers of the tenant join a pool by city; usage per city; POOL_USAGE_CHANGED per city', async () => {
    const { app } = await createPrivacyApp(admin(), { name: 'pooled', mode: 'AXB' });
    const [sh, bj, mob] = [await s.ownNumbers(s.acme, 2, '上海'), await s.ownNumbers(s.acme, 1, '北京'), await s.ownNumbers(s.acme, 1, 'mobile')];
    const pooled = await moveNumbersToPool(admin(), app.id, [...sh, ...bj, ...mob].map((n) => n.id));
    expect(pooled).toHaveLength(4);
    expect((await poolUsageOf(as(s.acme.supervisor), [app.id])).map((u) => [u.city, u.total, u.bound, u.free])).toEqual([
      ['上海', 3, 0, 3],
      ['北京', 1, 0, 1],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    const events = await readableEvents(s.w.db, { types: ['POOL_USAGE_CHANGED'], appId: app.id });
    expect(events.map((e) => [e.payload.city, e.payload.total, e.payload.bound, e.payload.free]).sort()).toEqual([
      ['上海', 3, 0, 3],
      ['北京', 1, 0, 1],
    ].sort());
    // again: nothing new; another tenant sees no usage
    expect(await moveNumbersToPool(admin(), app.id, [sh[0]!.id])).toHaveLength(1);
    expect(await poolUsageOf(as(s.beta.admin), [app.id])).toEqual([]);
  });

  it('P1, N5: never a 400 number, nor one not ACTIVE, nor an instance’s, nor one in another app’s pool (the entry is named)', async () => {
    const { app } = await createPrivacyApp(admin(), { name: 'strict pool', mode: 'AX' });
    const { app: other } = await createPrivacyApp(admin(), { name: 'other pool', mode: 'AX' });
    const [n400, expired, fine] = await s.ownNumbers(s.acme, 3);
    await s.w.db.updateTable('numbers').set({ type: 'TOLL_FREE_400', tier: 'STANDARD', e164: '+864001234567' }).where('id', '=', n400!.id).execute();
    await s.w.db.updateTable('numbers').set({ status: 'EXPIRED' }).where('id', '=', expired!.id).execute();
    await moveNumbersToPool(admin(), other.id, [fine!.id]);
    const refused = async (id: string) => {
      const e = await failure(moveNumbersToPool(admin(), app.id, [id]));
      return [e.code, e.field];
    };
    expect(await refused(n400!.id)).toEqual(['TOLL_FREE_INBOUND_ONLY', 'numberIds.0']);
    expect(await refused(expired!.id)).toEqual(['NUMBER_NOT_ACTIVE', 'numberIds.0']);
    expect(await refused(fine!.id)).toEqual(['NUMBER_IN_USE', 'numberIds.0']);
    const [beta] = await s.ownNumbers(s.beta, 1);
    expect(await refused(beta!.id)).toEqual(['NOT_FOUND', 'numberIds.0']);
  });

  it('P4, P6: transfer between apps with a result per number: one with active bindings stays; quota per X', async () => {
    const { app: axe1 } = await createPrivacyApp(admin(), { name: 'axe one', mode: 'AXE', extensionLength: 1 });
    const { app: axe3 } = await createPrivacyApp(admin(), { name: 'axe three', mode: 'AXE', extensionLength: 3 });
    const [busy, idle] = await s.ownNumbers(s.acme, 2);
    await moveNumbersToPool(admin(), axe1.id, [busy!.id, idle!.id]);
    await bind(admin(), axe1.id, { a: '+8613800001111', x: busy!.e164 });
    expect((await quotasOf(admin(), [busy!.id, idle!.id])).map((q) => [q.bound, q.limit, q.remaining])).toEqual([
      [1, 9, 8],
      [0, 9, 9],
    ]);
    const results = await transferNumbers(admin(), axe3.id, [busy!.id, idle!.id, '00000000-0000-4000-8000-000000000000'], axe1.id);
    expect(results.map((r) => [r.e164, r.moved, r.reasonCode])).toEqual([
      [busy!.e164, false, 'ACTIVE_BINDINGS'],
      [idle!.e164, true, null],
      [null, false, 'NOT_IN_POOL'],
    ]);
    expect((await quotasOf(admin(), [idle!.id]))[0]).toMatchObject({ limit: 999, remaining: 999 });
    expect((await bind(admin(), axe3.id, { a: '+8613800002222' })).extension).toBe('001');
    // once its binding expired (no job yet), the busy number moves too
    s.w.clock.advance(2 * 3600);
    expect((await transferNumbers(admin(), axe3.id, [busy!.id]))[0]).toMatchObject({ moved: true });
  });
});

describe('P5: expiry by job and sweep', () => {
  it('P5: the job marks an expired binding EXPIRED at its expiry time, once; the sweep finds the rest', async () => {
    const { app } = await createPrivacyApp(admin(), { name: 'expiring', mode: 'AXB' });
    const numbers = await s.ownNumbers(s.acme, 1);
    await moveNumbersToPool(admin(), app.id, numbers.map((n) => n.id));
    const one = await bind(admin(), app.id, { a: '+8613800003331', b: '+8613800003332', durationSeconds: 60 });
    const two = await bind(admin(), app.id, { a: '+8613800003333', b: '+8613800003334', durationSeconds: 120 });
    expect(await expireBinding(s.w.ctx(), one.id)).toBe(false);
    s.w.clock.advance(61);
    expect(await expireBinding(s.w.ctx(), one.id)).toBe(true);
    expect(await expireBinding(s.w.ctx(), one.id)).toBe(false);
    const row = await s.w.db.selectFrom('privacy_bindings').selectAll().where('id', '=', one.id).executeTakeFirstOrThrow();
    expect([row.end_reason, row.ended_at]).toEqual(['EXPIRED', one.expires_at]);
    expect(await s.w.db.selectFrom('privacy_binding_keys').select('key').where('binding_id', '=', one.id).execute()).toEqual([]);
    s.w.clock.advance(60);
    // the sweep handles every binding past its expiry that no job marked (other tests' too)
    expect(await sweepExpiredBindings(s.w.ctx())).toBeGreaterThanOrEqual(1);
    expect(await sweepExpiredBindings(s.w.ctx())).toBe(0);
    const events = await readableEvents(s.w.db, { types: ['BINDING_CHANGED'], appId: app.id });
    expect(events.map((e) => [e.subjectId, e.payload.change])).toEqual([
      [one.id, 'BOUND'],
      [two.id, 'BOUND'],
      [one.id, 'EXPIRED'],
      [two.id, 'EXPIRED'],
    ]);
  });
});
