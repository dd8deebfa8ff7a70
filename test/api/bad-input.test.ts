import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { gid } from '../support/graphql.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const firstError = (r: { errors?: { message: string; extensions?: { code?: string; field?: string | null } }[] }) => r.errors?.[0];

describe('bad input gets a clear error, never a masked one', () => {
  it('variables that do not coerce to their type say what is wrong', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['query($f: Int) { orders(first: $f) { edges { cursor } } }', { f: 'x' }, /Int cannot represent/],
      ['query($f: Int) { orders(first: $f) { edges { cursor } } }', { f: 1e20 }, /Int cannot represent/],
      ['query($f: Int) { orders(first: $f) { edges { cursor } } }', { f: 2.5 }, /Int cannot represent/],
      ['query($id: ID!) { node(id: $id) { id } }', { id: {} }, /ID cannot represent/],
      ['query($id: ID!) { node(id: $id) { id } }', { id: [] }, /ID cannot represent/],
      ['query($id: ID!) { node(id: $id) { id } }', { id: true }, /ID cannot represent/],
      ['query($s: OrderStatus) { orders(status: $s) { edges { cursor } } }', { s: 'NOPE' }, /does not exist in "OrderStatus"/],
      ['mutation($e: DateTime) { createApiKey(userId: "VXNlcjow", expiresAt: $e) { secret } }', { e: 'yesterday' }, /DateTime/],
      ['mutation($e: DateTime) { createApiKey(userId: "VXNlcjow", expiresAt: $e) { secret } }', { e: '99999-01-01T00:00:00Z' }, /DateTime/],
      ['mutation($b: Boolean!) { setAutoRenew(numberId: "TnVtYmVyOjA=", autoRenew: $b) { id } }', { b: 'yes' }, /Boolean cannot represent/],
    ];
    for (const [query, variables, message] of cases) {
      const e = firstError(await t.gql(query, variables));
      expect(e?.message, JSON.stringify(variables)).toMatch(message);
      expect(e?.extensions?.code, e?.message).toBe('INVALID_INPUT');
    }
  });

  it('NUL bytes and lone surrogates are refused at the edge, naming the field', async () => {
    const viaVariable = await t.gql('mutation($n: String!) { createTenant(name: $n) { id } }', { n: 'Acme\u0000Ltd' });
    expect(firstError(viaVariable)?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'n' });
    const nested = await t.gql('mutation($i: QualificationInput!) { submitQualification(input: $i) { id } }', { i: { companyName: 'x\ud800' } });
    expect(firstError(nested)?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'i.companyName' });
    const inline = await t.gql('{ apiKeys(prefix: "ab\\u0000") { edges { cursor } } }');
    expect(firstError(inline)?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'prefix' });
    // over WebSockets too: an error for that subscription, not a masked one
    const sub = collect(t.wsClient(t.operatorKey), 'subscription($a: String) { events(after: $a) { cursor } }', { a: '\udc00' });
    await sub.waitFor(() => sub.errors.length > 0);
    expect(JSON.stringify(sub.errors)).toMatch(/INVALID_INPUT|unpaired surrogates/);
  });

  it('lengths count characters as people do: 150 emoji fit in 200', async () => {
    const emoji = '😀'.repeat(150);
    const created = await t.gql('mutation($n: String!) { createTenant(name: $n) { name } }', { n: emoji });
    expect(created.errors).toBeUndefined();
    expect(created.data.createTenant.name).toBe(emoji);
    const tooLong = await t.gql('mutation($n: String!) { createTenant(name: $n) { name } }', { n: '😀'.repeat(201) });
    expect(firstError(tooLong)?.extensions?.code).toBe('INVALID_INPUT');
    expect(firstError(tooLong)?.message).toMatch(/at most 200 characters/);
  });

  it('a cursor this list or stream never gave out is INVALID_CURSOR naming the argument', async () => {
    for (const bad of [cursorOf('2020-01-01T00:00:00Z|not-a-uuid'), cursorOf('-271821-04-20T00:00:00.000Z|00000000-0000-0000-0000-000000000000'), 'garbage']) {
      const e = firstError(await t.gql('query($a: String) { orders(first: 5, after: $a) { edges { cursor } } }', { a: bad }));
      expect(e?.extensions, bad).toMatchObject({ code: 'INVALID_CURSOR', field: 'after' });
    }
    const sub = collect(t.wsClient(t.operatorKey), 'subscription($a: String) { events(after: $a) { cursor } }', { a: '99999999999999999999-1' });
    await sub.waitFor(() => sub.errors.length > 0);
    expect(JSON.stringify(sub.errors)).toMatch(/INVALID_CURSOR/);
    expect(JSON.stringify(sub.errors)).not.toMatch(/Unexpected error/);
  });

  it('M1: amounts and balances are bounded with a clear error, and the tenant stays usable', async () => {
    const acme = await t.tenant('Bounded');
    const topUp = (amount: string) =>
      t.gql('mutation($t: ID!, $a: Decimal!) { topUpBalance(tenantId: $t, amount: $a) { amount } }', { t: gid('Tenant', acme.tenantId), a: amount });
    expect((await topUp('99999999999.999')).errors).toBeUndefined();
    const over = firstError(await topUp('99999999999.999'));
    expect(over?.extensions).toMatchObject({ code: 'BALANCE_LIMIT', field: 'amount' });
    expect(firstError(await topUp('100000000000'))?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'amount' });
    const balance = await t.gql('query($t: ID!) { balance(tenantId: $t) { amount } }', { t: gid('Tenant', acme.tenantId) });
    expect(balance.data.balance.amount).toBe('99999999999.999');
  });

  it('a time zone must be an IANA zone', async () => {
    const e = firstError(await t.gql('mutation { createTenant(name: "Mars Co", timeZone: "Mars/Olympus_Mons") { id } }'));
    expect(e?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'timeZone' });
    const ok = await t.gql('mutation { createTenant(name: "Berlin Co", timeZone: "Europe/Berlin") { timeZone } }');
    expect(ok.data.createTenant.timeZone).toBe('Europe/Berlin');
  });

  it('nodes() takes at most 100 ids, and node/nodes need a key', async () => {
    const ids = Array.from({ length: 101 }, () => gid('Tenant', '00000000-0000-0000-0000-000000000000'));
    expect(firstError(await t.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }))?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'ids' });
    expect(firstError(await t.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids.slice(0, 2) }, null))?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(firstError(await t.gql('query($id: ID!) { node(id: $id) { id } }', { id: ids[0] }, null))?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
