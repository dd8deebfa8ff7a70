/** Display helpers of the numbers, applications and orders pages (format.ts holds the shared ones). */

/**
 * M1: amounts arrive as exact decimal strings and are only ever reformatted as strings, never
 * through floating point: thousands separators, and at least two decimals ("100.000" → "100.00").
 */
export function formatMoney(amount: string | null | undefined, currency = 'CNY'): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return `${amount} ${currency}`;
  const [, sign, whole, frac = ''] = m;
  const decimals = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${decimals} ${currency}`;
}

/** A date-time as its calendar day (local time). */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "北京" for a municipality (province and city alike), "广东 · 深圳" otherwise. */
export function regionLabel(r: { province: string; city: string }): string {
  return r.city === r.province ? r.province : `${r.province} · ${r.city}`;
}
