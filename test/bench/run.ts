/**
 * `pnpm bench`: figures for the hot paths, each against a bare baseline measured in the same run.
 * Uses DATABASE_URL (or the machine's PostgreSQL) with a throw-away database; else embedded PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { createTenant, inTransaction, readEventsAfter, START, SYSTEM, type ServiceContext } from '@callplane/schema';
import { createApp } from '@callplane/server';
import { startEmbeddedPostgres } from '@callplane/server/database/embedded.ts';
import { seedOperatorKey } from '../support/context.js';

async function measure(name: string, iterations: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(50, iterations); i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { name, iterations, ms, perOp: ms / iterations, opsPerSec: (iterations / ms) * 1000 };
}

function report(pairs: [Awaited<ReturnType<typeof measure>>, Awaited<ReturnType<typeof measure>>][]) {
  console.log('\n' + ['benchmark', 'ops/s', 'ms/op', 'baseline', 'baseline ops/s', 'ratio'].join('\t'));
  for (const [subject, base] of pairs)
    console.log(
      [subject.name, subject.opsPerSec.toFixed(0), subject.perOp.toFixed(3), base.name, base.opsPerSec.toFixed(0), `${(base.perOp ? subject.perOp / base.perOp : 0).toFixed(2)}x`].join('\t'),
    );
}

async function adminUrl(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return { url, stop: async () => {} };
  } catch {
    const dir = mkdtempSync(join(tmpdir(), 'callplane-bench-'));
    const e = await startEmbeddedPostgres(dir);
    return { url: e.url, stop: async () => (await e.stop(), rmSync(dir, { recursive: true, force: true })) };
  }
}

const server = await adminUrl();
const dbName = `callplane_bench_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
await admin.query(`create database ${dbName}`);
const u = new URL(server.url);
u.pathname = `/${dbName}`;
const app = await createApp({ databaseUrl: u.toString(), logLevel: 'silent', dashboardDir: null, inlineWorker: false });
try {
  const ctx: ServiceContext = app.systemContext();
  const key = await seedOperatorKey(ctx);
  for (let i = 0; i < 20; i++) await createTenant(ctx, { name: `Bench ${i}` });
  await inTransaction({ ...ctx, actor: SYSTEM }, async (tx) => {
    for (let i = 0; i < 1000; i++) await tx.emit({ type: 'TENANT_CREATED', tenantId: null, subjectId: String(i), payload: { i } });
  });
  const post = async (query: string) =>
    (await app.yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    })).json();

  const n = Number(process.env.BENCH_ITERATIONS ?? 500);
  report([
    [await measure('graphql { viewer } (auth + execute)', n, () => post('{ viewer { role } }')), await measure('bare SQL select 1', n, () => sql`select 1`.execute(app.db))],
    [
      await measure('graphql tenants(first: 20)', n, () => post('{ tenants(first: 20) { edges { node { id name } } } }')),
      await measure('bare SQL 20 tenants', n, () => app.db.selectFrom('tenants').selectAll().orderBy('created_at', 'desc').limit(20).execute()),
    ],
    [
      await measure('readEventsAfter (page of 100)', n, () => readEventsAfter(app.db, START, {}, 100)),
      await measure('bare SQL 100 events by seq', n, () => app.db.selectFrom('events').selectAll().orderBy('seq').limit(100).execute()),
    ],
  ]);
} finally {
  await app.stop();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await server.stop();
}
