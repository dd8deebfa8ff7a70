// N1: the inventory: importing numbers into stock, and searching it.
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { ValidationError } from '../../errors.js';
import { requireOperator, scopedFrom } from '../../access/scope.js';
import { parseNumber } from './numbers.phone.js';
import { NUMBER_TYPES, TOLL_FREE_TIERS, type NumberType, type TollFreeTier } from './numbers.table.js';

export interface NumberImportRow {
  /** Any format libphonenumber-js reads; national numbers are taken as Chinese. */
  number: string;
  type: string;
  province?: string | null;
  city?: string | null;
  carrier?: string | null;
  /** Required for TOLL_FREE_400, not allowed otherwise. */
  tier?: string | null;
  /** The row's number in the caller's source (a CSV line); defaults to its 1-based position. */
  row?: number;
}

export interface ImportRowError {
  row: number;
  field: string;
  message: string;
}

export interface ImportResult {
  created: number;
  /** Valid rows whose number is already in the inventory (or repeated in the batch). */
  skipped: number;
  errors: ImportRowError[];
}

export const MAX_IMPORT_ROWS = 5000;
/** Rows written per transaction. */
const IMPORT_BATCH = 1000;

type ValidRow = { e164: string; type: NumberType; tier: TollFreeTier | null; province: string; city: string; carrier: string };

/** Checks one row; returns the normalised number or every problem of the row, each naming its field. */
export function checkImportRow(r: NumberImportRow, row: number): { ok: true; value: ValidRow } | { ok: false; errors: ImportRowError[] } {
  const errors: ImportRowError[] = [];
  const fail = (field: string, message: string) => errors.push({ row, field, message });
  const type = r.type?.trim().toUpperCase() as NumberType;
  if (!r.type?.trim()) fail('type', 'type is missing');
  else if (!NUMBER_TYPES.includes(type)) fail('type', `unknown type "${r.type}"; expected ${NUMBER_TYPES.join(', ')}`);
  const parsed = parseNumber(r.number ?? '');
  if (!parsed.ok) fail('number', parsed.message);
  else if (NUMBER_TYPES.includes(type) && !parsed.detected.includes(type))
    fail('number', `${parsed.e164} is not a ${type} number${parsed.detected.length ? ` (it is ${parsed.detected.join(' or ')})` : ''}`);
  const province = r.province?.trim() ?? '';
  const city = r.city?.trim() ?? '';
  const carrier = r.carrier?.trim() ?? '';
  if (!province) fail('province', 'the region is missing: province is required');
  if (!city) fail('city', 'the region is missing: city is required');
  if (!carrier) fail('carrier', 'carrier is required');
  const tierText = r.tier?.trim().toUpperCase() ?? '';
  let tier: TollFreeTier | null = null;
  if (type === 'TOLL_FREE_400') {
    if (!tierText) fail('tier', `a 400 number needs a tier: ${TOLL_FREE_TIERS.join(', ')}`);
    else if (!TOLL_FREE_TIERS.includes(tierText as TollFreeTier)) fail('tier', `unknown tier "${r.tier}"; expected ${TOLL_FREE_TIERS.join(', ')}`);
    else tier = tierText as TollFreeTier;
  } else if (tierText && NUMBER_TYPES.includes(type)) fail('tier', 'only 400 numbers have a tier');
  if (errors.length || !parsed.ok) return { ok: false, errors };
  return { ok: true, value: { e164: parsed.e164, type, tier, province, city, carrier } };
}

/** N1: an OPERATOR adds numbers to stock; idempotent by E.164; bad rows are reported, good ones added. */
export async function importNumbers(ctx: ServiceContext, rows: NumberImportRow[], opts: { dryRun?: boolean } = {}): Promise<ImportResult> {
  requireOperator(ctx.actor, 'manages the inventory');
  if (rows.length > MAX_IMPORT_ROWS) throw new ValidationError('rows', `at most ${MAX_IMPORT_ROWS} rows per import`);
  const errors: ImportRowError[] = [];
  const valid = new Map<string, ValidRow>();
  let repeated = 0;
  rows.forEach((r, i) => {
    const checked = checkImportRow(r, r.row ?? i + 1);
    if (!checked.ok) errors.push(...checked.errors);
    else if (valid.has(checked.value.e164)) repeated++;
    else valid.set(checked.value.e164, checked.value);
  });
  if (!valid.size) return { created: 0, skipped: repeated, errors };
  if (opts.dryRun) {
    const existing = await scopedFrom(ctx, 'numbers').select('e164').where('e164', 'in', [...valid.keys()]).execute();
    return { created: valid.size - existing.length, skipped: repeated + existing.length, errors };
  }
  // Batches of IMPORT_BATCH rows, each its own short transaction: a long write would hold back the
  // event cursor of every subscriber (RT1 reads below the oldest open writer). The import is
  // idempotent by E.164, so a run stopped half-way is finished by running it again.
  let created = 0;
  const all = [...valid.values()];
  for (let i = 0; i < all.length; i += IMPORT_BATCH)
    created += await inTransaction(ctx, async (tx) => {
      const inserted = await tx.trx
        .insertInto('numbers')
        .values(all.slice(i, i + IMPORT_BATCH).map((v) => ({ ...v, status: 'AVAILABLE' as const, created_at: tx.now, updated_at: tx.now })))
        .onConflict((oc) => oc.column('e164').doNothing())
        .returning('id')
        .execute();
      if (inserted.length)
        await tx.emit({ type: 'NUMBERS_IMPORTED', tenantId: null, subjectId: 'inventory', payload: { created: inserted.length, skipped: Math.min(IMPORT_BATCH, all.length - i) - inserted.length } });
      return inserted.length;
    });
  return { created, skipped: repeated + all.length - created, errors };
}


// Searching stock (not tenant data: every tenant sees the same stock)
export interface StockFilter {
  type: NumberType;
  province?: string | null;
  city?: string | null;
  /** Digits to find anywhere in the number; `*` stands for any one digit (e.g. 8**8). */
  pattern?: string | null;
}

export function availableNumbersQuery(ctx: ServiceContext, f: StockFilter) {
  let q = scopedFrom(ctx, 'numbers').selectAll().where('numbers.status', '=', 'AVAILABLE').where('numbers.type', '=', f.type);
  if (f.province?.trim()) q = q.where('numbers.province', '=', f.province.trim());
  if (f.city?.trim()) q = q.where('numbers.city', '=', f.city.trim());
  const pattern = f.pattern?.trim();
  if (pattern) {
    if (!/^[0-9*]{1,15}$/.test(pattern)) throw new ValidationError('pattern', 'pattern is digits, with * for any one digit');
    q = q.where('numbers.e164', 'like', `%${pattern.replace(/\*/g, '_')}%`);
  }
  return q;
}

export interface RegionStock {
  province: string;
  city: string;
  count: number;
}

/** N1: the regions offered for buying: only those with stock of the type, with how many. */
export async function regionsWithStock(ctx: ServiceContext, type?: NumberType | null): Promise<RegionStock[]> {
  let q = scopedFrom(ctx, 'numbers')
    .select(['province', 'city', (eb) => eb.fn.countAll<string>().as('count')])
    .where('status', '=', 'AVAILABLE');
  if (type) q = q.where('type', '=', type);
  const rows = await q.groupBy(['province', 'city']).orderBy('province').orderBy('city').execute();
  return rows.map((r) => ({ province: r.province, city: r.city, count: Number(r.count) }));
}
