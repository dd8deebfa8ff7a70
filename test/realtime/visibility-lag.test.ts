import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestOpenWriter } from '@callplane/schema';
import { createLogger } from '@callplane/server';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';

const warnings: { pid?: number; database?: string; msg: string }[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) {
      const line = JSON.parse(l);
      if (line.level === 40) warnings.push(line);
    }
    done();
  },
});

let t: TestApp;
let other: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await startTestApp({ log: createLogger('warn', sink), visibilityLag: { intervalMs: 100, warnAfterSeconds: 0 } });
  other = await createTestDatabase();
});
afterAll(async () => {
  await t?.stop();
  await other?.drop();
});

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lagOf = async () => Number(/^callplane_event_visibility_lag_seconds (\S+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1]);

describe('RT1: a long transaction holding back event delivery is visible', () => {
  it('the lag gauge rises and a warning names the backend, its database and age; both clear when it ends', async () => {
    // a writing transaction in another database of the same cluster, left open
    const holder = new pg.Client({ connectionString: other.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select pg_current_xact_id()');
    const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

    expect(await until(lagOf, (lag) => lag > 0)).toBeGreaterThan(0);
    const warning = await until(
      async () => warnings.find((w) => w.pid === pid),
      (w) => !!w,
    );
    expect(warning!.database).toBe(new URL(other.url).pathname.slice(1));
    expect(warning!.msg).toMatch(new RegExp(`backend ${pid}`));

    await holder.query('rollback');
    await holder.end();
    // only this test's own holder is known to end; other runs on the cluster may hold one of their own
    await until(
      () => oldestOpenWriter(t.app.db),
      (hold) => hold?.pid !== pid,
    );
  });
});
