// P2, P3, P5: binding A (and B, or an extension) to an X of the app's pool.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { Actor } from '../../access/actor.js';
import { findScoped, requireActor, scopedFrom, UUID } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { alreadyBound, invalid, PrivacyError, wrongMode } from './privacy.codes.js';
import { EXPIRE_BINDING_TASK, emitBindingChanged, lockAxParty, settleExpired } from './privacy.end.js';
import {
  checkAreaCode,
  checkDuration,
  checkExtension,
  checkMaxCallMinutes,
  checkUserData,
  DEFAULT_DURATION_SECONDS,
  extensionAt,
  extensionCapacity,
  parseParty,
  parseX,
} from './privacy.input.js';
import { activeAt, activeOnX, emitPoolUsage, MAX_AX_NUMBERS_PER_A, MAX_AXB_PAIRS_PER_X } from './privacy.usage.js';
import { CALL_DIRECTIONS, PRIVACY_MODES, type Binding, type BindingMode, type CallDirection, type PoolNumber, type PrivacyApp, type PrivacyMode } from './privacy.table.js';

export interface BindInput {
  /** The mode the caller means; another than the app's is 1010040. */
  mode?: PrivacyMode | null;
  a: string;
  /** AXB only. */
  b?: string | null;
  /** Picked from the pool when not given (by city or area code). */
  x?: string | null;
  /** AXE only; auto-assigned when not given. */
  extension?: string | null;
  city?: string | null;
  areaCode?: string | null;
  /** With a city or area code: true (default) = only there; false = elsewhere when none is free there. */
  strictArea?: boolean | null;
  direction?: CallDirection | null;
  record?: boolean | null;
  maxCallMinutes?: number | null;
  relaySms?: boolean | null;
  userData?: string | null;
  /** 0 = permanent; 60 s – 90 days; default 2 hours (AX bindings are always permanent). */
  durationSeconds?: number | null;
}

/** TENANT_ADMIN keys of the tenant and PARTNER keys of the app bind (which app: the scoped read). */
export function requireBinder(actor: Actor | null): Actor {
  const a = requireActor(actor);
  if (a.role !== 'TENANT_ADMIN' && a.role !== 'PARTNER') throw new ForbiddenError('bindings are made by a TENANT_ADMIN or a PARTNER key of the app');
  return a;
}

/** The app of a binding call, as the key may see it; X mode has no stored bindings (1010040). */
export async function bindingApp(ctx: ServiceContext, appId: string, what: string): Promise<PrivacyApp & { mode: BindingMode }> {
  requireBinder(ctx.actor);
  const app = await findScoped(ctx, 'privacy_apps', appId);
  if (!app) throw new NotFoundError('privacy app', 'appId');
  if (app.mode === 'X') throw wrongMode('appId', `${what}: an X-mode app has no stored bindings; each call asks its call-control URL`);
  return app as PrivacyApp & { mode: BindingMode };
}

/** The options of P5 that a mode allows: direction is AXB's; AX bindings are permanent. */
export function checkModeOptions(mode: BindingMode, o: { direction?: CallDirection | null; durationSeconds?: number | null }) {
  if (o.direction != null && !CALL_DIRECTIONS.includes(o.direction)) throw invalid('direction', `one of ${CALL_DIRECTIONS.join(', ')}`);
  if (o.direction != null && o.direction !== 'BOTH' && mode !== 'AXB') throw wrongMode('direction', `a call direction is for AXB bindings; this app is ${mode}`);
  if (o.durationSeconds != null) checkDuration(o.durationSeconds);
  if (mode === 'AX' && o.durationSeconds) throw wrongMode('durationSeconds', 'AX bindings are permanent until unbound (duration 0)');
}

interface BindParams {
  a: string;
  b: string | null;
  x: string | null;
  extension: string | null;
  city: string | null;
  areaCode: string | null;
  strict: boolean;
  direction: CallDirection;
  record: boolean;
  maxCallMinutes: number;
  relaySms: boolean;
  userData: string | null;
  durationSeconds: number;
}

/** Every parameter checked before anything is read or locked, each with its code (P7). */
function bindParams(app: PrivacyApp & { mode: BindingMode }, input: BindInput): BindParams {
  if (input.mode != null && !PRIVACY_MODES.includes(input.mode)) throw invalid('mode', `one of ${PRIVACY_MODES.join(', ')}`);
  if (input.mode != null && input.mode !== app.mode) throw wrongMode('mode', `this is an ${app.mode} app, not ${input.mode}`);
  const a = parseParty(input.a, 'a');
  let b: string | null = null;
  if (app.mode === 'AXB') {
    b = parseParty(input.b, 'b');
    if (b === a) throw invalid('b', 'A and B are the same number');
  } else if (input.b != null) throw wrongMode('b', `a B number is for AXB bindings; this app is ${app.mode}`);
  if (input.extension != null && app.mode !== 'AXE') throw wrongMode('extension', `extensions are for AXE bindings; this app is ${app.mode}`);
  const extension = input.extension != null ? checkExtension(input.extension, app.extension_length!) : null;
  checkModeOptions(app.mode, input);
  const city = input.city?.trim() || null;
  if (city && city.length > 50) throw invalid('city', 'at most 50 characters');
  return {
    a,
    b,
    x: input.x != null ? parseX(input.x, 'x') : null,
    extension,
    city,
    areaCode: input.areaCode != null ? checkAreaCode(input.areaCode) : null,
    strict: input.strictArea ?? true,
    direction: input.direction ?? 'BOTH',
    record: input.record ?? false,
    maxCallMinutes: checkMaxCallMinutes(input.maxCallMinutes ?? 0),
    relaySms: input.relaySms ?? false,
    userData: checkUserData(input.userData),
    durationSeconds: input.durationSeconds ?? (app.mode === 'AX' ? 0 : DEFAULT_DURATION_SECONDS),
  };
}

/**
 * P2, P3, P5: binds per the app's mode. X is the caller's (1011001 when not the app's) or picked
 * from the pool (1011002 when none is free). The limits of P3 are checked with X's pool row
 * locked (lock order: privacy.end.ts), and the routing keys' primary key refuses whatever slips
 * through: a conflicting bind is 1012010, and of two concurrent ones exactly one wins.
 */
export async function bind(ctx: ServiceContext, appId: string, input: BindInput): Promise<Binding> {
  const app = await bindingApp(ctx, appId, 'bind');
  const p = bindParams(app, input);
  return inTransaction(ctx, async (tx) => {
    const { pool, extension, activeBefore } = p.x ? await givenX(tx, ctx.actor, app, p, p.x) : await pickX(tx, ctx.actor, app, p);
    if (p.a === pool.e164 || p.b === pool.e164) throw invalid(p.a === pool.e164 ? 'a' : 'b', 'a party cannot be the X number');
    const expiresAt = p.durationSeconds ? new Date(tx.now.getTime() + p.durationSeconds * 1000) : null;
    const binding = await tx.trx
      .insertInto('privacy_bindings')
      .values({
        tenant_id: app.tenant_id,
        app_id: app.id,
        mode: app.mode,
        x_number_id: pool.number_id,
        x_e164: pool.e164,
        a_e164: p.a,
        b_e164: p.b,
        extension,
        direction: p.direction,
        record: p.record,
        max_call_minutes: p.maxCallMinutes,
        relay_sms: p.relaySms,
        user_data: p.userData,
        duration_seconds: p.durationSeconds,
        expires_at: expiresAt,
        ended_at: null,
        end_reason: null,
        created_by: UUID.test(ctx.actor!.keyId) ? ctx.actor!.keyId : null,
        created_at: tx.now,
        updated_at: tx.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertKeys(tx, binding);
    if (expiresAt) await scheduleJob(tx, EXPIRE_BINDING_TASK, { bindingId: binding.id }, { runAt: expiresAt, jobKey: expiryJobKey(binding.id) });
    await emitBindingChanged(tx, binding, 'BOUND');
    if (activeBefore === 0) await emitPoolUsage(tx, app, [pool.city]);
    return binding;
  });
}

export const expiryJobKey = (bindingId: string) => `privacy-binding-expiry:${bindingId}`;

/** The routing keys of a new binding; the primary key (x_e164, key) is P3's last word. */
async function insertKeys(tx: Tx, b: Binding): Promise<void> {
  const keys = b.mode === 'AXB' ? [`P:${b.a_e164}`, `P:${b.b_e164}`] : b.mode === 'AX' ? ['AX'] : [`E:${b.extension}`];
  await sql`savepoint privacy_keys`.execute(tx.trx);
  try {
    await tx.trx
      .insertInto('privacy_binding_keys')
      .values(keys.map((key) => ({ x_e164: b.x_e164, key, binding_id: b.id, tenant_id: b.tenant_id, app_id: b.app_id })))
      .execute();
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    await sql`rollback to savepoint privacy_keys`.execute(tx.trx);
    throw alreadyBound('x', `a binding on ${b.x_e164} already routes these numbers`);
  }
}

interface Room {
  pool: PoolNumber;
  extension: string | null;
  activeBefore: number;
}

/** The caller's X: one of the app's pool (locked), with room for the binding. */
async function givenX(tx: Tx, actor: Actor | null, app: PrivacyApp & { mode: BindingMode }, p: BindParams, x: string): Promise<Room> {
  const pool = await scopedFrom({ db: tx.trx, actor }, 'privacy_pool_numbers')
    .selectAll()
    .where('privacy_pool_numbers.e164', '=', x)
    .where('privacy_pool_numbers.app_id', '=', app.id)
    .forUpdate()
    .executeTakeFirst();
  if (!pool) throw new PrivacyError('PRIVACY_NUMBER_NOT_IN_APP', 'x', `${x} is not a number of this app's pool`);
  return roomOn(tx, app, pool, p);
}

/** An X picked from the pool (city, area code), least loaded first; candidates locked by others are skipped. */
async function pickX(tx: Tx, actor: Actor | null, app: PrivacyApp & { mode: BindingMode }, p: BindParams): Promise<Room> {
  const areas = p.city || p.areaCode ? [true, ...(p.strict ? [] : [false])] : [false];
  // a candidate refused for the caller's numbers (A bound there, the extension taken) says more than "none free"
  let partyConflict: PrivacyError | null = null;
  for (const inArea of areas) {
    let q = scopedFrom({ db: tx.trx, actor }, 'privacy_pool_numbers').select('privacy_pool_numbers.id').where('privacy_pool_numbers.app_id', '=', app.id);
    if (inArea && p.city) q = q.where('privacy_pool_numbers.city', '=', p.city);
    if (inArea && p.areaCode) q = q.where('privacy_pool_numbers.e164', 'like', `+86${p.areaCode}%`);
    const candidates = await q
      .orderBy(sql`(select count(*) from privacy_bindings b where b.x_number_id = privacy_pool_numbers.number_id and b.ended_at is null)`)
      .orderBy('privacy_pool_numbers.e164')
      .limit(50)
      .execute();
    for (const c of candidates) {
      const pool = await tx.trx.selectFrom('privacy_pool_numbers').selectAll().where('id', '=', c.id).where('app_id', '=', app.id).forUpdate().skipLocked().executeTakeFirst();
      if (!pool) continue;
      try {
        return await roomOn(tx, app, pool, p);
      } catch (err) {
        // A's own limit (AX) is the same on every X: that is the answer, not "no free number"
        if (!(err instanceof PrivacyError) || err.code !== 'PRIVACY_ALREADY_BOUND' || (app.mode === 'AX' && err.field === 'a')) throw err;
        if (err.field !== 'x') partyConflict = err;
      }
    }
  }
  if (partyConflict) throw partyConflict;
  const where = [p.city && `in ${p.city}`, p.areaCode && `with area code 0${p.areaCode}`].filter(Boolean).join(' ');
  throw new PrivacyError('PRIVACY_POOL_EXHAUSTED', p.city ? 'city' : p.areaCode ? 'areaCode' : 'x', `no free number in the pool${where ? ` ${where}` : ''}`);
}

/** P3 on a locked X: its expired bindings settled first, then the limits of the app's mode. */
async function roomOn(tx: Tx, app: PrivacyApp & { mode: BindingMode }, pool: PoolNumber, p: BindParams): Promise<Room> {
  await settleExpired(tx, pool.number_id);
  const activeBefore = await activeOnX(tx, pool.number_id);
  const keys = await tx.trx.selectFrom('privacy_binding_keys').select('key').where('x_e164', '=', pool.e164).execute();
  const taken = new Set(keys.map((k) => k.key));
  let extension: string | null = null;
  switch (app.mode) {
    case 'AXB':
      for (const [field, n] of [['a', p.a], ['b', p.b!]] as const)
        if (taken.has(`P:${n}`)) throw alreadyBound(field, `${n} is already in an AXB binding on ${pool.e164}`);
      if (activeBefore >= MAX_AXB_PAIRS_PER_X) throw alreadyBound('x', `${pool.e164} holds ${MAX_AXB_PAIRS_PER_X} AXB pairs, the most an X holds`);
      break;
    case 'AX': {
      if (taken.has('AX')) throw alreadyBound('x', `${pool.e164} has an AX binding already`);
      await lockAxParty(tx, app.id, p.a);
      const ofA = await tx.trx
        .selectFrom('privacy_bindings')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('app_id', '=', app.id)
        .where('mode', '=', 'AX')
        .where('a_e164', '=', p.a)
        .where(activeAt(tx.now))
        .executeTakeFirstOrThrow();
      if (ofA.n >= MAX_AX_NUMBERS_PER_A) throw alreadyBound('a', `${p.a} has ${MAX_AX_NUMBERS_PER_A} AX numbers, the most an A has`);
      break;
    }
    case 'AXE': {
      const length = app.extension_length!;
      if (p.extension) {
        if (taken.has(`E:${p.extension}`)) throw alreadyBound('extension', `extension ${p.extension} of ${pool.e164} is bound already`);
        extension = p.extension;
      } else {
        for (let i = 1; i <= extensionCapacity(length) && !extension; i++) if (!taken.has(`E:${extensionAt(i, length)}`)) extension = extensionAt(i, length);
        if (!extension) throw alreadyBound('x', `every extension of ${pool.e164} is bound`);
      }
      break;
    }
  }
  return { pool, extension, activeBefore };
}
