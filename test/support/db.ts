import { inject } from 'vitest';
import { connect, type Db } from '@callplane/schema';
import { admin, withDb } from './global-setup.js';

let counter = 0;

/** A fresh, migrated database of this run (cloned from the run's template). */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `callplane_${inject('runId')}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 6)}`;
  const adminUrl = inject('adminUrl');
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(adminUrl, `create database ${name} template ${inject('templateDb')}`);
      break;
    } catch (err) {
      // two clones of one template at the same instant: PostgreSQL asks to try again
      if (attempt > 20 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return {
    url: withDb(adminUrl, name),
    drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** A fresh database with a Kysely connection, for service tests. */
export async function openTestDatabase(): Promise<Db & { url: string; drop(): Promise<void> }> {
  const created = await createTestDatabase();
  const d = connect(created.url, { max: 5 });
  return {
    ...d,
    url: created.url,
    drop: async () => {
      await d.close();
      await created.drop();
    },
  };
}
