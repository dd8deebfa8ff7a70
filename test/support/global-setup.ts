import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connect } from '@callplane/schema';
import { migrateAll } from '@callplane/server/database/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@callplane/server/database/embedded.ts';
import { findChromium, type ChromiumChoice } from './chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    runId: string;
    chromium: ChromiumChoice;
  }
}

/**
 * One run = one template database, migrated once; each test file clones it (CREATE DATABASE …
 * TEMPLATE) and everything this run made is dropped at the end. Uses DATABASE_URL or the
 * machine's PostgreSQL when there is one, else an embedded PostgreSQL in a temporary folder.
 * The browser for the browser tests is chosen (and unpacked when needed) here, once per run.
 */
export default async function setup(project: TestProject) {
  const chromium = await findChromium();
  project.provide('chromium', chromium);
  process.stdout.write(`browser tests use ${chromium.description}\n`);
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let embedded: EmbeddedDatabase | null = null;
  let tmp: string | null = null;
  let adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(await reachable(adminUrl))) {
    if (process.env.CI === 'true' && (process.env.DATABASE_URL || process.env.TEST_DATABASE_URL))
      throw new Error(`the configured database ${adminUrl} is not reachable`);
    tmp = mkdtempSync(join(tmpdir(), 'callplane-test-pg-'));
    embedded = await startEmbeddedPostgres(tmp);
    adminUrl = embedded.url;
  }
  const templateDb = `callplane_${runId}_tpl`;
  await admin(adminUrl, `create database ${templateDb}`);
  const d = connect(withDb(adminUrl, templateDb), { max: 2 });
  await migrateAll(d.db, d.pool);
  await d.close();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  project.provide('runId', runId);

  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`callplane_${runId}_%`]);
    for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    await c.end();
    if (embedded) await embedded.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function admin(url: string, statement: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
