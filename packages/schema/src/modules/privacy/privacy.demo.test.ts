import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import { SYSTEM } from '../../access/actor.js';
import { demoPrivacy } from './privacy.demo.js';
import { routeCall } from './routing.js';

let s: PrivacyServiceWorld;
beforeAll(async () => {
  s = await privacyServiceWorld();
});
afterAll(() => s?.w.drop());

describe('CALLPLANE_DEMO: privacy numbers', () => {
  it('P1, P2, P8: an app of each mode with pools in two cities and bindings that route; a second run adds nothing', async () => {
    const world = { tenantId: s.acme.tenantId, admin: s.acme.admin, operator: SYSTEM };
    expect(await demoPrivacy(s.w.ctx(), world)).toMatch(/4 apps .* 8 bindings/);
    const apps = await s.w.db.selectFrom('privacy_apps').select(['id', 'mode']).where('tenant_id', '=', s.acme.tenantId).orderBy('mode').execute();
    expect(apps.map((a) => a.mode)).toEqual(['AX', 'AXB', 'AXE', 'X']);
    for (const app of apps) {
      const cities = await s.w.db.selectFrom('privacy_pool_numbers').select('city').distinct().where('app_id', '=', app.id).execute();
      expect(cities.map((c) => c.city).sort(), app.mode).toEqual(['上海', '北京'].sort());
    }
    const ride = await s.w.db.selectFrom('privacy_bindings').selectAll().where('user_data', '=', 'ride 1001').executeTakeFirstOrThrow();
    expect(await routeCall(s.w.ctx(s.acme.admin), { caller: ride.a_e164, called: ride.x_e164 })).toMatchObject({ action: 'CONNECT', callee: ride.b_e164, userData: 'ride 1001' });
    expect(await demoPrivacy(s.w.ctx(), world)).toBeNull();
  });
});
