/**
 * `pnpm bench routing [--check] [--profile]`: the routing decision (issue 12, P8), the hot path. The
 * real server and a bare node:http + pg handler doing the same lookup in one hand-written query
 * (routing-bare.ts) run side by side on one throw-away database holding 100 000 active AXB
 * bindings (20 X numbers × 5 000 pairs, written with INSERT … SELECT per X). autocannon, in a
 * process of its own, loads each side with routeCall of the app's PARTNER key: first as fast as it
 * answers (req/s, p50, p99, the ratio), then at a fixed 2 000 req/s (p50, p99).
 * Goals: ratio ≥ 0.5 and Callplane's p99 < 5 ms at 2 000 req/s; `--check` exits 1 when missed.
 */
import { cpus } from 'node:os';
import { connect } from '@callplane/schema/core';
import { seedAxbBindings, seededParty } from '../../packages/schema/src/modules/privacy/routing.seed.js';
import { againstBare, startBare } from './http.js';
import { load, type LoadResult } from './load.js';
import type { Bench } from './run.js';

const OPERATOR_KEY = 'cp_000000bench0_routing-bench-operator-key';
const CONNECTIONS = 20;
const X_NUMBERS = 20;
const PAIRS_PER_X = 5000;
const RATE = 2000;
const GOAL = { ratio: 0.5, p99Ms: 5 };
const QUERY = `query($caller: String!, $called: String!) {
  routeCall(caller: $caller, called: $called) { action matched callee displayNumber maxDurationSeconds record bindingId userData stateCode reason }
}`;

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)} answered ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A tenant with an admin, an AXB app with 20 numbers in its pool, and the app's PARTNER key. */
async function seedApp(url: string, databaseUrl: string) {
  const tenant = (await gql(url, OPERATOR_KEY, `mutation { createTenant(name: "Routing bench") { id } }`)).createTenant.id as string;
  const userKey = async (role: string, appId?: string, adminKey = OPERATOR_KEY) => {
    const user = (await gql(url, OPERATOR_KEY, `mutation($t: ID!, $r: Role!) { createUser(tenantId: $t, name: "bench ${role}", email: "${role.toLowerCase()}@bench.example", role: $r) { id } }`, { t: tenant, r: role })).createUser.id;
    return (await gql(url, adminKey, `mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`, { u: user, app: appId })).createApiKey.secret as string;
  };
  const admin = await userKey('TENANT_ADMIN');
  const appGid = (await gql(url, admin, `mutation { createPrivacyApp(input: { name: "rides", mode: AXB }) { app { id } } }`)).createPrivacyApp.app.id as string;
  const partner = await userKey('PARTNER', appGid, admin);
  // the tenant's ACTIVE numbers, written directly (buying 20 numbers through orders is not what is measured)
  const { db, close } = connect(databaseUrl, { max: 2 });
  try {
    const tenantId = Buffer.from(tenant, 'base64').toString().split(':')[1]!;
    const now = new Date();
    const numbers = await db
      .insertInto('numbers')
      .values(Array.from({ length: X_NUMBERS }, (_, i) => ({ e164: `+862155${String(900_000 + i).padStart(6, '0')}`, type: 'LOCAL' as const, tier: null, province: '上海', city: '上海', carrier: 'CHINA_TELECOM', status: 'ACTIVE' as const, tenant_id: tenantId, qualification_id: null, instance_id: null, application_id: null, call_type: 'INBOUND_ONLY' as const, term_start: now, term_end: null, reserved_until: null, grace_until: null, created_at: now, updated_at: now })))
      .returning(['id', 'e164'])
      .execute();
    const ids = numbers.map((n) => Buffer.from(`Number:${n.id}`).toString('base64'));
    await gql(url, admin, `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`, { app: appGid, ids });
    const app = await db.selectFrom('privacy_apps').select(['id', 'tenant_id']).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    const xs = await db.selectFrom('privacy_pool_numbers').select(['number_id', 'e164']).where('app_id', '=', app.id).orderBy('e164').execute();
    const started = Date.now();
    await seedAxbBindings(db, app, xs, PAIRS_PER_X, now, (done, total) => process.stdout.write(`\rseeding active bindings: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`));
    process.stdout.write(` (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return { partner, xs: xs.map((x) => x.e164) };
  } finally {
    await close();
  }
}

export const routing: Bench = ({ check, args }) =>
  againstBare('routing', { key: OPERATOR_KEY, check, args }, async ({ server, url: callplane, databaseUrl, children, windows, loadLine }) => {
    const seconds = Number(process.env.BENCH_SECONDS ?? 5);
    const { partner, xs } = await seedApp(callplane, databaseUrl);

    const { child: bare, port: barePort } = await startBare(new URL('./routing-bare.ts', import.meta.url), databaseUrl, children);
    const bareUrl = `http://127.0.0.1:${barePort}`;

    // a pair in the middle of the seeded ones, on the last X: B calls X and reaches A
    const variables = { caller: seededParty(2500, 'b').replace('+86', ''), called: xs[xs.length - 1]! };
    const answers = await Promise.all([callplane, bareUrl].map((url) => gql(url, partner, QUERY, variables)));
    if (answers[0].routeCall.action !== 'CONNECT' || answers[0].routeCall.callee !== seededParty(2500, 'a')) throw new Error(`Callplane answered ${JSON.stringify(answers[0])}`);
    if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) throw new Error(`the two sides differ:\n${JSON.stringify(answers[0])}\n${JSON.stringify(answers[1])}`);

    const opts = { body: JSON.stringify({ query: QUERY, variables }), headers: { 'content-type': 'application/json', authorization: `Bearer ${partner}` }, connections: CONNECTIONS, seconds, warmupSeconds: 1 };
    const measure = async (name: string, rate?: number) => {
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const c = await load({ ...opts, rate, url: `${callplane}/graphql`, serverPid: server.pid });
      windows.push({ name, fromUs, toUs: Number(process.hrtime.bigint() / 1000n) });
      const b = await load({ ...opts, rate, url: `${bareUrl}/graphql`, serverPid: bare.pid });
      if (c.failures || b.failures) throw new Error(`failed requests under load: Callplane ${c.failures}, bare ${b.failures}`);
      return { callplane: c, bare: b };
    };
    const max = await measure('routeCall, as fast as answered');
    const fixed = await measure(`routeCall at ${RATE} req/s`, RATE);

    const cpu = cpus();
    console.log(`\npnpm bench routing: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, ${(X_NUMBERS * PAIRS_PER_X).toLocaleString('en')} active bindings, autocannon -c ${CONNECTIONS} -d ${seconds} (after 1 s warm-up), each side in its own process`);
    console.log(loadLine());
    const fig = (r: LoadResult) => `${Math.round(r.reqPerSec).toLocaleString('en')} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.cpuUsPerRequest === null ? '' : `, ${Math.round(r.cpuUsPerRequest)} µs CPU/req`}`;
    const ratio = max.callplane.reqPerSec / max.bare.reqPerSec;
    const rows = [
      ['load', 'Callplane (GraphQL routeCall)', 'bare node:http + pg', 'ratio'],
      ['as fast as answered', fig(max.callplane), fig(max.bare), ratio.toFixed(2)],
      [`-R ${RATE}`, fig(fixed.callplane), fig(fixed.bare), ''],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    const met = ratio >= GOAL.ratio && fixed.callplane.p99 < GOAL.p99Ms;
    console.log(`goals: ratio ≥ ${GOAL.ratio} (${ratio.toFixed(2)}: ${ratio >= GOAL.ratio ? 'met' : 'MISSED'}), p99 < ${GOAL.p99Ms} ms at ${RATE} req/s (${fixed.callplane.p99} ms: ${fixed.callplane.p99 < GOAL.p99Ms ? 'met' : 'MISSED'})`);

    return met;
  });
