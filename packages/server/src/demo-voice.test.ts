import { afterAll, beforeAll, expect, it } from 'vitest';
import { serviceWorld, type ServiceWorld } from '../../../test/support/context.js';
import { seedDemo } from './demo.js';
import { DEMO_VOICE_APP } from './demo-voice.js';

let w: ServiceWorld;
beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

it('V1, V2: CALLPLANE_DEMO seeds a voice app with numbers, two packages and two weeks of answered messages deducted from them; a second run adds nothing', async () => {
  const seed = await seedDemo(w.ctx());
  expect(seed.notes.some((n) => n.startsWith('voice:'))).toBe(true);
  const app = await w.db.selectFrom('voice_apps').selectAll().where('name', '=', DEMO_VOICE_APP).executeTakeFirstOrThrow();
  const numbers = await w.db.selectFrom('voice_numbers').select('closed_at').where('app_id', '=', app.id).execute();
  expect(numbers).toHaveLength(3);
  const packages = await w.db.selectFrom('voice_packages').selectAll().where('tenant_id', '=', app.tenant_id).orderBy('expires_at').execute();
  expect(packages.map((p) => [p.kind, p.total_minutes])).toEqual([
    ['FIXED', 10_000],
    ['CUSTOM', 5_000],
  ]);
  expect(packages[0]!.remaining_minutes).toBeLessThan(10_000);
  const days = await w.db
    .selectFrom('voice_package_usages')
    .select((eb) => eb.fn.count<string>(eb.fn('date_trunc', [eb.val('day'), 'created_at'])).distinct().as('n'))
    .where('tenant_id', '=', app.tenant_id)
    .executeTakeFirstOrThrow();
  expect(Number(days.n)).toBeGreaterThanOrEqual(10);
  const again = await seedDemo(w.ctx());
  expect(again.notes.filter((n) => n.startsWith('voice:'))).toEqual([]);
});
