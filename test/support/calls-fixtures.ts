import type { TestApp } from './app.js';
import { ok } from './graphql.js';

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field message } } }`;

/**
 * C1, C2 rows for the isolation matrix: in each tenant, through its admin key, one call to the X of
 * its privacy app that is answered and ended (a Call and its Cdr, CALL_EVENT and CDR_CREATED
 * events) and one still ringing (a live Call). `x` is the X number of each tenant's app (E.164).
 */
export async function isolationCalls(t: TestApp, tenants: { tag: string; adminKey: string; x: string }[]): Promise<void> {
  const start = t.clock.now().getTime() - 600_000;
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  for (const { tag, adminKey, x } of tenants) {
    const ev = (call: string, type: string, s: number, extra: Record<string, unknown> = {}) => ({ eventId: `iso-${tag}-${call}-${type}`, callId: `iso-${tag}-${call}`, type, occurredAt: at(s), ...extra });
    const events = [
      ev('ended', 'CALLIN', 0, { caller: '13700000001', called: x }),
      ev('ended', 'ANSWER', 4),
      ev('ended', 'DISCONNECT', 70),
      ev('ringing', 'CALLIN', 80, { caller: '13700000002', called: x }),
    ];
    const results = ok(await t.gql(REPORT, { events }, adminKey)).reportCallEvents as { status: string; error: unknown }[];
    if (results.some((r) => r.status !== 'STORED')) throw new Error(`calls of ${tag}: ${JSON.stringify(results)}`);
  }
}
