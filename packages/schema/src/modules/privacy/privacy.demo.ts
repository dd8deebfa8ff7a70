// The privacy numbers' demo data (CALLPLANE_DEMO=1): an app of each mode, pools in two cities
// (Shanghai and Beijing), some bindings, all made through the services as a tenant would.
import type { Actor } from '../../access/actor.js';
import type { ServiceContext } from '../../context.js';
import { payOrder, topUpBalance } from '../billing/billing.service.js';
import { systemDb } from '../../access/scope.js';
import { importNumbers } from '../numbers/numbers.inventory.js';
import { purchaseNumber } from '../numbers/numbers.purchase.js';
import { bind, type BindInput } from './privacy.bind.js';
import { createPrivacyApp, type PrivacyAppInput } from './privacy.apps.js';
import { moveNumbersToPool } from './privacy.pools.js';

/** Who acts: the demo tenant's admin, and an OPERATOR for the stock (the server's DemoWorld has these). */
export interface PrivacyDemoWorld {
  tenantId: string;
  admin: Actor;
  operator: Actor;
}

const CITIES = [
  { area: '021', first: 53000100, province: '上海', city: '上海' },
  { area: '010', first: 63000100, province: '北京', city: '北京' },
];

const APPS: { input: PrivacyAppInput; perCity: number; bindings: Omit<BindInput, 'x'>[] }[] = [
  {
    input: { name: 'Demo rides (AXB)', mode: 'AXB', statusUrl: 'https://hooks.demo-telecom.example/status', cdrUrl: 'https://hooks.demo-telecom.example/cdr' },
    perCity: 2,
    bindings: [
      { a: '13800138101', b: '13900139101', userData: 'ride 1001', record: true },
      { a: '13800138102', b: '13900139102', userData: 'ride 1002', direction: 'A_TO_B' },
      { a: '13800138103', b: '13900139103', userData: 'ride 1003', durationSeconds: 3600, city: '北京' },
    ],
  },
  {
    input: { name: 'Demo shop (AX)', mode: 'AX', cdrUrl: 'https://hooks.demo-telecom.example/cdr' },
    perCity: 2,
    bindings: [{ a: '13800138201', userData: 'store hotline' }, { a: '13800138202', userData: 'returns desk', city: '北京' }],
  },
  {
    input: { name: 'Demo couriers (AXE)', mode: 'AXE', extensionLength: 3 },
    perCity: 1,
    bindings: [{ a: '13800138301', userData: 'courier 1' }, { a: '13800138302', userData: 'courier 2' }, { a: '13800138303', extension: '042', city: '北京' }],
  },
  {
    input: { name: 'Demo dispatch (X)', mode: 'X', callControlUrl: 'https://control.demo-telecom.example/route', callControlTimeoutMs: 1500, callControlFallback: '021-5300 0000' },
    perCity: 1,
    bindings: [],
  },
];

/**
 * P1–P8 demo: the four apps, each with numbers of Shanghai and Beijing in its pool (imported into
 * stock, bought and paid by the tenant), and bindings of each stored mode. Does nothing when the
 * tenant has privacy apps already; returns the note of what it made.
 */
export async function demoPrivacy(ctx: ServiceContext, w: PrivacyDemoWorld): Promise<string | null> {
  const existing = await systemDb(ctx).selectFrom('privacy_apps').select('id').where('tenant_id', '=', w.tenantId).executeTakeFirst();
  if (existing) return null;
  const qualification = await systemDb(ctx)
    .selectFrom('qualifications')
    .select('id')
    .where('tenant_id', '=', w.tenantId)
    .where('kind', '=', 'STANDARD')
    .where('status', '=', 'APPROVED')
    .executeTakeFirst();
  if (!qualification) return null;
  const operator = { ...ctx, actor: w.operator };
  const admin = { ...ctx, actor: w.admin };
  const perCity = APPS.reduce((n, a) => n + a.perCity, 0);
  const rows = CITIES.flatMap((c) => Array.from({ length: perCity }, (_, i) => ({ number: `${c.area}-${c.first + i}`, type: 'LOCAL', province: c.province, city: c.city, carrier: 'CHINA_TELECOM' })));
  await importNumbers(operator, rows);
  await topUpBalance(operator, { tenantId: w.tenantId, amount: '10000', note: 'demo credit for privacy numbers' });
  const e164s = rows.map((r) => `+86${r.number.replace(/\D/g, '').replace(/^0/, '')}`);
  let stock = await systemDb(ctx).selectFrom('numbers').select(['id', 'city']).where('e164', 'in', e164s).where('status', '=', 'AVAILABLE').orderBy('e164').execute();
  for (const n of stock) {
    const { order } = await purchaseNumber(admin, { numberId: n.id, qualificationId: qualification.id, callType: 'INBOUND_ONLY' });
    await payOrder(admin, order.id);
  }
  let bindings = 0;
  for (const spec of APPS) {
    const { app } = await createPrivacyApp(admin, spec.input);
    const ids = CITIES.flatMap((c) => stock.filter((n) => n.city === c.city).slice(0, spec.perCity)).map((n) => n.id);
    stock = stock.filter((n) => !ids.includes(n.id));
    if (ids.length) await moveNumbersToPool(admin, app.id, ids);
    for (const b of spec.bindings) {
      await bind(admin, app.id, { city: '上海', strictArea: true, ...b });
      bindings++;
    }
  }
  return `privacy numbers: ${APPS.length} apps (AXB, AX, AXE, X) with pools in ${CITIES.map((c) => c.city).join(' and ')}, ${bindings} bindings`;
}
