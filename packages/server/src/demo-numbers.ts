import type { ServiceContext } from '@callplane/schema/core';
import { importNumbers, purchaseNumber } from '@callplane/schema/core';
import { payOrder, topUpBalance } from '@callplane/schema/core';
import type { DemoWorld } from './demo.js';

const REGIONS: [string, number, string, string, string][] = [
  // area code, first subscriber number, province, city, carrier
  ['010', 62001000, '北京', '北京', 'CHINA_TELECOM'],
  ['021', 52001000, '上海', '上海', 'CHINA_UNICOM'],
  ['020', 82001000, '广东', '广州', 'CHINA_TELECOM'],
  ['0755', 26001000, '广东', '深圳', 'CHINA_MOBILE'],
  ['0571', 86001000, '浙江', '杭州', 'CHINA_TELECOM'],
];
const TIERS = ['STANDARD', 'PREFERRED', 'SELECTED', 'GOLD', 'VIP'] as const;

/**
 * N1/N2/N5 demo: stock in several regions (local, mobile, 400 numbers in several tiers), a balance,
 * and one local number bought and paid so that the dashboard shows an ACTIVE number.
 */
export async function demoNumbers(ctx: ServiceContext, w: DemoWorld): Promise<string | null> {
  const any = await ctx.db.selectFrom('numbers').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const rows = REGIONS.flatMap(([area, first, province, city, carrier]) =>
    [1, 2, 3, 4].map((i) => ({ number: `${area}-${first + i * 111}`, type: 'LOCAL', province, city, carrier })),
  );
  rows.push(...[0, 1, 2].map((i) => ({ number: `1380013800${i}`, type: 'MOBILE', province: '广东', city: '深圳', carrier: 'CHINA_MOBILE' })));
  rows.push(...TIERS.map((tier, i) => ({ number: `400-81${i}-${8888 - i}`, type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier })));
  const imported = await importNumbers({ ...ctx, actor: w.operator }, rows);
  await topUpBalance({ ...ctx, actor: w.operator }, { tenantId: w.tenantId, amount: '5000', note: 'demo credit' });
  const qualification = await ctx.db
    .selectFrom('qualifications')
    .select('id')
    .where('tenant_id', '=', w.tenantId)
    .where('kind', '=', 'STANDARD')
    .where('status', '=', 'APPROVED')
    .executeTakeFirst();
  const local = await ctx.db.selectFrom('numbers').select('id').where('city', '=', '杭州').orderBy('e164').executeTakeFirst();
  if (qualification && local) {
    const admin = { ...ctx, actor: w.admin };
    const { order } = await purchaseNumber(admin, { numberId: local.id, qualificationId: qualification.id, callType: 'INBOUND_ONLY', autoRenew: true });
    await payOrder(admin, order.id);
  }
  return `numbers: ${imported.created} imported across ${REGIONS.length} regions (400 tiers ${TIERS.join(', ')}), balance 5000 CNY, one Hangzhou number ACTIVE`;
}
