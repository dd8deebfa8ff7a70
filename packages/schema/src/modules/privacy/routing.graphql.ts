// P8: routeCall in GraphQL, the switch's question for each call to an app's number.
import { builder } from '../../graphql/builder.js';
import { routeCall, ROUTE_MATCHES, ROUTE_STATE_CODES, type RouteDecision } from './routing.js';

const RouteActionEnum = builder.enumType('RouteAction', { values: ['CONNECT', 'REJECT'] as const });
const RouteMatchEnum = builder.enumType('RouteMatch', {
  values: ROUTE_MATCHES,
  description: 'P8: the step of the lookup order that decided: AXE (X + extension), AXB (X, caller), AX (X), CALL_CONTROL (X mode), FALLBACK (X mode, no usable answer).',
});

const codes = Object.entries(ROUTE_STATE_CODES)
  .map(([name, code]) => `${code} ${name}`)
  .join(', ');

const RouteDecisionRef = builder.objectRef<RouteDecision>('RouteDecision').implement({
  description: `P8: CONNECT (callee, number to display, max duration, record flag, binding, user data) or REJECT (state code and reason). State codes: ${codes}.`,
  fields: (t) => ({
    action: t.field({ type: RouteActionEnum, resolve: (d) => d.action }),
    matched: t.field({ type: RouteMatchEnum, nullable: true, resolve: (d) => d.matched }),
    callee: t.string({ nullable: true, description: 'CONNECT: the number the call goes to, E.164.', resolve: (d) => (d.action === 'CONNECT' ? d.callee : null) }),
    displayNumber: t.string({ nullable: true, description: 'CONNECT: the number shown to the callee (never a 400 number: N5).', resolve: (d) => (d.action === 'CONNECT' ? d.displayNumber : null) }),
    maxDurationSeconds: t.int({ nullable: true, description: 'CONNECT: the longest the call may last; null = unlimited.', resolve: (d) => (d.action === 'CONNECT' ? d.maxDurationSeconds : null) }),
    record: t.boolean({ nullable: true, resolve: (d) => (d.action === 'CONNECT' ? d.record : null) }),
    bindingId: t.globalID({
      nullable: true,
      description: 'The PrivacyBinding that routed the call (stored modes).',
      resolve: (d) => (d.action === 'CONNECT' && d.bindingId ? { type: 'PrivacyBinding', id: d.bindingId } : null),
    }),
    userData: t.string({ nullable: true, resolve: (d) => (d.action === 'CONNECT' ? d.userData : null) }),
    stateCode: t.string({ nullable: true, description: `REJECT: ${codes}.`, resolve: (d) => (d.action === 'REJECT' ? d.stateCode : null) }),
    reason: t.string({ nullable: true, description: 'REJECT: why; FALLBACK: why the call-control answer was not used.', resolve: (d) => d.reason ?? null }),
  }),
});

builder.queryFields((t) => ({
  routeCall: t.field({
    type: RouteDecisionRef,
    description:
      'P8: where a call to an app’s number goes, in the lookup order AXE → AXB → AX → X-mode call control → 8014. For the app’s PARTNER keys (the switch); a TENANT_ADMIN or OPERATOR may ask too. A read: nothing is written.',
    authScopes: { authenticated: true },
    args: {
      caller: t.arg.string({ description: 'The calling number.' }),
      called: t.arg.string({ description: 'The number called: an X of the app.' }),
      extension: t.arg.string({ required: false, description: 'AXE: the extension dialled after X.' }),
    },
    resolve: (_r, args, ctx) => routeCall(ctx, args),
  }),
}));
