import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { defaultSettings, ManualClock, type Clock, type Settings } from '@callplane/schema';
import { createApp, defaultDashboardDir, type App, type AppOptions } from '@callplane/server';
import { createTestDatabase } from './db.js';
import { ok } from './graphql.js';
import { seedOperatorKey, seedTenant, type TenantFixture } from './context.js';

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string | null } }[];
}

/** A started server on its own database and a random port, with helpers to call it. */
export async function startTestApp(
  opts: {
    clock?: Clock;
    redisUrl?: string;
    databaseUrl?: string;
    revocationCheckMs?: number;
    /** WebSocket keep-alive in ms (default graphql-ws's 12 000). */
    wsKeepAliveMs?: number;
    settings?: Partial<Settings>;
    /** Serve the built dashboard (packages/dashboard/dist) at `/`, for browser tests. */
    dashboard?: boolean;
    corsOrigins?: string[];
    visibilityLag?: AppOptions['visibilityLag'];
    /** A logger of the test's own (default: silent). */
    log?: AppOptions['log'];
  } = {},
) {
  const created = opts.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? created!.url;
  const clock = opts.clock ?? new ManualClock();
  const app: App = await createApp({
    databaseUrl,
    clock,
    redisUrl: opts.redisUrl,
    logLevel: 'silent',
    log: opts.log,
    corsOrigins: opts.corsOrigins,
    visibilityLag: opts.visibilityLag,
    dashboardDir: opts.dashboard ? defaultDashboardDir : null,
    revocationCheckMs: opts.revocationCheckMs ?? 300,
    wsKeepAliveMs: opts.wsKeepAliveMs,
    settings: { ...defaultSettings, ...opts.settings },
  });
  const url = await app.start(0);
  const operatorKey = await seedOperatorKey(app.systemContext());
  const clients: Client[] = [];

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}, key: string | null = operatorKey): Promise<GqlResult<T>> {
    const res = await app.yoga.fetch('http://callplane.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  }

  /** A GraphQL multipart request (spec: operations, map, then the files), sent through yoga in process. */
  async function gqlMultipart<T = any>(
    query: string,
    variables: Record<string, unknown>,
    files: Record<string, { blob: Blob; name: string }>,
    key: string,
  ): Promise<GqlResult<T>> {
    const form = new FormData();
    const paths = Object.keys(files);
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(paths.map((p, i) => [String(i), [`variables.${p}`]]))));
    paths.forEach((p, i) => form.append(String(i), files[p]!.blob, files[p]!.name));
    const res = await app.yoga.fetch('http://callplane.test/graphql', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    return (await res.json()) as GqlResult<T>;
  }

  /**
   * Runs the due jobs (advanceClock) and reads until `done`: the inline worker may have taken a
   * job already, in which case advanceClock finds it locked, so wait for it to finish.
   */
  async function afterJobs<T>(read: () => Promise<T>, done: (value: T) => boolean, job: string): Promise<T> {
    ok(await gql(`mutation { advanceClock(seconds: 0) }`));
    for (let i = 0; i < 50; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the ${job} job did not run`);
  }

  function wsClient(key: string | null, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
    const c = createClient({
      url: url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: key ? { authorization: `Bearer ${key}` } : {},
      retryAttempts: 0,
      lazy: true,
      ...extra,
    });
    clients.push(c);
    return c;
  }

  return {
    app,
    url,
    databaseUrl,
    clock,
    operatorKey,
    gql,
    gqlMultipart,
    afterJobs,
    wsClient,
    tenant: (name = 'Acme'): Promise<TenantFixture> => seedTenant(app.systemContext(), name),
    /** The stream's current position: subscribe with `after:` it to see exactly what happens next. */
    cursor: async (): Promise<string> => (await gql<{ eventCursor: string }>('{ eventCursor }')).data!.eventCursor,
    async stop() {
      for (const c of clients) await c.dispose();
      await app.stop();
      await created?.drop();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** The setup of most API suites: a started app with two tenants, Acme and Beta (stop `t` in afterAll). */
export async function appWithAcmeAndBeta(opts?: Parameters<typeof startTestApp>[0]) {
  const t = await startTestApp(opts);
  return { t, acme: await t.tenant('Acme'), beta: await t.tenant('Beta') };
}

/** Collects what a subscription delivers, and lets a test wait for a count. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const waiters: (() => void)[] = [];
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors?.length) errors.push(...v.errors);
        if (v.data) items.push(v.data as T);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => {
        errors.push(e);
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => {
        completed = true;
        waiters.splice(0).forEach((w) => w());
      },
    },
  );
  return {
    items,
    errors,
    get completed() {
      return completed;
    },
    unsubscribe,
    async waitFor(pred: () => boolean, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > until) throw new Error(`timed out; got ${items.length} items, errors: ${JSON.stringify(errors)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}
