import { importNumbers, payOrder, purchaseNumber, topUpBalance, type NumberRow } from '@callplane/schema';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from './context.js';
import { filedQualification } from './qualifications.js';
import type { TestApp } from './app.js';
import { gid, ok } from './graphql.js';

/** Cities of the fixtures' numbers: national prefix and the subscriber part's first digit. */
export const CITIES = {
  上海: { province: '上海', prefix: '021', lead: '6' },
  北京: { province: '北京', prefix: '010', lead: '6' },
  深圳: { province: '广东', prefix: '0755', lead: '2' },
} as const;
export type City = keyof typeof CITIES;

let serial = Math.floor(Math.random() * 5_000_000);
/** A fresh national number of the city (or a mobile one), unique in this process. */
export function freshNumber(city: City | 'mobile'): string {
  const n = String(serial++ % 10_000_000).padStart(7, '0');
  if (city === 'mobile') return `139${n.padStart(8, '0')}`;
  return `${CITIES[city].prefix} ${CITIES[city].lead}${n}`;
}

/** The service world of the privacy tests: Acme and Beta with an approved qualification and money. */
export async function privacyServiceWorld() {
  const { w, acme, beta } = await acmeAndBeta();
  const quals = new Map<string, string>();
  for (const t of [acme, beta]) {
    quals.set(t.tenantId, await filedQualification(w, t));
    await topUpBalance(w.ctx(), { tenantId: t.tenantId, amount: '100000' });
  }
  /** ACTIVE numbers of the tenant, bought (N2) and paid, in the city (LOCAL) or mobile. */
  async function ownNumbers(t: TenantFixture, count: number, city: City | 'mobile' = '上海'): Promise<NumberRow[]> {
    const nationals = Array.from({ length: count }, () => freshNumber(city));
    const where = city === 'mobile' ? CITIES.上海 : CITIES[city];
    const imported = await importNumbers(
      w.ctx(),
      nationals.map((number) => ({ number, type: city === 'mobile' ? 'MOBILE' : 'LOCAL', province: where.province, city: city === 'mobile' ? '上海' : city, carrier: 'CHINA_TELECOM' })),
    );
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors));
    const e164s = nationals.map((n) => `+86${n.replace(/\D/g, '').replace(/^0/, '')}`);
    const stock = await w.db.selectFrom('numbers').selectAll().where('e164', 'in', e164s).execute();
    const owned: NumberRow[] = [];
    for (const n of stock) {
      const { order } = await purchaseNumber(w.ctx(t.admin), { numberId: n.id, qualificationId: quals.get(t.tenantId)!, callType: 'INBOUND_ONLY' });
      await payOrder(w.ctx(t.admin), order.id);
      owned.push(await w.db.selectFrom('numbers').selectAll().where('id', '=', n.id).executeTakeFirstOrThrow());
    }
    return owned.sort((a, b) => a.e164.localeCompare(b.e164));
  }
  return { w, acme, beta, quals, ownNumbers };
}

export type PrivacyServiceWorld = Awaited<ReturnType<typeof privacyServiceWorld>> & { w: ServiceWorld };
