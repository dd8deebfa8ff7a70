// P8: the one query of the stored modes, compiled once per shape and run with each call's values.
// Building and compiling it with Kysely took an eighth of a decision's CPU (pnpm bench routing
// --profile); the SQL of a shape never changes, only its parameters do. The shape: the key's role, whether it has
// a tenant and an app (what READ_POLICY puts in the query through scopedFrom), and the number of
// routing keys asked for. Built with stand-ins for the values, which are then swapped for the
// call's own, so the compiled query is exactly what scopedFrom would have built.
import type { CompiledQuery } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { executeCompiledScoped, requireActor, scopedFrom } from '../../access/scope.js';

/** The routing keys a call may match, in lookup order: E:<extension> (AXE), P:<caller> (AXB), AX. */
export const routingKeys = (p: { caller: string; extension: string | null }) => [...(p.extension ? [`E:${p.extension}`] : []), `P:${p.caller}`, 'AX'];

/** The one query of the stored modes: the X (and its app) and the active bindings of the keys asked for. */
export function routingQuery(ctx: Pick<ServiceContext, 'db' | 'actor'>, called: string, keys: readonly string[], now: Date) {
  return scopedFrom(ctx, 'privacy_pool_numbers')
    .innerJoin('privacy_apps', 'privacy_apps.id', 'privacy_pool_numbers.app_id')
    .leftJoin('privacy_binding_keys as k', (j) =>
      j.onRef('k.x_e164', '=', 'privacy_pool_numbers.e164').onRef('k.app_id', '=', 'privacy_pool_numbers.app_id').on('k.key', 'in', keys),
    )
    .leftJoin('privacy_bindings as b', (j) =>
      j
        .onRef('b.id', '=', 'k.binding_id')
        .on('b.ended_at', 'is', null)
        .on((eb) => eb.or([eb('b.expires_at', 'is', null), eb('b.expires_at', '>', now)])),
    )
    .select([
      'privacy_apps.id as app_id',
      'privacy_apps.mode as app_mode',
      'privacy_apps.call_control_url',
      'privacy_apps.call_control_timeout_ms',
      'privacy_apps.call_control_fallback_e164',
      'k.key',
      'b.id as binding_id',
      'b.a_e164',
      'b.b_e164',
      'b.direction',
      'b.record',
      'b.max_call_minutes',
      'b.user_data',
    ])
    .where('privacy_pool_numbers.e164', '=', called);
}

export type RoutingRow = Awaited<ReturnType<ReturnType<typeof routingQuery>['execute']>>[number];

interface Values {
  called: string;
  keys: readonly string[];
  now: Date;
  tenantId: string | null;
  appId: string | null;
}

const STAND_IN = { called: '\u0001called', tenant: '\u0001tenant', app: '\u0001app', key: '\u0001key:', now: new Date(0) };

interface Shape {
  compiled: CompiledQuery<RoutingRow>;
  values: ((v: Values) => unknown)[];
}
const shapes = new Map<string, Shape>();

function valueOf(stand: unknown): (v: Values) => unknown {
  if (stand === STAND_IN.now) return (v) => v.now;
  if (stand === STAND_IN.called) return (v) => v.called;
  if (stand === STAND_IN.tenant) return (v) => v.tenantId;
  if (stand === STAND_IN.app) return (v) => v.appId;
  if (typeof stand === 'string' && stand.startsWith(STAND_IN.key)) {
    const i = Number(stand.slice(STAND_IN.key.length));
    return (v) => v.keys[i];
  }
  return () => stand; // a constant of the query itself
}

/** The rows of routingQuery for this call, from the shape's compiled SQL. */
export async function runRoutingQuery(ctx: Pick<ServiceContext, 'db' | 'actor'>, called: string, keys: readonly string[], now: Date): Promise<RoutingRow[]> {
  const actor = requireActor(ctx.actor);
  const id = `${actor.role}:${!!actor.tenantId}:${!!actor.appId}:${keys.length}`;
  let shape = shapes.get(id);
  if (!shape) {
    const stand = { ...actor, tenantId: actor.tenantId && STAND_IN.tenant, appId: actor.appId && STAND_IN.app };
    const compiled = routingQuery({ ...ctx, actor: stand }, STAND_IN.called, keys.map((_, i) => `${STAND_IN.key}${i}`), STAND_IN.now).compile();
    shape = { compiled, values: compiled.parameters.map(valueOf) };
    shapes.set(id, shape);
  }
  const v: Values = { called, keys, now, tenantId: actor.tenantId, appId: actor.appId ?? null };
  const { rows } = await executeCompiledScoped<RoutingRow>(ctx, { ...shape.compiled, parameters: shape.values.map((f) => f(v)) } as CompiledQuery<RoutingRow>);
  return rows;
}
