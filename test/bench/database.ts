import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@callplane/server/database/embedded.ts';
import { admin, withDb } from '../support/global-setup.js';

export interface BenchDatabase {
  /** An empty database of its own, not migrated: the server under test migrates it. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A throw-away database for one benchmark: on DATABASE_URL or the machine's PostgreSQL when
 * reachable, else on an embedded PostgreSQL in a temporary folder. `drop()` removes all of it.
 */
export async function throwAwayDatabase(name: string): Promise<BenchDatabase> {
  const server = await postgresServer();
  const dbName = `callplane_bench_${name}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await admin(server.url, `create database ${dbName}`);
  return {
    url: withDb(server.url, dbName),
    async drop() {
      await admin(server.url, `drop database if exists ${dbName} with (force)`);
      await server.stop();
    },
  };
}

async function postgresServer(): Promise<{ url: string; stop(): Promise<void> }> {
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
