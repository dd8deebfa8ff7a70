import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverAudits } from 'graphql-http';
import { ManualClock, SystemClock, defineTask, scheduleJob } from '@callplane/schema';
import { printedSchema, schemaFile } from '@callplane/schema/testing';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';

// A task of this test only: it records that it ran and when (by the injected clock).
const ran: { at: string; label: string }[] = [];
defineTask('conventionsTestTask', async (payload: { label: string }, ctx) => {
  ran.push({ label: payload.label, at: ctx.clock.now().toISOString() });
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

describe('GraphQL conventions', () => {
  it('the committed packages/schema/schema.graphql is the printed schema (run `pnpm schema:print`)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(printedSchema());
  });

  for (const audit of serverAudits({ url: 'http://callplane.test/graphql', fetchFn: (input: string, init?: RequestInit) => t.app.yoga.fetch(new URL(input), init ?? {}) })) {
    if (!audit.name.startsWith('MUST')) continue;
    it(`GraphQL over HTTP: ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? result.reason : '').toBe('ok');
    });
  }

  it('depth and alias limits answer with a clear error', async () => {
    const deep = await t.gql(`{ tenants { edges { node { users { edges { node { tenant { users { edges { node { tenant { users { edges { node { id } } } } } } } } } } } } } } }`);
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = await t.gql(`{ ${Array.from({ length: 30 }, (_, i) => `a${i}: now`).join(' ')} }`);
    expect(aliases.errors?.[0]?.message).toMatch(/alias/i);
  });

  it('node(id:) resolves global ids, and another tenant’s node is null', async () => {
    const a = await t.tenant('NodeA');
    const b = await t.tenant('NodeB');
    const gid = Buffer.from(`Tenant:${b.tenantId}`).toString('base64');
    const asOperator = await t.gql(`query($id: ID!) { node(id: $id) { id ... on Tenant { name } } }`, { id: gid });
    expect(asOperator.data.node.name).toBe('NodeB');
    const asOther = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: gid }, a.keys.admin);
    expect(asOther.data?.node ?? null).toBeNull();
  });

  it('a malformed or mistyped id is a typed INVALID_ID error, never masked', async () => {
    const r = await t.gql(`mutation { revokeApiKey(id: "not-a-global-id") { id } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
    expect(r.errors?.[0]?.message).toMatch(/not-a-global-id/);
    const tenantId = Buffer.from('Tenant:00000000-0000-0000-0000-000000000000').toString('base64');
    const wrongType = await t.gql(`mutation($k: ID!) { revokeApiKey(id: $k) { id } }`, { k: tenantId });
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
  });

  it('paging arguments are validated with a clear error', async () => {
    const r = await t.gql(`{ tenants(first: 1000) { edges { node { id } } } }`);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'first' });
  });
});

describe('the injected clock and durable jobs', () => {
  it('advanceClock moves the manual clock and runs every job that became due before it returns', async () => {
    const start = t.clock.now();
    await scheduleJob(t.app.db, 'conventionsTestTask', { label: 'in-1h' }, { runAt: new Date(start.getTime() + 3600_000) });
    await scheduleJob(t.app.db, 'conventionsTestTask', { label: 'in-3h' }, { runAt: new Date(start.getTime() + 3 * 3600_000) });
    const r = await t.gql(`mutation { advanceClock(seconds: 7200) }`);
    expect(r.errors).toBeUndefined();
    expect(new Date(r.data.advanceClock).getTime()).toBe(start.getTime() + 7200_000);
    expect(ran.map((x) => x.label)).toEqual(['in-1h']);
    await t.gql(`mutation { advanceClock(seconds: 3600) }`);
    expect(ran.map((x) => x.label)).toEqual(['in-1h', 'in-3h']);
  });

  it('a job scheduled for later survives a restart of the server', async () => {
    const db = await createTestDatabase();
    const first = await startTestApp({ databaseUrl: db.url });
    const runAt = new Date(first.clock.now().getTime() + 600_000);
    await scheduleJob(first.app.db, 'conventionsTestTask', { label: 'after-restart' }, { runAt });
    await first.stop();
    const second = await startTestApp({ databaseUrl: db.url, clock: new ManualClock(runAt) });
    try {
      expect(ran.map((x) => x.label)).not.toContain('after-restart');
      await second.gql(`mutation { advanceClock(seconds: 1) }`);
      expect(ran.find((x) => x.label === 'after-restart')?.at).toBe(new Date(runAt.getTime() + 1000).toISOString());
    } finally {
      await second.stop();
      await db.drop();
    }
  });

  it('advanceClock is for OPERATORs only', async () => {
    const a = await t.tenant('ClockTenant');
    const r = await t.gql(`mutation { advanceClock(seconds: 1) }`, {}, a.keys.admin);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('outside manual mode advanceClock refuses', async () => {
    const sys = await startTestApp({ clock: new SystemClock() });
    try {
      const r = await sys.gql(`mutation { advanceClock(seconds: 60) }`);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'CLOCK_NOT_MANUAL', field: 'seconds' });
    } finally {
      await sys.stop();
    }
  });
});
