import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect } from '@callplane/schema';
import { migrateAll } from '@callplane/server/database/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@callplane/server/database/embedded.ts';
import { admin, withDb } from './global-setup.js';

/** Burning a million transaction ids takes about five seconds here; further is not worth a test's time. */
const MAX_BURN = 1_000_000;

/**
 * A migrated database on a cluster of its own that can be brought just below a decimal-digit
 * boundary of the transaction id (9 999 → 10 000, 99 999 → 100 000, …), where a cursor ordered as
 * text breaks.
 *
 * The cluster is a fresh embedded PostgreSQL (it starts near transaction 1 000, so 10 000 is a
 * moment away), never the run's shared one: there the other test files use transaction ids at the
 * same time, and could carry the cluster past the boundary between the burn and the test's first
 * write (the test would then see no id below it).
 */
export async function boundaryDatabase(): Promise<{ url: string; currentTxid(): Promise<bigint>; burnTo(txid: bigint): Promise<void>; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callplane-xid-'));
  const embedded: EmbeddedDatabase = await startEmbeddedPostgres(dir);
  await admin(embedded.url, 'create database boundary');
  const url = withDb(embedded.url, 'boundary');
  const d = connect(url, { max: 2 });
  await migrateAll(d.db, d.pool);
  await d.close();
  return withBurn(url, async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The smallest power of ten above `txid`: where its decimal form gains a digit. */
export function nextBoundary(txid: bigint): bigint {
  return 10n ** BigInt(txid.toString().length);
}

async function currentTxid(url: string): Promise<bigint> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // pg_current_snapshot's xmax: the next id to be assigned, without assigning one
    return BigInt((await c.query<{ next: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as next')).rows[0]!.next);
  } finally {
    await c.end();
  }
}

function withBurn(url: string, drop: () => Promise<void>) {
  return {
    url,
    drop,
    currentTxid: () => currentTxid(url),
    /** Commits empty transactions in a loop until the cluster's next transaction id is at least `txid`. */
    async burnTo(txid: bigint) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('set synchronous_commit = off');
        await c.query(`create or replace procedure pg_temp.burn_xids(n int) language plpgsql as $$
          begin for i in 1..n loop perform pg_current_xact_id(); commit; end loop; end $$`);
        for (;;) {
          const gap = txid - (await currentTxid(url));
          if (gap <= 0n) return;
          if (gap > BigInt(MAX_BURN)) throw new Error(`${gap} transaction ids to burn: more than a test should`);
          await c.query(`call pg_temp.burn_xids($1)`, [Number(gap)]);
        }
      } finally {
        await c.end();
      }
    },
  };
}
