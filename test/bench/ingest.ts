/**
 * `pnpm bench ingest [--check] [--profile] [--runs N]`: call-event ingest (issue 13, C1/C2). On a throw-away
 * database the real server takes a switch's call events through `reportCallEvents` over HTTP:
 * CALLIN / ALERTING / ANSWER / DISCONNECT of many calls on a privacy app's X numbers, reported
 * with the app's PARTNER key in batches of 500 by several concurrent clients (each client owns
 * its calls, as a switch's nodes do, and sends them in time order; a batch mixes calls at every
 * stage, and each DISCONNECT writes a CDR). Baseline in the same run: raw `COPY … FROM STDIN` of
 * the same rows into the same table (call_events), in copies of 500 rows on as many connections.
 * Prints events/s of both and the ratio, and the CPU per event of the server process and of the
 * database's PostgreSQL backends (cpu.ts), so that the side that is the ceiling shows. Goals: ≥ 0.5× COPY and ≥ 20 000 events/s.
 * BENCH_CALLS (default 10 000: 40 000 events) and BENCH_CLIENTS (default 4) change the load;
 * BENCH_WARMUP_CALLS (default 2 000) the uncounted warm-up before it.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { connect } from '@callplane/schema/core';
import { cpuOf } from './cpu.js';
import { flag } from './flags.js';
import { againstBare } from './http.js';
import type { Bench } from './run.js';

const OPERATOR_KEY = 'cp_000000bench0_ingest-bench-operator-key';
const BATCH = 500;
const X_NUMBERS = 20;
const GOAL = { ratio: 0.5, perSecond: 20_000 };
/** When each event of a call happens, seconds after its CALLIN. */
const STEPS = [
  ['CALLIN', 0],
  ['ALERTING', 2],
  ['ANSWER', 6],
  ['DISCONNECT', 75],
] as const;
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field message } } }`;

interface SwitchEvent {
  eventId: string;
  callId: string;
  type: string;
  occurredAt: string;
  caller?: string;
  called?: string;
}

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)} answered ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A tenant, its AXB app with X numbers in the pool (written directly: buying them is not measured), and the app's PARTNER key. */
async function seedIngestApp(url: string, databaseUrl: string) {
  const tenantGid = (await gql(url, OPERATOR_KEY, `mutation { createTenant(name: "Ingest bench") { id } }`)).createTenant.id as string;
  const keyOf = async (role: string, by: string, appId?: string) => {
    const vars = { t: tenantGid, r: role, e: `${role.toLowerCase()}@ingest.example` };
    const user = (await gql(url, OPERATOR_KEY, `mutation($t: ID!, $r: Role!, $e: String!) { createUser(tenantId: $t, name: "ingest", email: $e, role: $r) { id } }`, vars)).createUser.id;
    return (await gql(url, by, `mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`, { u: user, app: appId })).createApiKey.secret as string;
  };
  const admin = await keyOf('TENANT_ADMIN', OPERATOR_KEY);
  const appGid = (await gql(url, admin, `mutation { createPrivacyApp(input: { name: "ingest", mode: AXB }) { app { id } } }`)).createPrivacyApp.app.id as string;
  const partner = await keyOf('PARTNER', admin, appGid);
  const tenantId = Buffer.from(tenantGid, 'base64').toString().split(':')[1]!;
  const { db, close } = connect(databaseUrl, { max: 1 });
  try {
    const now = new Date();
    const base = { type: 'LOCAL' as const, tier: null, province: '上海', city: '上海', carrier: 'CHINA_TELECOM', status: 'ACTIVE' as const, tenant_id: tenantId, qualification_id: null };
    const rows = Array.from({ length: X_NUMBERS }, (_, i) => ({ ...base, e164: `+862156${String(700_000 + i)}`, instance_id: null, application_id: null, call_type: 'INBOUND_ONLY' as const, term_start: now, term_end: null, reserved_until: null, grace_until: null, created_at: now, updated_at: now }));
    const numbers = await db.insertInto('numbers').values(rows).returning(['id', 'e164']).execute();
    await gql(url, admin, `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`, { app: appGid, ids: numbers.map((n) => Buffer.from(`Number:${n.id}`).toString('base64')) });
    const app = await db.selectFrom('privacy_apps').select(['id', 'tenant_id']).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    return { partner, app, xs: numbers.map((n) => n.e164) };
  } finally {
    await close();
  }
}

/**
 * The switch's events, one stream per client: client k owns calls k, k + clients, …; a call
 * starts every 10 ms within the last hour and its events follow STEPS, each stream in time order.
 */
function switchStreams(calls: number, clients: number, xs: string[], runTag: string): SwitchEvent[][] {
  const start = Date.now() - 3_600_000;
  const streams: { at: number; e: SwitchEvent }[][] = Array.from({ length: clients }, () => []);
  for (let c = 0; c < calls; c++) {
    const callId = `${runTag}-${c}`;
    const t0 = start + c * 10;
    for (const [type, s] of STEPS) {
      const at = t0 + s * 1000;
      const e: SwitchEvent = { eventId: `${callId}-${type}`, callId, type, occurredAt: new Date(at).toISOString() };
      if (type === 'CALLIN') Object.assign(e, { caller: `+86139${String(c).padStart(8, '0')}`, called: xs[c % xs.length] });
      streams[c % clients]!.push({ at, e });
    }
  }
  return streams.map((s) => s.sort((a, b) => a.at - b.at).map((x) => x.e));
}

const chunks = <T>(list: T[], size: number) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/** Each client reports its stream in batches of 500, one request at a time; every item must be STORED. */
async function reportAll(url: string, key: string, streams: SwitchEvent[][]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    streams.map(async (stream) => {
      for (const batch of chunks(stream, BATCH)) {
        const results = (await gql(url, key, REPORT, { events: batch })).reportCallEvents as { status: string; error: unknown }[];
        const bad = results.find((r) => r.status !== 'STORED');
        if (bad) throw new Error(`an event was not stored: ${JSON.stringify(bad)}`);
      }
    }),
  );
  return performance.now() - started;
}

/** A `COPY … FROM STDIN` through pg's Submittable interface: the rows' text-format lines, sent as one chunk. */
class CopyIn {
  private error: Error | null = null;
  constructor(
    readonly text: string,
    private readonly data: string,
    private readonly done: (err: Error | null) => void,
  ) {}
  submit(connection: any) {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: any) {
    connection.sendCopyFromChunk(Buffer.from(this.data));
    connection.endCopyFrom();
  }
  handleError(err: Error) {
    this.error = err;
  }
  handleReadyForQuery() {
    this.done(this.error);
  }
  handleCommandComplete() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyData() {}
}

const copyIn = (client: pg.Client, text: string, data: string) => new Promise<void>((resolve, reject) => client.query(new CopyIn(text, data, (err) => (err ? reject(err) : resolve())) as any));

/** The call_events rows of the same events as Callplane stores them, as COPY text lines, per client. */
function eventRows(streams: SwitchEvent[][], app: { id: string; tenant_id: string }): string[][] {
  const callIds = new Map<string, string>();
  const receivedAt = new Date().toISOString();
  return streams.map((stream) =>
    stream.map((e) => {
      const callId = callIds.get(e.callId) ?? callIds.set(e.callId, randomUUID()).get(e.callId)!;
      const payload = e.type === 'CALLIN' ? JSON.stringify({ caller: e.caller, called: e.called }) : '{}';
      return `${app.tenant_id}\t${app.id}\t\\N\t${callId}\t${e.eventId}\t${e.type}\t${e.occurredAt}\t${receivedAt}\t${payload}\n`;
    }),
  );
}

/** The copies' wall time and the CPU (µs) of the PostgreSQL backends of the database while they ran (the copies' own connections included). */
async function copyAll(databaseUrl: string, rows: string[][]): Promise<{ ms: number; postgresUs: number }> {
  const clients = await Promise.all(rows.map(async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    return c;
  }));
  try {
    const text = 'copy call_events (tenant_id, app_id, instance_id, call_id, switch_event_id, type, occurred_at, received_at, payload) from stdin';
    const before = await cpuOf(databaseUrl, process.pid);
    const started = performance.now();
    await Promise.all(rows.map(async (lines, i) => {
      for (const part of chunks(lines, BATCH)) await copyIn(clients[i]!, text, part.join(''));
    }));
    const ms = performance.now() - started;
    const after = await cpuOf(databaseUrl, process.pid);
    return { ms, postgresUs: after.postgres - before.postgres };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function countEvents(databaseUrl: string, like: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return Number((await c.query('select count(*)::int as n from call_events where switch_event_id like $1', [like])).rows[0].n);
  } finally {
    await c.end();
  }
}

export const ingest: Bench = ({ check, args }) =>
  againstBare('ingest', { key: OPERATOR_KEY, check, args }, async ({ server, url, databaseUrl, windows, loadLine }) => {
    const calls = Number(process.env.BENCH_CALLS ?? 10_000);
    const clients = Number(process.env.BENCH_CLIENTS ?? 4);
    const { partner, app, xs } = await seedIngestApp(url, databaseUrl);
    // a warm-up that is not counted (the month's partitions, the pools' connections, V8's optimised
    // code: a server that has run for a while), by the same clients: BENCH_WARMUP_CALLS (default 2 000)
    const warmCalls = Number(process.env.BENCH_WARMUP_CALLS ?? 2_000);
    await reportAll(url, partner, switchStreams(warmCalls, clients, xs, 'warm'));

    // one measured run: Callplane's report of fresh calls, then COPY of as many rows
    const events = calls * STEPS.length;
    const measure = async (tag: string) => {
      const streams = switchStreams(calls, clients, xs, `api${tag}`);
      const cpuBefore = await cpuOf(databaseUrl, server.pid!);
      const clientBefore = process.cpuUsage();
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const apiMs = await reportAll(url, partner, streams);
      const client = process.cpuUsage(clientBefore);
      windows.push({ name: 'reportCallEvents', fromUs, toUs: Number(process.hrtime.bigint() / 1000n) });
      const cpuAfter = await cpuOf(databaseUrl, server.pid!);
      const stored = await countEvents(databaseUrl, `api${tag}-%`);
      if (stored !== events) throw new Error(`Callplane stored ${stored} of ${events} events`);
      const { ms: copyMs, postgresUs: copyPostgresUs } = await copyAll(databaseUrl, eventRows(switchStreams(calls, clients, xs, `copy${tag}`), app));
      const copied = await countEvents(databaseUrl, `copy${tag}-%`);
      if (copied !== events) throw new Error(`COPY wrote ${copied} of ${events} rows`);
      const api = events / (apiMs / 1000);
      const copy = events / (copyMs / 1000);
      return { apiMs, copyMs, api, copy, ratio: api / copy, serverUs: (cpuAfter.server - cpuBefore.server) / events, postgresUs: (cpuAfter.postgres - cpuBefore.postgres) / events, clientUs: (client.user + client.system) / events, copyPostgresUs: copyPostgresUs / events };
    };
    // --runs N: N measured runs in a row (each on fresh calls), reported one by one and judged by their medians
    const runs: Awaited<ReturnType<typeof measure>>[] = [];
    for (let r = 1; r <= Math.max(1, flag(args, '--runs', 1)); r++) runs.push(await measure(runs.length ? `R${r}` : ''));
    const median = (of: (m: (typeof runs)[number]) => number) => [...runs.map(of)].sort((x, y) => x - y)[Math.floor((runs.length - 1) / 2)]!;
    const { api, copy, ratio } = { api: median((m) => m.api), copy: median((m) => m.copy), ratio: median((m) => m.ratio) };
    const cpu = cpus();
    console.log(`\npnpm bench ingest: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, ${calls.toLocaleString('en')} calls × 4 events = ${events.toLocaleString('en')} events, ${clients} clients, batches of ${BATCH}${runs.length > 1 ? `, ${runs.length} runs (medians)` : ''}`);
    console.log(loadLine());
    const perEvent = (us: number) => `${Math.round(us)} µs`;
    if (runs.length > 1)
      for (const [i, m] of runs.entries())
        console.log(`run ${i + 1}: Callplane ${Math.round(m.api).toLocaleString('en')} events/s, COPY ${Math.round(m.copy).toLocaleString('en')} rows/s, ratio ${m.ratio.toFixed(2)}; CPU per event: server ${perEvent(m.serverUs)}, PostgreSQL ${perEvent(m.postgresUs)}, clients ${perEvent(m.clientUs)}`);
    const rows = [
      ['path', 'events/s', 'seconds'],
      ['Callplane reportCallEvents over HTTP (PARTNER key)', Math.round(api).toLocaleString('en'), (median((m) => m.apiMs) / 1000).toFixed(2)],
      ['raw COPY into call_events', Math.round(copy).toLocaleString('en'), (median((m) => m.copyMs) / 1000).toFixed(2)],
      ['ratio', ratio.toFixed(2), ''],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    // which side is the ceiling: the server process or the database's backends
    const busy = (us: number) => Math.round(((us * events) / 1000 / median((m) => m.apiMs)) * 100);
    const [serverUs, postgresUs] = [median((m) => m.serverUs), median((m) => m.postgresUs)];
    console.log(`CPU per event: Callplane server process ${perEvent(serverUs)}, PostgreSQL backends of the bench database ${perEvent(postgresUs)} (busy ${busy(serverUs)} % / ${busy(postgresUs)} % of one core), this bench's own clients ${perEvent(median((m) => m.clientUs))}; raw COPY: PostgreSQL backends ${perEvent(median((m) => m.copyPostgresUs))} per row`);
    const met = ratio >= GOAL.ratio && api >= GOAL.perSecond;
    console.log(`goals: ratio ≥ ${GOAL.ratio} (${ratio.toFixed(2)}: ${ratio >= GOAL.ratio ? 'met' : 'MISSED'}), ≥ ${GOAL.perSecond.toLocaleString('en')} events/s (${Math.round(api).toLocaleString('en')}: ${api >= GOAL.perSecond ? 'met' : 'MISSED'})`);
    return met;
  });
