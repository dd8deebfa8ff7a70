import { connect, SYSTEM, SystemClock, type Db, type ServiceContext } from '@callplane/schema/core';
import { loadConfig, type Config } from '../config.js';
import { createRuntimeBus } from '../runtime/bus.js';
import { loadEnvFile } from '../runtime/env.js';
import { describeMigrations, migrateDatabase, openRuntimeDatabase } from '../runtime/database.js';

/** Progress for the terminal (stderr): results go to stdout, so that they can be piped. */
export async function step<T>(label: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T> {
  const started = Date.now();
  process.stderr.write(`• ${label} …\n`);
  const result = await work();
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`  ${done ? done(result) : 'done'} (${secs} s)\n`);
  return result;
}

/** `.env` (see .env.example), then the environment, validated. */
export function readConfig(): Config {
  loadEnvFile();
  return loadConfig();
}

export const note = (line: string) => process.stderr.write(`  ${line}\n`);

export interface Session {
  config: Config;
  db: Db;
  /** Runs as the system: operator powers, no user. */
  ctx: ServiceContext;
  applied: string[];
}

/**
 * Opens the database like the server does (DATABASE_URL, or the embedded PostgreSQL under
 * CALLPLANE_DATA_DIR, shared with a running server), applies pending migrations, runs `work`,
 * and closes everything again.
 */
export async function withSession<T>(work: (s: Session) => Promise<T>): Promise<T> {
  const config = readConfig();
  const database = await step('opening the database', () => openRuntimeDatabase(config, note), (d) => d.description);
  try {
    const applied = await step('applying migrations', () => migrateDatabase(database.url), (a) => `migrations applied: ${describeMigrations(a)}`);
    const db = connect(database.url, { max: 4 });
    const bus = createRuntimeBus(config.redisUrl);
    try {
      const ctx: ServiceContext = { db: db.db, clock: new SystemClock(), bus: bus.bus, actor: SYSTEM, settings: config.settings };
      return await work({ config, db, ctx, applied });
    } finally {
      bus.close();
      await db.close();
    }
  } finally {
    await database.stop();
  }
}
