import pg from 'pg';
import { connect } from '@callplane/schema/core';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { migrateAll } from '../database/migrate.js';
import { fromRoot, shown } from './paths.js';

export interface RuntimeDatabase {
  url: string;
  /** For the one start-up log line: which PostgreSQL this is. */
  description: string;
  /** Stops the embedded PostgreSQL when this process started it; nothing for DATABASE_URL. */
  stop(): Promise<void>;
}

const EMBEDDED_DB = 'callplane';

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under CALLPLANE_DATA_DIR with a `callplane` database. */
export async function openRuntimeDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, log: (line: string) => void): Promise<RuntimeDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, description: `PostgreSQL at ${redacted(config.databaseUrl)} (DATABASE_URL)`, stop: async () => {} };
  const embedded = await startEmbeddedPostgres(fromRoot(config.dataDir), log);
  try {
    await createDatabaseIfMissing(embedded.url, EMBEDDED_DB);
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  const url = new URL(embedded.url);
  url.pathname = `/${EMBEDDED_DB}`;
  return {
    url: url.toString(),
    description:
      `embedded PostgreSQL ${embedded.version} at ${shown(embedded.dataDir)} on port ${embedded.port}` +
      (embedded.owned ? '' : ' (started by the Callplane already running there)'),
    stop: () => embedded.stop(),
  };
}

/** Runs every pending migration; returns the names just applied. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const d = connect(url, { max: 2 });
  try {
    return await migrateAll(d.db, d.pool);
  } finally {
    await d.close();
  }
}

export const describeMigrations = (applied: string[]) => (applied.length ? applied.join(', ') : 'none pending');

async function createDatabaseIfMissing(adminUrl: string, name: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await c.query(`create database ${c.escapeIdentifier(name)}`);
  } finally {
    await c.end();
  }
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return `${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}
