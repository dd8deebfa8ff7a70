/**
 * `pnpm bench queries`: in-process figures for the hot paths (yoga.fetch, no network), each
 * against a bare query measured in the same run.
 */
import { inTransaction, readEventsAfter, START, SYSTEM, createTenant, type ServiceContext } from '@callplane/schema';
import { createApp } from '@callplane/server';
import { sql } from 'kysely';
import { seedOperatorKey } from '../support/context.js';
import { throwAwayDatabase } from './database.js';
import type { Bench } from './run.js';

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

export const queries: Bench = async () => {
  const database = await throwAwayDatabase('queries');
  const app = await createApp({ databaseUrl: database.url, logLevel: 'silent', dashboardDir: null, inlineWorker: false });
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
    return true; // figures only, no goal
  } finally {
    await app.stop();
    await database.drop();
  }
};
