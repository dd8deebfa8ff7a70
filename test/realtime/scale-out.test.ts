import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal, gid } from '../support/graphql.js';
import { createTestDatabase } from '../support/db.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EVENTS = `subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { subjectId } }`;

async function redisReachable() {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

// Redis runs on the CI machine; a developer's laptop without it skips (visibly), CI never does.
const haveRedis = await redisReachable();
if (!haveRedis && process.env.CI === 'true') throw new Error(`Redis is not reachable at ${REDIS_URL}`);

/**
 * Two server instances on one database, each with its own bus; the safety poll is made slow, and
 * resolved keys are kept a minute, so that only the bus can deliver an event or a revocation in time.
 */
async function pair(redisUrl?: string) {
  const db = await createTestDatabase();
  const settings = { eventPollMs: 60_000, actorCacheMs: 60_000 };
  const a = await startTestApp({ databaseUrl: db.url, redisUrl, settings });
  const b = await startTestApp({ databaseUrl: db.url, redisUrl, settings });
  return { a, b, stop: async () => (await a.stop(), await b.stop(), await db.drop()) };
}

describe.skipIf(!haveRedis)('RT2: scale-out over Redis', () => {
  let withRedis: Awaited<ReturnType<typeof pair>>;
  let inProcess: Awaited<ReturnType<typeof pair>>;
  beforeAll(async () => {
    withRedis = await pair(REDIS_URL);
    inProcess = await pair(undefined);
  });
  afterAll(async () => {
    await withRedis?.stop();
    await inProcess?.stop();
  });

  const createOn = (app: TestApp, name: string) => app.gql(`mutation($n: String!) { createTenant(name: $n) { id name } }`, { n: name });

  it('RT2: a subscriber on server A receives at once an event caused by a mutation on server B', async () => {
    const sub = collect<{ events: { subjectId: string } }>(withRedis.a.wsClient(withRedis.a.operatorKey), EVENTS, { after: await withRedis.a.cursor() });
    // The first event proves the subscription is running (it may arrive by replay) …
    await createOn(withRedis.a, 'Made on A');
    await sub.waitFor(() => sub.items.length >= 1);
    // … then one made on B can only arrive this fast through Redis (the table re-read is 60 s away).
    const started = Date.now();
    const created = await createOn(withRedis.b, 'Made on B');
    expect(created.errors).toBeUndefined();
    await sub.waitFor(() => sub.items.length >= 2, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  /** A TENANT_ADMIN key that both servers have resolved (and keep), and how to revoke it on A. */
  async function keyKnownToBoth(p: Awaited<ReturnType<typeof pair>>, name: string) {
    const tenant = await p.a.tenant(name);
    const key = tenant.keys.admin;
    for (const app of [p.a, p.b]) expect((await viewer(app, key)).data?.viewer.role).toBe('TENANT_ADMIN');
    const revokeOnA = () => p.a.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { revokedAt } }`, { k: gid('ApiKey', tenant.admin.keyId) });
    return { key, revokeOnA };
  }
  const viewer = (app: TestApp, key: string) => app.gql<{ viewer: { role: string } }>('{ viewer { role } }', {}, key);

  it('a key revoked on server A is refused by A at once and by server B as soon as the notice arrives over Redis', async () => {
    const { key, revokeOnA } = await keyKnownToBoth(withRedis, 'Revoked across processes');
    expect((await revokeOnA()).errors).toBeUndefined();
    expect((await viewer(withRedis.a, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // B keeps resolved keys a minute here: only the API_KEY_REVOKED notice can make it refuse now
    const until = Date.now() + 5000;
    let onB = await viewer(withRedis.b, key);
    while (!onB.errors && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      onB = await viewer(withRedis.b, key);
    }
    expect(onB.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('(control) with in-process buses only, server B learns of A’s revocation only when its cached key expires', async () => {
    const { key, revokeOnA } = await keyKnownToBoth(inProcess, 'Revoked, unheard');
    expect((await revokeOnA()).errors).toBeUndefined();
    expect((await viewer(inProcess.a, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await viewer(inProcess.b, key)).data?.viewer.role).toBe('TENANT_ADMIN');
  });

  it('RT2 (control): with in-process buses only, server A is never told of B’s events', async () => {
    const heard: (string | null)[] = [];
    const unlisten = inProcess.a.app.systemContext().bus.listen((n) => heard.push(n.tenantId));
    const onB = await createOn(inProcess.b, 'Made on B, unheard');
    const onA = await createOn(inProcess.a, 'Made on A, heard');
    unlisten();
    // A's bus told of A's own event, which committed after B's: B's was never on A's bus
    expect(heard).toEqual([fromGlobal(onA.data.createTenant.id)]);
    expect(heard).not.toContain(fromGlobal(onB.data.createTenant.id));
  });
});
