// P5, P7: unbinding (by id or by the numbers) and updating bindings.
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow } from '../../db/transaction.js';
import { NotFoundError } from '../../errors.js';
import { findScoped, scopedFrom, UUID } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import { invalid, PrivacyError, wrongMode } from './privacy.codes.js';
import { afterEnded, emitBindingChanged, endBinding, EXPIRE_BINDING_TASK, lockX } from './privacy.end.js';
import { bindingApp, checkModeOptions, expiryJobKey, requireBinder } from './privacy.bind.js';
import { checkExtension, checkMaxCallMinutes, checkUserData, parseParty, parseX } from './privacy.input.js';
import { activeAt } from './privacy.usage.js';
import { isBindingActive } from './privacy.queries.js';
import type { Binding, BindingMode, CallDirection } from './privacy.table.js';

export interface UnbindInput {
  bindingId?: string | null;
  a?: string | null;
  b?: string | null;
  x?: string | null;
  extension?: string | null;
}

/** P7: nothing bound to unbind: 1012001 for AXB, 1011004 for AX (and AXE, its extension variant). */
const notBound = (mode: BindingMode, field: string, message: string) =>
  new PrivacyError(mode === 'AXB' ? 'PRIVACY_AXB_NOT_BOUND' : 'PRIVACY_AX_NOT_BOUND', field, message);

/**
 * P5: ends active bindings of the app, named by id or by numbers (AXB: A and B, X optional; AX:
 * X or A; AXE: X and extension, or A). Routing stops at once (the keys go); a call in progress
 * is not dropped (the call records are not touched). Nothing active matched: 1012001 / 1011004.
 */
export async function unbind(ctx: ServiceContext, appId: string, input: UnbindInput): Promise<Binding[]> {
  const app = await bindingApp(ctx, appId, 'unbind');
  const now = ctx.clock.now();
  let q = scopedFrom(ctx, 'privacy_bindings').selectAll().where('privacy_bindings.app_id', '=', app.id).where(activeAt(now));
  let field = 'bindingId';
  if (input.bindingId != null) {
    if (!UUID.test(input.bindingId)) throw notBound(app.mode, 'bindingId', 'no binding with this id');
    q = q.where('privacy_bindings.id', '=', input.bindingId);
  } else {
    if (input.b != null && app.mode !== 'AXB') throw wrongMode('b', `a B number is for AXB bindings; this app is ${app.mode}`);
    if (input.extension != null && app.mode !== 'AXE') throw wrongMode('extension', `extensions are for AXE bindings; this app is ${app.mode}`);
    const x = input.x != null ? parseX(input.x, 'x') : null;
    const a = input.a != null ? parseParty(input.a, 'a') : null;
    if (app.mode === 'AXB') {
      const b = parseParty(input.b, 'b');
      if (!a) throw invalid('a', 'AXB bindings are unbound by their A and B numbers, or by id');
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('privacy_bindings.a_e164', '=', a), eb('privacy_bindings.b_e164', '=', b)]),
          eb.and([eb('privacy_bindings.a_e164', '=', b), eb('privacy_bindings.b_e164', '=', a)]),
        ]),
      );
      field = 'a';
    } else {
      if (!x && !a) throw invalid('x', `${app.mode} bindings are unbound by their X or A number, or by id`);
      if (app.mode === 'AXE' && input.extension != null) {
        if (!x) throw invalid('x', 'an extension is unbound with its X number');
        q = q.where('privacy_bindings.extension', '=', checkExtension(input.extension, app.extension_length!));
      }
      if (a) q = q.where('privacy_bindings.a_e164', '=', a);
      field = x ? 'x' : 'a';
    }
    if (x) q = q.where('privacy_bindings.x_e164', '=', x);
  }
  const found = await q.orderBy('privacy_bindings.x_number_id').orderBy('privacy_bindings.id').limit(1000).execute();
  const nothing = () => notBound(app.mode, field, `nothing of this ${app.mode} app is bound as given: resource of number is not to be applied`);
  if (!found.length) throw nothing();
  return inTransaction(ctx, async (tx) => {
    const ended: Binding[] = [];
    for (const seen of found) {
      const pool = await lockX(tx, seen.x_number_id);
      const b = await lockRow(tx, 'privacy_bindings', seen.id);
      if (!b || !isBindingActive(b, tx.now)) continue;
      ended.push(await endBinding(tx, b, 'UNBOUND'));
      await afterEnded(tx, pool);
    }
    if (!ended.length) throw nothing();
    return ended;
  });
}

export interface BindingUpdate {
  /** A new duration restarts the clock from now (0 = permanent). */
  durationSeconds?: number | null;
  direction?: CallDirection | null;
  record?: boolean | null;
  maxCallMinutes?: number | null;
  relaySms?: boolean | null;
  userData?: string | null;
}

/** P5: changes the options of an active binding; a new duration restarts its clock. */
export async function updateBinding(ctx: ServiceContext, bindingId: string, input: BindingUpdate): Promise<Binding> {
  requireBinder(ctx.actor);
  const seen = await findScoped(ctx, 'privacy_bindings', bindingId);
  if (!seen) throw new NotFoundError('binding', 'bindingId');
  checkModeOptions(seen.mode, input);
  const maxCallMinutes = input.maxCallMinutes != null ? checkMaxCallMinutes(input.maxCallMinutes) : undefined;
  const userData = input.userData !== undefined ? checkUserData(input.userData) : undefined;
  return inTransaction(ctx, async (tx) => {
    await lockX(tx, seen.x_number_id);
    const b = (await lockRow(tx, 'privacy_bindings', seen.id))!;
    if (!isBindingActive(b, tx.now)) throw notBound(b.mode, 'bindingId', `the binding ${b.end_reason === 'UNBOUND' ? 'was unbound' : 'has expired'}`);
    const duration = input.durationSeconds ?? undefined;
    const expiresAt = duration === undefined ? b.expires_at : duration ? new Date(tx.now.getTime() + duration * 1000) : null;
    const updated = await tx.trx
      .updateTable('privacy_bindings')
      .set({
        direction: input.direction ?? b.direction,
        record: input.record ?? b.record,
        max_call_minutes: maxCallMinutes ?? b.max_call_minutes,
        relay_sms: input.relaySms ?? b.relay_sms,
        user_data: userData === undefined ? b.user_data : userData,
        duration_seconds: duration ?? b.duration_seconds,
        expires_at: expiresAt,
        updated_at: tx.now,
      })
      .where('id', '=', b.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // the same job key: the job moves to the new time (a permanent binding's job finds nothing to do)
    if (duration !== undefined && expiresAt) await scheduleJob(tx, EXPIRE_BINDING_TASK, { bindingId: b.id }, { runAt: expiresAt, jobKey: expiryJobKey(b.id) });
    await emitBindingChanged(tx, updated, 'UPDATED');
    return updated;
  });
}
