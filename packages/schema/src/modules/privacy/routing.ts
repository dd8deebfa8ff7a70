// P8: the routing decision. Given caller, called number (an X) and an optional extension, CONNECT
// (callee, number to display, max duration, record flag) or REJECT (state code, reason), looked up
// in the order AXE (X + extension) → AXB (X, caller) → AX (X) → X-mode call control → 8014.
//
// The stored modes answer from ONE indexed query (no cache): the X's pool row (unique e164) joined
// with its app, and with the routing keys of P3 (primary key (x_e164, key): at most one row per key
// asked for) whose binding is active at the injected clock's now: a binding past its expiry never
// routes, whether or not the clean-up job has run (P5). A read: no event is written.
import type { ServiceContext } from '../../context.js';
import { ForbiddenError } from '../../errors.js';
import { requireActor } from '../../access/scope.js';
import { assertCanDisplayAsCaller } from '../numbers/numbers.guards.js';
import { invalid } from './privacy.codes.js';
import { parseParty, parseX } from './privacy.input.js';
import { askCallControl, type CallControlApp } from './routing.control.js';
import { routingKeys, runRoutingQuery, type RoutingRow } from './routing.query.js';
import type { CallDirection } from './privacy.table.js';
import { reject, type RouteCallInput, type RouteConnect, type RouteDecision, type RouteMatch } from './routing.decision.js';

export * from './routing.decision.js';
export { routingKeys, routingQuery } from './routing.query.js';

/** The switch asks with the app's PARTNER key; the tenant's admin and the operator may ask too (tests, support). */
function requireRouter(ctx: ServiceContext) {
  const actor = requireActor(ctx.actor);
  if (actor.role !== 'PARTNER' && actor.role !== 'TENANT_ADMIN' && actor.role !== 'OPERATOR')
    throw new ForbiddenError('calls are routed with a PARTNER key of the app (or by a TENANT_ADMIN or OPERATOR)');
}

/**
 * Numbers as the switch sends them, parsed once: the same callers and Xs come again and again, and
 * parsing (libphonenumber) is a tenth of a decision's CPU. Only valid numbers are kept; bounded.
 */
const parsed = new Map<string, string>();
function memo(raw: string | null | undefined, parse: () => string): string {
  const hit = raw != null ? parsed.get(raw) : undefined;
  if (hit) return hit;
  const e164 = parse();
  if (parsed.size >= 50_000) parsed.clear();
  parsed.set(raw!, e164);
  return e164;
}

function routeParams(input: RouteCallInput) {
  const caller = memo(input.caller, () => parseParty(input.caller, 'caller'));
  const called = memo(input.called, () => parseX(input.called ?? '', 'called'));
  const ext = input.extension?.trim() || null;
  if (ext !== null && !/^[0-9]{1,4}$/.test(ext)) throw invalid('extension', 'an extension has 1 to 4 digits');
  return { caller, called, extension: ext };
}

/** N5: whatever is decided, a 400 number is never the number shown to the called party (the answer per number kept, bounded). */
const displayRefusals = new Map<string, string | null>();
function guardDisplay(d: RouteDecision): RouteDecision {
  if (d.action !== 'CONNECT') return d;
  let refusal = displayRefusals.get(d.displayNumber);
  if (refusal === undefined) {
    try {
      assertCanDisplayAsCaller({ e164: d.displayNumber });
      refusal = null;
    } catch (err) {
      refusal = (err as Error).message;
    }
    if (displayRefusals.size >= 10_000) displayRefusals.clear();
    displayRefusals.set(d.displayNumber, refusal);
  }
  return refusal === null ? d : reject('DISPLAY_NOT_ALLOWED', refusal, d.matched);
}

type BoundRow = RoutingRow & { binding_id: string; a_e164: string; direction: CallDirection; record: boolean; max_call_minutes: number };

const connect = (matched: RouteMatch, r: BoundRow, callee: string, x: string): RouteConnect => ({
  action: 'CONNECT',
  matched,
  callee,
  displayNumber: x,
  maxDurationSeconds: r.max_call_minutes ? r.max_call_minutes * 60 : null,
  record: r.record,
  bindingId: r.binding_id,
  userData: r.user_data,
});

/** AXB: A calling X reaches B, B calling X reaches A, each only in the binding's direction (8016). */
function axb(r: BoundRow, caller: string, x: string): RouteDecision {
  const fromA = caller === r.a_e164;
  const allowed = r.direction === 'BOTH' || r.direction === (fromA ? 'A_TO_B' : 'B_TO_A');
  if (!allowed) return reject('DIRECTION_NOT_ALLOWED', `the binding on ${x} allows ${r.direction === 'A_TO_B' ? 'A to call B' : 'B to call A'} only`, 'AXB');
  return connect('AXB', r, fromA ? r.b_e164! : r.a_e164, x);
}

/**
 * P8: the decision for one call. Malformed parameters are typed errors naming the parameter
 * (1010002, a malformed called number 1011001); every other outcome is a decision.
 */
export async function routeCall(ctx: ServiceContext, input: RouteCallInput): Promise<RouteDecision> {
  requireRouter(ctx);
  const p = routeParams(input);
  const rows = await runRoutingQuery(ctx, p.called, routingKeys(p), ctx.clock.now());
  const app = rows[0];
  if (!app) return reject('NOT_AN_X', `${p.called} is not a number of this app`);
  const bound = new Map(rows.filter((r) => r.binding_id).map((r) => [r.key!, r as BoundRow]));
  const axe = p.extension ? bound.get(`E:${p.extension}`) : undefined;
  if (axe) return guardDisplay(connect('AXE', axe, axe.a_e164, p.called));
  const party = bound.get(`P:${p.caller}`);
  if (party) return guardDisplay(axb(party, p.caller, p.called));
  const ax = bound.get('AX');
  if (ax) return guardDisplay(connect('AX', ax, ax.a_e164, p.called));
  if (app.app_mode === 'X' && app.call_control_url) return guardDisplay(await askCallControl(ctx, app as CallControlApp, p));
  return reject('NO_BINDING', `no active binding on ${p.called} routes this call${app.app_mode === 'AXE' && !p.extension ? ' (an AXE number needs an extension)' : ''}`);
}

