import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db, hashKey } from '@callplane/schema';
import { freePort } from '@callplane/server/database/embedded.ts';
import { createTestDatabase } from '../support/db.js';
import { errorOutput, gql, KEY, spawnCommand, spawnServer, type Spawned } from './process.js';
import { SERVER_NODE_FLAGS } from '@callplane/server/runtime/node-flags.ts';

/** `pnpm start` as a real process on a test database: start, first key, bootstrap key, demo, clock, SIGTERM. */
let database: { url: string; drop(): Promise<void> };
let conn: Db;
const running: Spawned[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  conn = connect(database.url, { max: 2 });
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const group of groups) signalGroup(group, 'SIGKILL');
  await conn?.close();
  await database?.drop();
});

async function start(env: Record<string, string> = {}) {
  const port = await freePort();
  const p = spawnServer('main', [], { DATABASE_URL: database.url, PORT: String(port), ...env });
  running.push(p);
  await p.waitFor(/Callplane listening on/);
  return { p, url: `http://127.0.0.1:${port}` };
}

async function stopCleanly(p: Spawned, sendSigterm = () => p.child.kill('SIGTERM')) {
  sendSigterm();
  const { code } = await p.exited;
  expect(code).toBe(0);
  expect(p.stdout()).toContain('SIGTERM: shutting down');
  expect(p.stdout()).toContain('"msg":"stopped"');
  expect(errorOutput(p)).toEqual([]);
  // nothing on stderr but Node's own warnings (a newer Node may print ExperimentalWarning lines)
  expect(p.stderr().split('\n').filter((l) => l.trim() && !/Warning|--trace-warnings/.test(l))).toEqual([]);
}

const operatorKeys = () => conn.db.selectFrom('api_keys').select(['id', 'label']).where('role', '=', 'OPERATOR').execute();

describe('the server process (pnpm start)', { timeout: 120_000 }, () => {
  it('first start on an empty database: health, readiness, metrics, a printed OPERATOR key that works; SIGTERM exits 0 cleanly', async () => {
    const { p, url } = await start();
    expect(p.stdout()).toMatch(/using PostgreSQL at .* \(DATABASE_URL\); migrations applied: none pending/);

    const keys = p.stdout().match(KEY) ?? [];
    expect(new Set(keys).size).toBe(1);
    expect(p.stdout()).toContain('Authorization: Bearer ' + keys[0]);
    expect(p.stdout()).toMatch(/paste the key into the dashboard/);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^callplane_\w+/m);
    expect(await gql(url, '{ viewer { role tenantId } }', keys[0])).toEqual({ data: { viewer: { role: 'OPERATOR', tenantId: null } } });
    // GraphiQL on the same path for a browser
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toMatch(/graphiql/i);

    // graphql-ws on the same path and port; an open subscription does not stop a clean shutdown
    const ws = createClient({ url: url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${keys[0]}` }, retryAttempts: 0 });
    const received: unknown[] = [];
    // from the current position: the event below is delivered however long the subscribe takes
    const after = (await gql(url, '{ eventCursor }', keys[0])).data.eventCursor;
    const closed = new Promise<void>((resolve) => {
      ws.subscribe(
        { query: 'subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { cursor } }', variables: { after } },
        { next: (v) => void received.push(v), error: () => resolve(), complete: () => resolve() },
      );
    });
    await new Promise((r) => ws.on('connected', r));
    expect((await gql(url, 'mutation { createTenant(name: "Live Ltd") { id } }', keys[0])).data.createTenant.id).toBeTruthy();
    for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);

    await stopCleanly(p);
    await closed;
    await ws.dispose();
    expect(await operatorKeys()).toHaveLength(1);
  });

  it('CALLPLANE_BOOTSTRAP_KEY makes exactly that key work, not duplicated on restart; no second first-start key; CALLPLANE_DEMO seeds once', async () => {
    const secret = 'ci-bootstrap-secret-0123456789';
    const env = { CALLPLANE_BOOTSTRAP_KEY: secret, CALLPLANE_DEMO: '1', CALLPLANE_CLOCK: 'manual' };

    const first = await start(env);
    expect(first.p.stdout()).toContain('CALLPLANE_BOOTSTRAP_KEY: OPERATOR key created');
    expect(first.p.stdout()).not.toContain('First start');
    expect(await gql(first.url, '{ viewer { role } }', secret)).toEqual({ data: { viewer: { role: 'OPERATOR' } } });
    const demoKeys = first.p.stdout().match(KEY) ?? [];
    expect(demoKeys).toHaveLength(3);
    expect(first.p.stdout()).toContain('Demo tenant "Demo Telecom Ltd"');
    expect(first.p.stdout()).toContain('seeded qualifications: STANDARD approved, TOLL_FREE_400 pending review');
    const roles = await Promise.all(demoKeys.map(async (k) => (await gql(first.url, '{ viewer { role } }', k)).data?.viewer.role));
    expect([...roles].sort()).toEqual(['PARTNER', 'SUPERVISOR', 'TENANT_ADMIN']);
    expect(first.p.stdout()).toContain('seeded instance: Demo Contact Center RUNNING');
    await expectDemoInstance(first.url, demoKeys[roles.indexOf('TENANT_ADMIN')]!);

    // CALLPLANE_CLOCK=manual: advanceClock moves the server's clock
    const before = (await gql(first.url, '{ now }', secret)).data.now;
    const advanced = await gql(first.url, 'mutation { advanceClock(seconds: 3600) }', secret);
    expect(Date.parse(advanced.data.advanceClock) - Date.parse(before)).toBe(3600_000);
    await stopCleanly(first.p);

    const again = await start(env);
    expect(again.p.stdout()).toContain('CALLPLANE_BOOTSTRAP_KEY: OPERATOR key present');
    expect(again.p.stdout().match(KEY)).toBeNull();
    expect(again.p.stdout()).not.toContain('seeded instance');
    expect(await gql(again.url, '{ viewer { role } }', secret)).toEqual({ data: { viewer: { role: 'OPERATOR' } } });
    await stopCleanly(again.p);

    const withSecret = await conn.db.selectFrom('api_keys').select('id').where('secret_hash', '=', hashKey(secret)).execute();
    expect(withSecret).toHaveLength(1);
    const tenants = await conn.db.selectFrom('tenants').select('id').where('name', '=', 'Demo Telecom Ltd').execute();
    expect(tenants).toHaveLength(1);
    expect(await conn.db.selectFrom('users').select('id').where('tenant_id', '=', tenants[0]!.id).execute()).toHaveLength(3);
    const quals = await conn.db.selectFrom('qualifications').select(['kind', 'status']).where('tenant_id', '=', tenants[0]!.id).orderBy('kind').execute();
    expect(quals).toEqual([
      { kind: 'STANDARD', status: 'APPROVED' },
      { kind: 'TOLL_FREE_400', status: 'PENDING_REVIEW' },
    ]);
    expect(await conn.db.selectFrom('instances').select('name').where('tenant_id', '=', tenants[0]!.id).execute()).toEqual([{ name: 'Demo Contact Center' }]);
  });

  it('a bad environment value stops the start with a message naming the variable', async () => {
    const p = spawnServer('main', [], { DATABASE_URL: database.url, PORT: 'eighty' });
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.stderr()).toMatch(/PORT/);
  });
});

const DEMO_INSTANCE_QUERY = `{ instances(first: 2, status: RUNNING) { edges { node {
  name status number { e164 }
  agents(first: 10) { edges { node { name status statusReason skills(first: 3) { edges { node { level skillGroup { name } } } } } } }
  flows(first: 3) { edges { node { name publishedVersion published { definition } numbers { e164 } } } }
  metrics { agentsOnline agentsAvailable agentsOnContact skillGroups { skillGroup { name } agentsOnline agentsAvailable agentsOnContact } }
} } } }`;

/** CALLPLANE_DEMO: the demo admin sees a RUNNING instance, agents in Sales and Support with levels and statuses, a published menu flow on its number. */
async function expectDemoInstance(url: string, adminKey: string) {
  const res = await gql(url, DEMO_INSTANCE_QUERY, adminKey);
  expect(res.errors).toBeUndefined();
  const instances = res.data.instances.edges.map((e: any) => e.node);
  expect(instances).toHaveLength(1);
  const [i] = instances;
  expect(i).toMatchObject({ name: 'Demo Contact Center', status: 'RUNNING', number: { e164: expect.stringMatching(/^\+86571/) } });
  const agents = i.agents.edges.map(({ node: a }: any) => ({
    name: a.name,
    status: a.status,
    reason: a.statusReason,
    skills: a.skills.edges.map(({ node: m }: any) => `${m.skillGroup.name}:${m.level}`).sort(),
  }));
  expect(agents).toEqual(
    expect.arrayContaining([
      { name: 'Chen Jing', status: 'READY', reason: null, skills: ['Sales:1', 'Support:3'] },
      { name: 'Wang Lei', status: 'TALKING', reason: null, skills: ['Sales:2'] },
      { name: 'Zhao Min', status: 'BREAK', reason: 'Lunch', skills: ['Sales:5', 'Support:2'] },
      { name: 'Sun Hui', status: 'OFFLINE', reason: null, skills: ['Support:4'] },
    ]),
  );
  const menu = i.flows.edges.map((e: any) => e.node).find((f: any) => f.name === 'Main menu');
  expect(menu).toMatchObject({ publishedVersion: 1, numbers: [{ e164: i.number.e164 }] });
  const transfers = menu.published.definition.nodes.filter((n: any) => n.type === 'TRANSFER');
  expect(new Set(transfers.map((n: any) => n.skillGroupId)).size).toBe(2);
  expect(i.metrics).toMatchObject({ agentsOnline: 4, agentsAvailable: 2, agentsOnContact: 1 });
  const tiles = Object.fromEntries(i.metrics.skillGroups.map((g: any) => [g.skillGroup.name, [g.agentsOnline, g.agentsAvailable, g.agentsOnContact]]));
  expect(tiles).toMatchObject({ Sales: [3, 1, 1], Support: [3, 2, 0] });
}

/** pnpm as the test run was started with (`pnpm test` sets npm_execpath), else the one on PATH. */
const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['pnpm'];
const groups: number[] = [];
function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

describe('under a process manager: SIGTERM to the whole process group (docker stop, systemctl stop, Ctrl-C)', { timeout: 120_000 }, () => {
  it.each([
    ['node --max-semi-space-size=64 --import tsx packages/server/src/main.ts (the README command)', [process.execPath, ...SERVER_NODE_FLAGS, '--import', 'tsx', 'packages/server/src/main.ts']],
    ['pnpm start', [...pnpm, 'start']],
  ])('%s shuts down cleanly and exits 0', async (_name, command) => {
    const port = await freePort();
    const p = spawnCommand(command, { DATABASE_URL: database.url, PORT: String(port) }, { detached: true });
    groups.push(p.child.pid!);
    await p.waitFor(/Callplane listening on/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    await stopCleanly(p, () => process.kill(-p.child.pid!, 'SIGTERM'));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
